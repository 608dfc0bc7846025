// Export of analyzed studies to a folder: DICOM SR, GSPS, case sheets (CSV, XLSX, PDF) and the
// de-identified study copy. One study failing never stops the others: each file's outcome is
// reported (`written` or `error` with the reason), like the import report.
import fs from "node:fs";
import path from "node:path";
import { SEQUENCES, type SequenceId } from "../../contract/domain";
import { AppError, ExportError } from "../../contract/errors";
import type { LoadedSeries } from "../../dicom/load-series";
import { studyInstanceCount, type Registry } from "../../registry";
import { SeriesSource, studiesToExport, type StudyExport } from "./context";
import { writePart10 } from "./dcm";
import {
  deidResultObjects,
  deidSecret,
  deidStudyExport,
  deidStudyFiles,
  keyCsv,
  patientContext,
  type DeidStudy,
} from "./deid/export";
import { DeidKeys } from "./deid/deidentify";
import { keyImages, pdfBytes, type CaseSheet } from "./pdf";
import { csvBytes, xlsxBytes } from "./sheets";
import { ensureResultObject, gspsDataset, srDataset, storedBytes } from "./result-objects";

export const EXPORT_FORMATS = ["csv", "xlsx", "pdf", "sr", "gsps", "deid"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

// ExportError lives with the other AppErrors (contract/errors.ts); exported here for its callers.
export { ExportError };

/**
 * The export was cancelled (dialog's Stop, SIGINT in the CLI): every file this run had written is
 * removed again, so the folder never holds a partial export that looks complete. Objects written
 * into the managed store on the way (result-objects.ts) are complete files and stay.
 */
export class ExportCancelledError extends AppError {
  constructor(
    readonly out: string,
    readonly removed: number,
  ) {
    super(
      "EXPORT_CANCELLED",
      `Export cancelled: ${removed} partial file${removed === 1 ? "" : "s"} removed from ${out}.`,
    );
  }
}

export interface ExportFileOutcome {
  /** Relative to the output folder; empty when the item failed before a file was named. */
  file: string;
  studyInstanceUid: string | null;
  outcome: "written" | "error";
  reason: string | null;
}

export interface ExportProgress {
  done: number;
  total: number;
  file: ExportFileOutcome;
}

export interface ExportOptions {
  format: ExportFormat;
  out: string;
  /** Study Instance UIDs; default every analyzed study. */
  studies?: string[];
  /** deid: also write key.csv (pseudonym -> identity). */
  writeKey?: boolean;
  /** deid: the date-shift / pseudonym secret (default: a fixed project salt). */
  salt?: string;
  onProgress?: (p: ExportProgress) => void;
  /** Stops the export between files; what it wrote is removed (ExportCancelledError). */
  signal?: AbortSignal;
}

export interface ExportReport {
  format: ExportFormat;
  out: string;
  studies: number;
  files: ExportFileOutcome[];
}

/** The studies to export, in registry order; unknown or never-analyzed UIDs are refused. */
export function selectStudies(reg: Registry, uids?: string[]): StudyExport[] {
  const all = studiesToExport(reg, uids);
  if (uids) {
    const found = new Set(all.map((s) => s.result.studyInstanceUid));
    const missing = uids.filter((u) => !found.has(u));
    if (missing.length > 0) {
      throw new ExportError(
        `No analysis to export for ${missing.length === 1 ? "study" : "studies"} ${missing.join(", ")} (not in the registry or never analyzed).`,
      );
    }
  }
  if (all.length === 0) throw new ExportError("No analyzed study to export.");
  return all;
}

/** Folder-safe file stem of a study (UIDs are digits and dots). */
export function stem(study: StudyExport): string {
  return study.result.studyInstanceUid;
}

/** The five sequences the analysis read, through the app's volume loader (absent: left out). */
export async function loadFive(
  src: SeriesSource,
  study: StudyExport,
): Promise<Partial<Record<SequenceId, LoadedSeries>>> {
  const out: Partial<Record<SequenceId, LoadedSeries>> = {};
  for (const q of SEQUENCES) {
    const uid = study.result.sequences[q];
    if (uid && src.files(uid).length > 0) out[q] = await src.load(uid, src.bValueOf(study, q));
  }
  return out;
}

export async function srBytes(src: SeriesSource, study: StudyExport): Promise<Uint8Array> {
  return writePart10(await srDataset(src, study));
}

export async function gspsBytes(src: SeriesSource, study: StudyExport): Promise<Uint8Array | null> {
  const ds = await gspsDataset(src, study);
  return ds ? writePart10(ds) : null;
}

async function exportDeid(
  reg: Registry,
  src: SeriesSource,
  studies: StudyExport[],
  options: ExportOptions,
  report: (f: ExportFileOutcome) => void,
  checkpoint: () => void,
): Promise<void> {
  const keys = new DeidKeys(options.salt ?? deidSecret(reg));
  const done: DeidStudy[] = [];
  for (const study of studies) {
    const ctx = patientContext(keys, study);
    const newStudyUid = keys.uid(study.result.studyInstanceUid);
    const d: DeidStudy = { study, ctx, newStudyUid, folder: path.join(ctx.pseudonym, newStudyUid) };
    const uid = study.result.studyInstanceUid;
    checkpoint();
    for (const f of await deidStudyFiles(reg, keys, d, options.out, options.signal)) {
      report({
        file: f.file,
        studyInstanceUid: uid,
        outcome: f.error ? "error" : "written",
        reason: f.error,
      });
    }
    checkpoint();
    try {
      const objects = await deidResultObjects(src, keys, d);
      const srFile = path.join(d.folder, "LIVERCAD_SR.dcm");
      fs.writeFileSync(path.join(options.out, srFile), objects.sr);
      report({ file: srFile, studyInstanceUid: uid, outcome: "written", reason: null });
      if (objects.gsps) {
        const prFile = path.join(d.folder, "LIVERCAD_PR.dcm");
        fs.writeFileSync(path.join(options.out, prFile), objects.gsps);
        report({ file: prFile, studyInstanceUid: uid, outcome: "written", reason: null });
      }
    } catch (e) {
      report({
        file: path.join(d.folder, "LIVERCAD_SR.dcm"),
        studyInstanceUid: uid,
        outcome: "error",
        reason: (e as Error).message,
      });
    }
    done.push(d);
  }
  checkpoint();
  const sheet = "case-sheet.csv";
  const mapped = done.map((d) => deidStudyExport(keys, d.study, d.ctx));
  const extras = done.map((d) => ({ largestRoiMm: src.largestRoiMm(d.study) }));
  fs.writeFileSync(path.join(options.out, sheet), csvBytes(mapped, extras));
  report({ file: sheet, studyInstanceUid: null, outcome: "written", reason: null });
  if (options.writeKey) {
    fs.writeFileSync(path.join(options.out, "key.csv"), keyCsv(done));
    report({ file: "key.csv", studyInstanceUid: null, outcome: "written", reason: null });
  }
}

/** How many outcomes the export will report, for a progress bar. */
function expectedFiles(reg: Registry, studies: StudyExport[], options: ExportOptions): number {
  switch (options.format) {
    case "sr":
    case "gsps":
      return studies.length;
    case "pdf":
      return studies.length + (studies.length > 1 ? 1 : 0);
    case "csv":
    case "xlsx":
      return 1;
    case "deid": {
      const instances = studies.reduce(
        (a, s) => a + studyInstanceCount(reg.db, s.result.studyInstanceUid),
        0,
      );
      const objects = studies.reduce((a, s) => a + (s.result.rois.length > 0 ? 2 : 1), 0);
      return instances + objects + 1 + (options.writeKey ? 1 : 0);
    }
  }
}

/**
 * The date written into sheets and PDFs: the latest analysis or review time of the exported
 * studies, so the same registry state always gives the same bytes (no wall-clock time).
 */
export function registryStateDate(studies: StudyExport[]): Date {
  let latest = 0;
  for (const s of studies) {
    for (const t of [s.result.analyzedAt, s.review?.at]) {
      const ms = t ? Date.parse(t) : NaN;
      if (Number.isFinite(ms) && ms > latest) latest = ms;
    }
  }
  return new Date(latest);
}

function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ExportError(`Cannot create the output folder ${dir}: ${(e as Error).message}`);
  }
}

