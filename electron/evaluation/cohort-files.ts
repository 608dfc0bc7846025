// A site's ground truth (CSV or the phantom's truth.json) and reader studies (CSV) -> validated
// entries, row by row (issue 16 §1). Pure: the caller reads the file and says which studies exist.
// A file with any bad row is rejected as a whole (the caller stores nothing from it), and every bad
// row gets its own message, so a coordinator fixes the spreadsheet in one pass.
import { LESION_CLASSES, type LesionClass, type Vec3 } from "../contract/domain";
import { parseCsv, type CsvTable } from "./csv";

/** The columns that can name a study, in the order they are tried when a row fills several. */
export const STUDY_KEYS = ["study_uid", "accession", "patient_id"] as const;
export type StudyKeyKind = (typeof STUDY_KEYS)[number];

/** Which study a key names: its StudyInstanceUID, or why it names none (unknown, ambiguous). */
export type StudyLookup = (kind: StudyKeyKind, value: string) => string | { error: string };

export interface TruthEntry {
  studyInstanceUid: string;
  label: LesionClass;
  /** Largest lesion diameter (mm): splits the paper's <= 2 cm / > 2 cm subgroups. */
  largestLesionMm: number | null;
  /** Lesion centres and diameters (phantom truth.json only): localization is checked against them. */
  lesions: { center_mm: Vec3; diameter_mm: number }[] | null;
}

export interface ReaderRead {
  reader: string;
  studyInstanceUid: string;
  diagnosis: LesionClass;
  /** The paper's reader confidence, 1 (least) to 5 (most). */
  confidence: 1 | 2 | 3 | 4 | 5;
}

export interface RowError {
  /** 1-based line of the file (1 = the header); 0 for the file as a whole. */
  line: number;
  message: string;
}

export interface Validated<T> {
  entries: T[];
  errors: RowError[];
}

/** "HCC", "icc", "Metastasis" -> the class; anything else -> null. */
export function lesionClassOf(text: string): LesionClass | null {
  const t = text.trim().toLowerCase();
  return LESION_CLASSES.find((c) => c.toLowerCase() === t) ?? null;
}

const LABELS = LESION_CLASSES.join(" / ");

function keyColumns(table: CsvTable): StudyKeyKind[] {
  return STUDY_KEYS.filter((k) => table.header.includes(k));
}

function missingColumns(table: CsvTable, required: string[], what: string): RowError[] {
  const errors: RowError[] = [];
  if (table.header.length === 0) return [{ line: 0, message: `the ${what} file is empty` }];
  const missing = required.filter((c) => !table.header.includes(c));
  if (missing.length > 0) {
    errors.push({
      line: 1,
      message: `missing column(s) ${missing.join(", ")} (header: ${table.header.join(", ")})`,
    });
  }
  if (keyColumns(table).length === 0) {
    errors.push({ line: 1, message: `no study column: add one of ${STUDY_KEYS.join(", ")}` });
  }
  if (errors.length === 0 && table.rows.length === 0) {
    errors.push({ line: 0, message: `the ${what} file has a header but no rows` });
  }
  return errors;
}

function studyOf(
  table: CsvTable,
  cells: string[],
  lookup: StudyLookup,
): string | { error: string } {
  for (const kind of keyColumns(table)) {
    const value = cells[table.header.indexOf(kind)] ?? "";
    if (value !== "") return lookup(kind, value);
  }
  return { error: `no study given (fill one of ${keyColumns(table).join(", ")})` };
}

const cellOf = (table: CsvTable, cells: string[], column: string): string =>
  table.header.includes(column) ? (cells[table.header.indexOf(column)] ?? "") : "";

/** Ground truth CSV: `study_uid` | `accession` | `patient_id`, `label`, optional `largest_lesion_mm`. */
export function validateTruthCsv(text: string, lookup: StudyLookup): Validated<TruthEntry> {
  const table = parseCsv(text);
  const fileErrors = missingColumns(table, ["label"], "ground truth");
  if (fileErrors.length > 0) return { entries: [], errors: fileErrors };
  const entries: TruthEntry[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of table.rows) {
    const why: string[] = [];
    const study = studyOf(table, cells, lookup);
    if (typeof study !== "string") why.push(study.error);
    const labelText = cellOf(table, cells, "label");
    const label = lesionClassOf(labelText);
    if (label === null) why.push(`unknown label "${labelText}" (expected ${LABELS})`);
    const mmText = cellOf(table, cells, "largest_lesion_mm").replace(",", ".");
    const mm = mmText === "" ? null : Number(mmText);
    if (mm !== null && !(Number.isFinite(mm) && mm > 0 && mm < 500)) {
      why.push(`largest_lesion_mm "${mmText}" is not a diameter in mm (0-500)`);
    }
    if (typeof study === "string") {
      const first = seen.get(study);
      if (first !== undefined) why.push(`duplicate: study ${study} already given on line ${first}`);
      else seen.set(study, line);
    }
    if (why.length > 0) errors.push({ line, message: why.join("; ") });
    else {
      entries.push({
        studyInstanceUid: study as string,
        label: label!,
        largestLesionMm: mm,
        lesions: null,
      });
    }
  }
  return errors.length > 0 ? { entries: [], errors } : { entries, errors };
}

