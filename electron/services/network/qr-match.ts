// C-FIND key matching as PS3.4 C.2.2.2 defines it, over plain string values.
// In: the VR of a key, the request's value, the stored value. Out: whether the entity matches.
// - universal matching (C.2.2.2.3): a zero-length value, or a value of only "*", matches all;
// - single value matching (C.2.2.2.1): exact, after trimming the padding spaces; PN is matched
//   case-insensitively, an option C.2.2.2.1 allows for PN ("insensitive to some or all aspects
//   of case"); every other VR is case-sensitive;
// - wildcard matching (C.2.2.2.4): "*" any run of characters, "?" one character, for AE, CS,
//   LO, LT, PN, SH, ST, UC, UR and UT only;
// - range matching (C.2.2.2.5): "D1-D2", "-D2", "D1-" for DA, TM and DT (a partial TM upper bound
//   "12" covers 12:00:00 to 12:59:59.999999);
// - list of UID matching (C.2.2.2.2): UI values separated by backslashes;
// - a multi-valued stored value (ModalitiesInStudy "MR\SR") matches when any of its values does;
//   a backslash list in a CS request (e.g. "MR\CT") matches any of them.
// An empty stored value matches only universal matching ("*" included).

export type KeyVr = "AE" | "CS" | "DA" | "DT" | "IS" | "LO" | "PN" | "SH" | "TM" | "UI";

const WILDCARD_VRS: ReadonlySet<KeyVr> = new Set(["AE", "CS", "LO", "PN", "SH"]);

function trimValue(v: string): string {
  return v.replace(/^[ \0]+|[ \0]+$/g, "");
}

/** A request value of only "*" (C.2.2.2.4) or empty (C.2.2.2.3). */
export function isUniversal(query: string): boolean {
  const q = trimValue(query);
  return q === "" || /^\*+$/.test(q);
}

function wildcardRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let src = "";
  for (const ch of pattern) {
    if (ch === "*") src += ".*";
    else if (ch === "?") src += ".";
    else src += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${src}$`, caseInsensitive ? "is" : "s");
}

function matchText(vr: KeyVr, query: string, value: string): boolean {
  const caseless = vr === "PN";
  if (WILDCARD_VRS.has(vr) && /[*?]/.test(query)) {
    return wildcardRegExp(query, caseless).test(value);
  }
  return caseless ? query.toLowerCase() === value.toLowerCase() : query === value;
}

/** HHMMSS.FFFFFF from HH, HHMM, HHMMSS(.F...) or the old HH:MM:SS; `upper` fills with maxima. */
function normalizeTime(t: string, upper: boolean): string {
  const s = t.replace(/:/g, "");
  const [whole = "", frac = ""] = s.split(".");
  const fill = upper ? "995959" : "000000";
  const hms = whole + fill.slice(whole.length);
  const f = (frac + (upper && frac.length === 0 ? "999999" : "000000")).slice(0, 6);
  return `${hms.slice(0, 6)}.${f.padEnd(6, upper ? "9" : "0")}`;
}

function normalizeDate(d: string): string {
  return d.replace(/[.-]/g, "");
}

function inRange(vr: KeyVr, query: string, value: string): boolean {
  const dash = query.indexOf("-");
  const lo = query.slice(0, dash).trim();
  const hi = query.slice(dash + 1).trim();
  if (vr === "TM") {
    const v = normalizeTime(value, false);
    return (
      (lo === "" || v >= normalizeTime(lo, false)) && (hi === "" || v <= normalizeTime(hi, true))
    );
  }
  // DA (YYYYMMDD) and DT (YYYYMMDDHHMMSS...) compare as strings once their separators are gone;
  // a DT upper bound covers everything that starts with it.
  const v = vr === "DA" ? normalizeDate(value) : value;
  const l = vr === "DA" ? normalizeDate(lo) : lo;
  const h = vr === "DA" ? normalizeDate(hi) : hi;
  return (l === "" || v >= l) && (h === "" || v <= h || v.startsWith(h));
}

/** PS3.4 C.2.2.2: does the stored `value` match the request's `query` for a key of `vr`? */
export function matchesKey(vr: KeyVr, query: string, value: string): boolean {
  const q = trimValue(query);
  if (isUniversal(q)) return true;
  const values = trimValue(value)
    .split("\\")
    .map(trimValue)
    .filter((v) => v !== "");
  if (values.length === 0) return false;
  switch (vr) {
    case "UI": {
      const wanted = new Set(q.split("\\").map(trimValue));
      return values.some((v) => wanted.has(v));
    }
    case "DA":
    case "TM":
    case "DT":
      return values.some((v) =>
        q.includes("-") ? inRange(vr, q, v) : normalizeDate(v) === normalizeDate(q),
      );
    case "IS":
      return values.some((v) => Number(v) === Number(q) && q !== "");
    case "CS": {
      const alternatives = q.split("\\").map(trimValue);
      return values.some((v) => alternatives.some((a) => matchText(vr, a, v)));
    }
    case "AE":
    case "LO":
    case "PN":
    case "SH":
      return values.some((v) => matchText(vr, q, v));
  }
}

/** The UIDs of a list-of-UID key (C.2.2.2.2), or undefined when it is universal. */
export function uidList(query: string | undefined): string[] | undefined {
  if (query === undefined || isUniversal(query)) return undefined;
  return query
    .split("\\")
    .map(trimValue)
    .filter((u) => u !== "");
}
