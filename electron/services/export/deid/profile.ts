// DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile, driven by Table E.1-1
// (table-e1-1.json, see README.md beside it), with two options from the same table: Retain
// Longitudinal Temporal Information with Modified Dates (dates shifted by a per-patient offset)
// and Clean Descriptors (free-text descriptors kept only when they carry nothing identifying).
// Works on dcmjs's raw, tag-keyed data set so that every element (private ones included) is seen.
import table from "./table-e1-1.json";

interface TableRow {
  name: string;
  tag: string;
  id: string;
  basicProfile: string;
  rtnLongModifDatesOpt?: string;
  cleanDescOpt?: string;
}

/** D dummy, Z zero length, X remove, K keep, C clean, U replace UID (PS3.15 E.3.1). */
export type Action = "D" | "Z" | "X" | "K" | "C" | "U";

export const TABLE_ROWS = table as TableRow[];

/**
 * The single action taken for a table code. Where the table allows several ("X/Z", "X/D", ...,
 * chosen per IOD by the attribute's type), the one that keeps a Type 1/2 attribute present is
 * taken, so a de-identified image still passes its IOD: D over Z over X, U for "X/Z/U*".
 */
export function resolve(code: string): Action {
  if (code.includes("U")) return "U";
  if (code.includes("D")) return "D";
  if (code.includes("Z")) return "Z";
  if (code.includes("X")) return "X";
  if (code.includes("C")) return "C";
  return "K";
}

export interface ProfileRule {
  name: string;
  action: Action;
  /** Retain Longitudinal Temporal Information with Modified Dates: shift instead. */
  shiftDate: boolean;
  /** Clean Descriptors option. */
  clean: boolean;
}

const exact = new Map<string, ProfileRule>();
/** Repeating groups (50xx curves, 60xx overlays): [mask, value, rule] on the 32-bit tag. */
const repeating: { mask: number; value: number; rule: ProfileRule }[] = [];
for (const row of TABLE_ROWS) {
  const rule: ProfileRule = {
    name: row.name,
    action: resolve(row.basicProfile),
    shiftDate: row.rtnLongModifDatesOpt === "C",
    clean: row.cleanDescOpt === "C",
  };
  const id = row.id.toUpperCase();
  if (/X/.test(id)) {
    const mask = parseInt(id.replace(/[0-9A-F]/g, "F").replace(/X/g, "0"), 16);
    const value = parseInt(id.replace(/X/g, "0"), 16);
    repeating.push({ mask, value, rule });
  } else {
    exact.set(id, rule);
  }
}

/** The profile's rule for a tag ("0010,0010" as dcmjs writes it: 8 upper-case hex digits). */
export function ruleFor(tag: string): ProfileRule | undefined {
  const t = tag.toUpperCase();
  const r = exact.get(t);
  if (r) return r;
  const n = parseInt(t, 16);
  return repeating.find((x) => (n & x.mask) >>> 0 === x.value)?.rule;
}

export function isPrivate(tag: string): boolean {
  return parseInt(tag.slice(0, 4), 16) % 2 === 1;
}

/** Coded description of what was done (PS3.16 CID 7050), for DeidentificationMethodCodeSequence. */
export const METHOD_CODES = [
  {
    CodeValue: "113100",
    CodingSchemeDesignator: "DCM",
    CodeMeaning: "Basic Application Confidentiality Profile",
  },
  {
    CodeValue: "113106",
    CodingSchemeDesignator: "DCM",
    CodeMeaning: "Retain Longitudinal Temporal Information Modified Dates Option",
  },
  { CodeValue: "113105", CodingSchemeDesignator: "DCM", CodeMeaning: "Clean Descriptors Option" },
];
export const METHOD_TEXT =
  "PS3.15 E Basic Profile; Retain Longitudinal Temporal Information Modified Dates; Clean Descriptors (LiverCAD)";
