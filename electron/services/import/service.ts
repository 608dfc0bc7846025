// Import: files, folders and DICOMDIRs -> managed store + registry -> sequence assignment.
// Each file is read from disk once: the same bytes are parsed and copied into the store.
// Series are committed in one transaction each after their files are safely in the store, so the
// registry never names a file that is not there; a killed import is repaired by importing again.
import fs from "node:fs";
import path from "node:path";
import { AppError, errorMessage, ImportError } from "../../contract/errors";
import type { DicomInstance, ReadOutcome } from "../../dicom/instance";
import { checkFileSize } from "../../dicom/read/limits";
import {
  ImportWriter,
  type AssignmentToStore,
  type Registry,
  type SeriesBatch,
  type SeriesRecord,
} from "../../registry";
import { looksLikeSr, restoreFromSr } from "../export/restore";
import { runAssignment, studyReport } from "./assignment";
import {
  DUPLICATE_REASON,
  type FileOutcome,
  type ImportProgress,
  type ImportReport,
  type StudyReport,
} from "./report";
import { instanceRow, missingUids, otherStudyReason, seriesBatch } from "./instance";
import { ManagedStore, storeRelativePath } from "./store";
import { collectFiles } from "./walk";

export type ReadFn = (filePath: string, data: Uint8Array) => Promise<ReadOutcome>;
export type AssignFn = (series: SeriesRecord[]) => AssignmentToStore;

export interface ImportOptions {
  /** The DICOM reader (dicom/read's readDicomFile). */
  read: ReadFn;
  /** Sequence assignment (dicom/assign's assignSequences). */
  assign: AssignFn;
  onProgress?: (progress: ImportProgress) => void;
  /** Stops between files; what was read so far is committed and reported. */
  signal?: AbortSignal;
  /**
   * A series whose files are interleaved with other folders is committed in parts; this caps
   * the instances held in memory for one series before it is committed early.
   */
  maxPendingPerSeries?: number;
}

/**
 * The file's bytes in an ArrayBuffer of their own. readFileSync hands small files out of a shared
 * 8 KB pool (Buffer.poolSize), and dcmjs parses `.buffer`: an exact buffer spares the reader a
 * copy and any chance of reading a neighbour's bytes.
 */
