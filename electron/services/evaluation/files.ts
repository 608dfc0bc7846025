// Reading a site's truth, reader and results files for `livercad evaluate` and the app's import
// (issue 16 §1): the file is read here, validated by the pure evaluation/cohort-files.ts, and bad
// input becomes one UsageError listing every bad row with the file's name.
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../contract/errors";
import {
  formatRowErrors,
  validateReadersCsv,
  validateTruthFile,
  type ReaderRead,
  type StudyLookup,
  type TruthEntry,
} from "../../evaluation/cohort-files";
import type { ResultsLike } from "../../evaluation/match";

export type ResultsDoc = ResultsLike & {
  studies: (ResultsLike["studies"][number] & {
    patientId?: string;
    model?: { models?: { id: string; version: string; sha256: string }[] };
  })[];
};

function readText(file: string, what: string): string {
  if (!fs.existsSync(file)) throw new UsageError(`${what} ${file} does not exist.`);
  return fs.readFileSync(file, "utf8");
}

export function readResults(file: string): ResultsDoc {
  const text = readText(file, "Results file");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `Results file ${file} is not JSON (${err instanceof Error ? err.message : String(err)}): ` +
        "give the document `livercad analyze --json` wrote.",
    );
  }
  const studies = (doc as { studies?: unknown } | null)?.studies;
  if (!Array.isArray(studies)) {
    throw new UsageError(
      `Results file ${file} has no "studies" array (not an analyze --json file).`,
    );
  }
  return doc as ResultsDoc;
}

/**
 * Resolves study keys against a results document: study_uid and patient_id (a patient with
 * several analyzed studies is ambiguous); an accession number is not in out.json, so it needs the
 * registry (`fallback`).
 */
export function resultsLookup(results: ResultsDoc, fallback: StudyLookup | null): StudyLookup {
  const uids = new Set(results.studies.map((s) => s.studyInstanceUid));
  const byPatient = new Map<string, string[]>();
  for (const s of results.studies) {
    if (s.patientId === undefined) continue;
    byPatient.set(s.patientId, [...(byPatient.get(s.patientId) ?? []), s.studyInstanceUid]);
  }
  return (kind, value) => {
    if (kind === "study_uid" && uids.has(value)) return value;
    if (kind === "patient_id") {
      const found = byPatient.get(value) ?? [];
      if (found.length === 1) return found[0]!;
      if (found.length > 1) {
        return { error: `patient_id "${value}" has ${found.length} studies: use study_uid` };
      }
    }
    if (fallback) return fallback(kind, value);
    if (kind === "accession") {
      return { error: `accession "${value}" cannot be resolved without the registry: pass --db` };
    }
    return { error: `unknown study: no analyzed study with ${kind} "${value}" in the results` };
  };
}

/** truth.json or .csv -> entries, or a UsageError naming every bad row. */
export function readTruthFile(
  file: string,
  lookup: StudyLookup,
  jsonLookup: StudyLookup | null,
): TruthEntry[] {
  const v = validateTruthFile(file, readText(file, "Truth file"), lookup, jsonLookup);
  if (v.errors.length > 0) {
    const unit = /\.csv$/i.test(file) ? "line" : "study";
    throw new UsageError(
      `Truth file ${path.basename(file)} rejected (${v.errors.length} problem(s)), nothing used:\n` +
        formatRowErrors(file, v.errors, unit),
    );
  }
  return v.entries;
}

export function readReadersFile(file: string, lookup: StudyLookup): ReaderRead[] {
  const v = validateReadersCsv(readText(file, "Readers file"), lookup);
  if (v.errors.length > 0) {
    throw new UsageError(
      `Readers file ${path.basename(file)} rejected (${v.errors.length} problem(s)), nothing used:\n` +
        formatRowErrors(file, v.errors),
    );
  }
  return v.entries;
}

/** CV folds: {"<studyInstanceUid>": fold, ...} as train:cv writes them. */
export function readFolds(file: string): Map<string, number> {
  const doc = JSON.parse(readText(file, "Folds file")) as Record<string, unknown>;
  const folds = new Map<string, number>();
  for (const [uid, f] of Object.entries(doc)) {
    if (!Number.isInteger(f))
      throw new UsageError(`Folds file ${file}: fold of ${uid} is not an integer.`);
    folds.set(uid, f as number);
  }
  return folds;
}
