// Who a study belongs to, as the screens show it (issue 13 §1: a wrong-patient risk when only part
// of the name shows). Pure functions shared by the services (search) and the renderer (display),
// so that what the list shows is what the search box finds. No Node and no DOM (STYLE.md 7).

/** The identity fields a worklist row and the study header show. */
export interface PatientIdentity {
  /** Patient's Name (0010,0010) as stored, PS3.5 6.2 PN with ^ and = separators. */
  name: string;
  /** Every component of every group, as {@link formatPersonName} writes it. */
  displayName: string;
  /** Patient's Birth Date (0010,0030), DA YYYYMMDD or "". */
  birthDate: string;
  /** Patient's Sex (0010,0040): M, F, O or "". */
  sex: string;
  /** Age at the study date, from the two dates ("45 y", "7 mo", "12 d"); "" when unknown. */
  age: string;
  /** Accession Number (0008,0050). */
  accession: string;
}

/**
 * One PN component group (PS3.5 6.2.1.1: family ^ given ^ middle ^ prefix ^ suffix, trailing
 * empty components may be left out) as "FAMILY, prefix given middle, suffix".
 */
function formatGroup(group: string): string {
  const [family = "", given = "", middle = "", prefix = "", suffix = ""] = group
    .split("^")
    .map((c) => c.trim());
  const rest = [prefix, given, middle].filter((c) => c !== "").join(" ");
  let out = family !== "" && rest !== "" ? `${family}, ${rest}` : family || rest;
  if (suffix !== "") out = out === "" ? suffix : `${out}, ${suffix}`;
  return out;
}

/**
 * A Person Name with all its components and all three component groups (PS3.5 6.2.1.2:
 * alphabetic = ideographic = phonetic), e.g. "PHANTOM^140904^0001" -> "PHANTOM, 140904 0001" and
 * "Yamada^Tarou=山田^太郎=やまだ^たろう" -> "Yamada, Tarou = 山田, 太郎 = やまだ, たろう".
 * An empty name shows as "(no name)".
 */
export function formatPersonName(pn: string): string {
  const groups = pn.split("=").slice(0, 3).map(formatGroup);
  const shown = groups.filter((g) => g !== "");
  if (shown.length === 0) return "(no name)";
  // Keep the groups' positions readable when the alphabetic one is empty: "= 山田, 太郎".
  return groups[0] === "" ? `= ${shown.join(" = ")}` : shown.join(" = ");
}

function parseDa(da: string): { y: number; m: number; d: number } | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  return { y, m: mo, d };
}

/**
 * Age at the study date from two DA values, in the unit a PS3.5 Age String would use: years from
 * 2 years on, months from 1 month, else days. "" when a date is missing, invalid or the birth date
 * is after the study.
 */
export function ageAt(birthDate: string, studyDate: string): string {
  const b = parseDa(birthDate);
  const s = parseDa(studyDate);
  if (!b || !s) return "";
  let months = (s.y - b.y) * 12 + (s.m - b.m);
  if (s.d < b.d) months--;
  if (months < 0) return "";
  if (months >= 24) return `${Math.floor(months / 12)} y`;
  if (months >= 1) return `${months} mo`;
  const days = Math.round((Date.UTC(s.y, s.m - 1, s.d) - Date.UTC(b.y, b.m - 1, b.d)) / 86_400_000);
  return days >= 0 ? `${days} d` : "";
}

export function identityOf(fields: {
  patientName: string;
  birthDate: string;
  sex: string;
  accession: string;
  studyDate: string;
}): PatientIdentity {
  return {
    name: fields.patientName,
    displayName: formatPersonName(fields.patientName),
    birthDate: fields.birthDate,
    sex: fields.sex.trim().toUpperCase(),
    age: ageAt(fields.birthDate, fields.studyDate),
    accession: fields.accession,
  };
}

/**
 * The text a search box is matched against: the name as displayed and as stored, the patient ID,
 * the accession number and the study description, lower-cased.
 */
export function identitySearchText(id: PatientIdentity, patientId: string, description: string) {
  return [id.displayName, id.name, patientId, id.accession, description].join("\n").toLowerCase();
}