function readWhole(filePath: string): Uint8Array {
  // O_NONBLOCK: a file replaced by a FIFO after the walk must not block the open (issue 12 §1).
  const fd = fs.openSync(filePath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new ImportError("not a regular file; skipped");
    const size = stat.size;
    checkFileSize(size);
    const bytes = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const n = fs.readSync(fd, bytes, offset, size - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    return offset === size ? bytes : bytes.slice(0, offset);
  } finally {
    fs.closeSync(fd);
  }
}

export async function importPaths(
  registry: Registry,
  inputs: string[],
  options: ImportOptions,
): Promise<ImportReport> {
  const started = process.hrtime.bigint();
  const writer = new ImportWriter(registry.db);
  const store = new ManagedStore(registry.paths.store);
  const walk = collectFiles(inputs);
  const files: FileOutcome[] = walk.problems.map((p) => ({
    path: p.path,
    outcome: "rejected",
    reason: p.reason,
    studyInstanceUid: null,
    seriesInstanceUid: null,
    sopInstanceUid: null,
  }));
  const counts: ImportProgress = {
    done: 0,
    total: walk.files.length,
    imported: 0,
    skipped: 0,
    rejected: walk.problems.length,
    duplicates: 0,
  };
  const maxPending = options.maxPendingPerSeries ?? 5000;
  const pending = new Map<string, SeriesBatch>();
  /** The report entries of each pending series' files, in batch order. */
  const pendingEntries = new Map<string, FileOutcome[]>();
  const pendingSops = new Set<string>();
  const touchedStudies = new Map<string, number>();
  const srFiles: { entry: FileOutcome; data: Uint8Array }[] = [];

  // Files of a pending series are already in the store: commit only registers them.
  const flush = (seriesUid: string): void => {
    const batch = pending.get(seriesUid);
    if (!batch) return;
    const entries = pendingEntries.get(seriesUid) ?? [];
    pending.delete(seriesUid);
    pendingEntries.delete(seriesUid);
    for (const i of batch.instances) pendingSops.delete(i.sopInstanceUid);
    const result = writer.commitSeries(batch);
    const study = batch.study.studyInstanceUid;
    if (result.kind === "committed") {
      touchedStudies.set(study, (touchedStudies.get(study) ?? 0) + result.inserted);
      return;
    }
    // Filing these under a second study would merge two patients' images: refuse them, and take
    // back the copies already made in the store.
    for (const i of batch.instances) store.remove(i.storePath);
    for (const e of entries) {
      e.outcome = "rejected";
      e.reason = otherStudyReason(result.registeredStudyInstanceUid);
      counts.imported -= 1;
      counts.rejected += 1;
    }
  };
  const flushAll = (): void => {
    for (const uid of [...pending.keys()]) flush(uid);
  };

  const record = (entry: FileOutcome): void => {
    files.push(entry);
    counts[entry.outcome] += 1;
  };

  const accept = (filePath: string, data: Uint8Array, inst: DicomInstance): void => {
    const sop = inst.sopInstanceUid;
    const seriesUid = inst.series.seriesInstanceUid;
    const studyUid = inst.study.studyInstanceUid;
    const ids = { studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, sopInstanceUid: sop };
    const missing = missingUids(ids);
    if (missing) {
      record({ path: filePath, outcome: "rejected", reason: missing, ...ids });
      return;
    }
    if (!touchedStudies.has(studyUid)) touchedStudies.set(studyUid, 0);
    if (pendingSops.has(sop) || writer.hasInstance(sop)) {
      counts.duplicates += 1;
      files.push({ path: filePath, outcome: "skipped", reason: DUPLICATE_REASON, ...ids });
      return;
    }
    let batch = pending.get(seriesUid);
    if (!batch) {
      batch = seriesBatch(inst);
      pending.set(seriesUid, batch);
    }
    const storePath = storeRelativePath(studyUid, seriesUid, sop);
    store.write(storePath, data);
    pendingSops.add(sop);
    batch.instances.push(instanceRow(inst, storePath, data.byteLength));
    const entry: FileOutcome = { path: filePath, outcome: "imported", reason: null, ...ids };
    record(entry);
    const list = pendingEntries.get(seriesUid) ?? [];
    list.push(entry);
    pendingEntries.set(seriesUid, list);
  };

  let currentDir: string | null = null;
  for (let i = 0; i < walk.files.length; i++) {
    if (options.signal?.aborted) break;
    const filePath = walk.files[i]!;
    const dir = path.dirname(filePath);
    // Leaving a folder commits the series read so far: typical media keep a series in one folder,
    // so this is usually one transaction per series, and memory stays bounded per folder.
    if (currentDir !== null && dir !== currentDir) flushAll();
    currentDir = dir;
    let outcome: ReadOutcome | null = null;
    let data: Uint8Array | null = null;
    try {
      data = readWhole(filePath);
      outcome = await options.read(filePath, data);
    } catch (err) {
      const reason =
        data === null
          ? `cannot read file: ${errorMessage(err)}`
          : err instanceof AppError
            ? err.message
            : `unexpected error while reading: ${errorMessage(err)}`;
      record({
        path: filePath,
        outcome: "rejected",
        reason,
        studyInstanceUid: null,
        seriesInstanceUid: null,
        sopInstanceUid: null,
      });
    }
    if (outcome?.kind === "skipped") {
      const entry: FileOutcome = {
        path: filePath,
        outcome: "skipped",
        reason: outcome.reason,
        studyInstanceUid: outcome.studyInstanceUid ?? null,
        seriesInstanceUid: outcome.seriesInstanceUid ?? null,
        sopInstanceUid: outcome.sopInstanceUid ?? null,
      };
      record(entry);
      // A result SR (issue 15) is read after every image is registered, whatever the file order.
      if (data !== null && looksLikeSr(data)) srFiles.push({ entry, data });
    } else if (outcome?.kind === "instance" && data !== null) {
      accept(filePath, data, outcome.instance);
      const uid = outcome.instance.series.seriesInstanceUid;
      if ((pending.get(uid)?.instances.length ?? 0) >= maxPending) flush(uid);
    }
    counts.done = i + 1;
    options.onProgress?.({ ...counts });
  }
  flushAll();

  const studies: StudyReport[] = [];
  for (const [studyUid, added] of touchedStudies) {
    let error: string | null = null;
    try {
      runAssignment(registry, studyUid, options.assign);
    } catch (err) {
      error = `sequence assignment failed: ${errorMessage(err)}`;
    }
    const r = studyReport(registry, studyUid, added, error);
    if (r) studies.push(r);
  }
  restoreSrs(registry, srFiles, counts);
  const complete = studies.filter((s) => s.complete).length;
  return {
    files,
    studies,
    summary: {
      files: files.length,
      imported: counts.imported,
      skipped: counts.skipped,
      rejected: counts.rejected,
      duplicates: counts.duplicates,
      studies: studies.length,
      complete,
      incomplete: studies.length - complete,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    },
  };
}

/** LiverCAD SRs among the skipped files restore their study's analysis (services/export/restore). */
function restoreSrs(
  registry: Registry,
  srFiles: { entry: FileOutcome; data: Uint8Array }[],
  counts: ImportProgress,
): void {
  for (const { entry, data } of srFiles) {
    const r = restoreFromSr(registry, data, entry.path);
    if (r.kind === "restored") {
      entry.outcome = "imported";
      entry.reason = `LiverCAD SR: analysis result restored (analysis ${r.analysisId})${r.storeProblem ? `; ${r.storeProblem}` : ""}`;
      counts.skipped -= 1;
      counts.imported += 1;
    } else if (r.kind === "unchanged") {
      entry.reason = r.reason;
    } else if (r.reason !== "SR not written by LiverCAD") {
      entry.reason = r.reason;
    }
  }
}