export async function exportStudies(reg: Registry, options: ExportOptions): Promise<ExportReport> {
  const studies = selectStudies(reg, options.studies);
  ensureDir(options.out);
  const src = new SeriesSource(reg);
  const files: ExportFileOutcome[] = [];
  const total = expectedFiles(reg, studies, options);
  const report = (f: ExportFileOutcome): void => {
    files.push(f);
    options.onProgress?.({ done: files.length, total: Math.max(total, files.length), file: f });
  };
  const checkpoint = (): void => {
    if (options.signal?.aborted) throw new ExportCancelledError(options.out, 0);
  };
  try {
    await runFormat(reg, src, studies, options, report, checkpoint);
  } catch (e) {
    if (e instanceof ExportCancelledError) {
      throw new ExportCancelledError(options.out, removePartial(options.out, files));
    }
    throw e;
  }
  return { format: options.format, out: options.out, studies: studies.length, files };
}

/** Removes the files an export wrote (and the folders it left empty); answers how many. */
function removePartial(out: string, files: ExportFileOutcome[]): number {
  let removed = 0;
  const root = path.resolve(out);
  for (const f of files) {
    if (f.outcome !== "written" || f.file === "") continue;
    const file = path.resolve(root, f.file);
    try {
      fs.rmSync(file);
      removed++;
    } catch {
      continue;
    }
    for (let dir = path.dirname(file); dir.startsWith(root + path.sep); dir = path.dirname(dir)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        break;
      }
    }
  }
  return removed;
}