/** Reader study CSV: `reader`, `study_uid` | `accession` | `patient_id`, `diagnosis`, `confidence`. */
export function validateReadersCsv(text: string, lookup: StudyLookup): Validated<ReaderRead> {
  const table = parseCsv(text);
  const fileErrors = missingColumns(table, ["reader", "diagnosis", "confidence"], "reader");
  if (fileErrors.length > 0) return { entries: [], errors: fileErrors };
  const entries: ReaderRead[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of table.rows) {
    const why: string[] = [];
    const reader = cellOf(table, cells, "reader");
    if (reader === "") why.push("no reader named");
    const study = studyOf(table, cells, lookup);
    if (typeof study !== "string") why.push(study.error);
    const dxText = cellOf(table, cells, "diagnosis");
    const diagnosis = lesionClassOf(dxText);
    if (diagnosis === null) why.push(`unknown diagnosis "${dxText}" (expected ${LABELS})`);
    const cText = cellOf(table, cells, "confidence");
    const confidence = Number(cText);
    if (!(Number.isInteger(confidence) && confidence >= 1 && confidence <= 5)) {
      why.push(`confidence "${cText}" is not a level 1-5`);
    }
    if (typeof study === "string" && reader !== "") {
      const key = `${reader}\u0000${study}`;
      const first = seen.get(key);
      if (first !== undefined) {
        why.push(`duplicate: reader ${reader} already read study ${study} on line ${first}`);
      } else seen.set(key, line);
    }
    if (why.length > 0) errors.push({ line, message: why.join("; ") });
    else {
      entries.push({
        reader,
        studyInstanceUid: study as string,
        diagnosis: diagnosis!,
        confidence: confidence as ReaderRead["confidence"],
      });
    }
  }
  return errors.length > 0 ? { entries: [], errors } : { entries, errors };
}

const isVec3 = (v: unknown): v is Vec3 =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "number" && Number.isFinite(x));

/**
 * truth.json: `{studies: [{studyInstanceUid, label, lesions?, largest_lesion_mm?}]}`. The phantom
 * writes lesions (centre, diameter); a site's label-only file omits them, and then a study counts
 * as localized when the CAD placed any ROI (nothing to check the ROI against).
 */
export function validateTruthJson(
  doc: unknown,
  lookup: StudyLookup | null = null,
): Validated<TruthEntry> {
  const studies = (doc as { studies?: unknown } | null)?.studies;
  if (!Array.isArray(studies)) {
    return { entries: [], errors: [{ line: 0, message: 'no "studies" array at the top level' }] };
  }
  const entries: TruthEntry[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  studies.forEach((s: unknown, i) => {
    const item = i + 1;
    const o = (s ?? {}) as Record<string, unknown>;
    const why: string[] = [];
    const uidValue = o.studyInstanceUid;
    let uid: string | null = null;
    if (typeof uidValue !== "string" || uidValue === "") why.push("no studyInstanceUid");
    else if (lookup) {
      const r = lookup("study_uid", uidValue);
      if (typeof r === "string") uid = r;
      else why.push(r.error);
    } else uid = uidValue;
    const label = typeof o.label === "string" ? lesionClassOf(o.label) : null;
    if (label === null) why.push(`unknown label ${JSON.stringify(o.label)} (expected ${LABELS})`);
    let lesions: TruthEntry["lesions"] = null;
    if (o.lesions !== undefined) {
      const ok =
        Array.isArray(o.lesions) &&
        o.lesions.every(
          (l: unknown) =>
            isVec3((l as { center_mm?: unknown })?.center_mm) &&
            typeof (l as { diameter_mm?: unknown }).diameter_mm === "number",
        );
      if (ok) lesions = o.lesions as NonNullable<TruthEntry["lesions"]>;
      else why.push("lesions must be [{center_mm: [x, y, z], diameter_mm}]");
    }
    const given = o.largest_lesion_mm;
    let mm: number | null = null;
    if (typeof given === "number" && given > 0) mm = given;
    else if (given !== undefined && given !== null) why.push("largest_lesion_mm is not a number");
    else if (lesions && lesions.length > 0) mm = Math.max(...lesions.map((l) => l.diameter_mm));
    if (uid !== null) {
      const first = seen.get(uid);
      if (first !== undefined) why.push(`duplicate: study ${uid} already given as study ${first}`);
      else seen.set(uid, item);
    }
    if (why.length > 0) errors.push({ line: item, message: why.join("; ") });
    else entries.push({ studyInstanceUid: uid!, label: label!, largestLesionMm: mm, lesions });
  });
  return errors.length > 0 ? { entries: [], errors } : { entries, errors };
}

/** One line per error, as the CLI prints them and the app lists them. */
export function formatRowErrors(file: string, errors: RowError[], unit = "line"): string {
  return errors
    .map((e) =>
      e.line === 0 ? `${file}: ${e.message}` : `${file} ${unit} ${e.line}: ${e.message}`,
    )
    .join("\n");
}

/** Both kinds of truth file by name: .csv or .json. */
export function validateTruthFile(
  fileName: string,
  text: string,
  lookup: StudyLookup,
  jsonLookup: StudyLookup | null = lookup,
): Validated<TruthEntry> {
  if (/\.csv$/i.test(fileName)) return validateTruthCsv(text, lookup);
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      entries: [],
      errors: [{ line: 0, message: `not valid JSON (${why}); a CSV file must end in .csv` }],
    };
  }
  return validateTruthJson(doc, jsonLookup);
}
