// One data set through the profile (profile.ts): every element the table names gets its action,
// recursively inside sequences; private elements are removed; UIDs are replaced by a keyed hash
// (the same original always maps to the same new UID, so references between files, and inside the
// SR and presentation state written from the mapped values, still meet); dates move by the
// patient's offset. Elements the table does not name are kept (PS3.15 E.3.1: the table lists what
// may identify).
import crypto from "node:crypto";
import { derivedUid } from "../dcm";
import { isPrivate, METHOD_CODES, METHOD_TEXT, ruleFor, type ProfileRule } from "./profile";

/** dcmjs's raw element: VR and value list (sequence items are raw data sets themselves). */
export interface RawElement {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
}
export type RawDataSet = Record<string, RawElement>;

/** The per-export secret and one patient's pseudonym and date offset. */
export class DeidKeys {
  constructor(private readonly secret: string) {}

  private digest(...parts: string[]): Buffer {
    return crypto.createHmac("sha256", this.secret).update(parts.join("\u0000")).digest();
  }

  uid(original: string): string {
    return derivedUid("livercad-deid", this.digest("uid", original).toString("hex"));
  }

  /** "LCDEID" + 10 hex digits of a keyed hash of the patient's identity. */
  pseudonym(patientKey: string): string {
    return `LCDEID${this.digest("patient", patientKey).toString("hex").slice(0, 10).toUpperCase()}`;
  }

  /** Days to move this patient's dates back: 1..3650, fixed per patient (longitudinal intervals kept). */
  dayOffset(patientKey: string): number {
    return 1 + (this.digest("shift", patientKey).readUInt32BE(0) % 3650);
  }
}

export interface PatientContext {
  pseudonym: string;
  dayOffset: number;
  /** Strings that must not survive in cleaned descriptors (name parts, ID, birth date). */
  identifying: string[];
}

function shiftDa(da: string, days: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(da.trim());
  if (!m) return "";
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10).replace(/-/g, "");
}

function shiftDt(dt: string, days: number): string {
  const s = dt.trim();
  if (s.length < 8) return "";
  return shiftDa(s.slice(0, 8), days) + s.slice(8);
}

/**
 * Clean Descriptors (PS3.15 E.3.5): a descriptor is kept when it holds none of the patient's
 * identifying strings and no run of 5+ digits (IDs, dates, phone numbers); otherwise emptied.
 */
export function cleanText(value: string, ctx: PatientContext): string {
  const v = value.toUpperCase();
  if (/\d{5,}/.test(v)) return "";
  for (const s of ctx.identifying) {
    if (s.length >= 3 && v.includes(s.toUpperCase())) return "";
  }
  return value;
}

/** A dummy of the element's VR (PS3.15 E.3.1 "D": non-zero length, not identifying). */
function dummy(vr: string, rule: ProfileRule, ctx: PatientContext): unknown[] {
  switch (vr) {
    case "PN":
      return [{ Alphabetic: rule.name === "Patient's Name" ? ctx.pseudonym : "ANONYMOUS" }];
    case "DA":
      return ["19000101"];
    case "TM":
      return ["000000"];
    case "DT":
      return ["19000101000000"];
    case "UI":
      return ["2.25.0"];
    case "AS":
      return ["000Y"];
    case "CS":
      return ["ANONYMIZED"];
    case "IS":
    case "DS":
      return ["0"];
    case "US":
    case "SS":
    case "UL":
    case "SL":
    case "FL":
    case "FD":
      return [0];
    default:
      return [rule.name === "Patient ID" ? ctx.pseudonym : "ANONYMIZED"];
  }
}

export interface DeidStats {
  removed: number;
  replaced: number;
  privateRemoved: number;
}

function process(
  ds: RawDataSet,
  keys: DeidKeys,
  ctx: PatientContext,
  stats: DeidStats,
): RawDataSet {
  const out: RawDataSet = {};
  for (const tag of Object.keys(ds).sort()) {
    const el = ds[tag]!;
    if (isPrivate(tag)) {
      stats.privateRemoved++;
      continue;
    }
    const rule = ruleFor(tag);
    if (!rule) {
      out[tag] = el.vr === "SQ" ? sequence(el, keys, ctx, stats) : el;
      continue;
    }
    const values = el.Value ?? [];
    if (rule.shiftDate && (el.vr === "DA" || el.vr === "DT" || el.vr === "TM")) {
      // Modified Dates option: dates move by the patient's offset; times of day stay.
      out[tag] = {
        vr: el.vr,
        Value: values.map((v) =>
          el.vr === "DA"
            ? shiftDa(String(v), ctx.dayOffset)
            : el.vr === "DT"
              ? shiftDt(String(v), ctx.dayOffset)
              : v,
        ),
      };
      stats.replaced++;
      continue;
    }
    if (rule.clean && typeof values[0] === "string") {
      out[tag] = { vr: el.vr, Value: values.map((v) => cleanText(String(v), ctx)) };
      stats.replaced++;
      continue;
    }
    switch (rule.action) {
      case "K":
        out[tag] = el.vr === "SQ" ? sequence(el, keys, ctx, stats) : el;
        break;
      case "X":
        stats.removed++;
        break;
      case "Z":
        out[tag] =
          el.vr === "PN" && rule.name === "Patient's Name"
            ? { vr: "PN", Value: [{ Alphabetic: ctx.pseudonym }] }
            : { vr: el.vr, Value: [] };
        stats.replaced++;
        break;
      case "U":
        if (el.vr === "SQ") out[tag] = sequence(el, keys, ctx, stats);
        else out[tag] = { vr: el.vr, Value: values.map((v) => (v ? keys.uid(String(v)) : v)) };
        stats.replaced++;
        break;
      case "C":
      case "D":
        // A sequence keeps its structure with every item cleaned; other VRs get a dummy.
        out[tag] =
          el.vr === "SQ"
            ? sequence(el, keys, ctx, stats)
            : { vr: el.vr, Value: dummy(el.vr, rule, ctx) };
        stats.replaced++;
        break;
    }
  }
  return out;
}

function sequence(
  el: RawElement,
  keys: DeidKeys,
  ctx: PatientContext,
  stats: DeidStats,
): RawElement {
  return {
    vr: "SQ",
    Value: (el.Value ?? []).map((item) => process(item as RawDataSet, keys, ctx, stats)),
  };
}

/** The de-identified data set, with PatientIdentityRemoved and the method recorded (C.7.1.1). */
export function deidentify(
  ds: RawDataSet,
  keys: DeidKeys,
  ctx: PatientContext,
): { dataset: RawDataSet; stats: DeidStats } {
  const stats: DeidStats = { removed: 0, replaced: 0, privateRemoved: 0 };
  const out = process(ds, keys, ctx, stats);
  out["00100020"] = { vr: "LO", Value: [ctx.pseudonym] };
  out["00100010"] = { vr: "PN", Value: [{ Alphabetic: ctx.pseudonym }] };
  out["00120062"] = { vr: "CS", Value: ["YES"] };
  out["00120063"] = { vr: "LO", Value: [METHOD_TEXT.slice(0, 64)] };
  out["00120064"] = {
    vr: "SQ",
    Value: METHOD_CODES.map((c) => ({
      "00080100": { vr: "SH", Value: [c.CodeValue] },
      "00080102": { vr: "SH", Value: [c.CodingSchemeDesignator] },
      "00080104": { vr: "LO", Value: [c.CodeMeaning] },
    })),
  };
  // PS3.3 C.7.1.1: dates were shifted, so say so.
  out["00280303"] = { vr: "CS", Value: ["MODIFIED"] };
  return { dataset: out, stats };
}