async function runFormat(
  reg: Registry,
  src: SeriesSource,
  studies: StudyExport[],
  options: ExportOptions,
  report: (f: ExportFileOutcome) => void,
  checkpoint: () => void,
): Promise<void> {
  const perStudy = async (
    name: (s: StudyExport) => string,
    make: (s: StudyExport) => Promise<Uint8Array | null>,
  ): Promise<void> => {
    for (const s of studies) {
      checkpoint();
      const file = name(s);
      try {
        const bytes = await make(s);
        if (bytes === null) {
          report({
            file: "",
            studyInstanceUid: s.result.studyInstanceUid,
            outcome: "error",
            reason: `No ROI to show (${s.result.status}): no presentation state written.`,
          });
          continue;
        }
        fs.writeFileSync(path.join(options.out, file), bytes);
        report({
          file,
          studyInstanceUid: s.result.studyInstanceUid,
          outcome: "written",
          reason: null,
        });
      } catch (e) {
        if (e instanceof ExportCancelledError) throw e;
        report({
          file,
          studyInstanceUid: s.result.studyInstanceUid,
          outcome: "error",
          reason: (e as Error).message,
        });
      }
    }
  };
  switch (options.format) {
    // The registry's stored objects (result-objects.ts): written on first use, then the same
    // UIDs and bytes on every export and send.
    case "sr":
    case "gsps": {
      const kind = options.format;
      await perStudy(
        (s) => `${stem(s)}.${kind}.dcm`,
        async (s) => {
          const o = await ensureResultObject(reg, src, s, kind);
          return o ? storedBytes(o) : null;
        },
      );
      break;
    }
    case "csv":
    case "xlsx": {
      const file = `case-sheet.${options.format}`;
      try {
        const extras = studies.map((s) => ({ largestRoiMm: src.largestRoiMm(s) }));
        const bytes =
          options.format === "csv"
            ? csvBytes(studies, extras)
            : await xlsxBytes(studies, extras, registryStateDate(studies));
        checkpoint();
        fs.writeFileSync(path.join(options.out, file), bytes);
        report({ file, studyInstanceUid: null, outcome: "written", reason: null });
      } catch (e) {
        if (e instanceof ExportCancelledError) throw e;
        report({ file, studyInstanceUid: null, outcome: "error", reason: (e as Error).message });
      }
      break;
    }
    case "pdf": {
      const sheets: CaseSheet[] = [];
      await perStudy(
        (s) => `${stem(s)}.pdf`,
        async (s) => {
          const sheet = { study: s, images: keyImages(s, await loadFive(src, s)) };
          sheets.push(sheet);
          return pdfBytes([sheet], registryStateDate([s]));
        },
      );
      if (sheets.length > 1) {
        checkpoint();
        const file = "case-sheets.pdf";
        try {
          const bytes = await pdfBytes(sheets, registryStateDate(sheets.map((x) => x.study)));
          fs.writeFileSync(path.join(options.out, file), bytes);
          report({ file, studyInstanceUid: null, outcome: "written", reason: null });
        } catch (e) {
          report({ file, studyInstanceUid: null, outcome: "error", reason: (e as Error).message });
        }
      }
      break;
    }
    case "deid":
      await exportDeid(reg, src, studies, options, report, checkpoint);
      break;
  }
}
