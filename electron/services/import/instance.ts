// One instance into the store and the registry: the per-instance way in, shared by the folder
// import (service.ts, which batches a series per transaction) and the DICOM receiver
// (services/network, which commits each instance before it answers the sender).
// In: the bytes of one Part 10 file. Out: imported / duplicate / skipped / rejected, with a reason.
import { AppError, errorMessage } from "../../contract/errors";
import type { DicomInstance } from "../../dicom/instance";
import type { ImportWriter, InstanceRow, SeriesBatch } from "../../registry";
import type { ReadFn } from "./service";
import { DUPLICATE_REASON } from "./report";
import { storeRelativePath, type ManagedStore, type StagedFile } from "./store";

/** Per-frame b-values (Enhanced MR) where present, else the instance's own. */
export function bValuesOf(inst: DicomInstance): number[] {
  const perFrame = inst.frames.map((f) => f.diffusionBValue).filter((b): b is number => b !== null);
  const values = perFrame.length > 0 ? perFrame : [inst.series.diffusionBValue];
  return [...new Set(values.filter((b): b is number => b !== null))];
}

/** An empty registry batch for the instance's series (patient, study, series attributes). */
export function seriesBatch(inst: DicomInstance): SeriesBatch {
  const first = inst.frames[0];
  return {
    patient: inst.patient,
    study: inst.study,
    series: inst.series,
    sopClassUid: inst.sopClassUid,
    rows: first?.rows ?? 0,
    columns: first?.columns ?? 0,
    sliceThickness: first?.sliceThickness ?? null,
    orientation: first?.imageOrientationPatient ?? null,
    instances: [],
  };
}

/** The registry row of an instance stored at `storePath`. */
export function instanceRow(inst: DicomInstance, storePath: string, size: number): InstanceRow {
  const first = inst.frames[0];
  return {
    sopInstanceUid: inst.sopInstanceUid,
    sopClassUid: inst.sopClassUid,
    transferSyntaxUid: inst.transferSyntaxUid,
    instanceNumber: inst.instanceNumber,
    frameCount: Math.max(1, inst.frames.length),
    rows: first?.rows ?? 0,
    columns: first?.columns ?? 0,
    bValues: bValuesOf(inst),
    storePath,
    fileSize: size,
  };
}

/**
 * The three UIDs are the store path and the registry keys (PS3.3 C.7.2.1, C.7.3.1, C.12.1: all
 * Type 1); an instance without one cannot be filed. Returns the reason, or null when all are set.
 */
export function missingUids(ids: {
  sopInstanceUid?: string | null;
  seriesInstanceUid?: string | null;
  studyInstanceUid?: string | null;
}): string | null {
  const missing = [
    ids.sopInstanceUid ? null : "SOP Instance UID",
    ids.seriesInstanceUid ? null : "Series Instance UID",
    ids.studyInstanceUid ? null : "Study Instance UID",
  ].filter((m) => m !== null);
  return missing.length > 0 ? `missing ${missing.join(", ")}` : null;
}

export function otherStudyReason(registeredStudyInstanceUid: string): string {
  return (
    `Series Instance UID already registered in study ${registeredStudyInstanceUid}; ` +
    "this file names another study"
  );
}

export interface InstanceIds {
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  sopInstanceUid: string | null;
}

/**
 * What happened to one instance. `cannot-store` is the one outcome that is not about the object:
 * the disk or the database failed (full, read-only, I/O error) and nothing of it was kept.
 */
export type InstanceOutcome =
  | ({ kind: "imported"; storePath: string; sopClassUid: string } & InstanceIds)
  | ({ kind: "duplicate"; reason: string } & InstanceIds)
  | ({ kind: "skipped"; reason: string } & InstanceIds)
  | ({ kind: "rejected"; reason: string } & InstanceIds)
  | ({ kind: "cannot-store"; reason: string } & InstanceIds);

export interface InstanceImportContext {
  read: ReadFn;
  writer: ImportWriter;
  store: ManagedStore;
}

const NO_IDS: InstanceIds = {
  studyInstanceUid: null,
  seriesInstanceUid: null,
  sopInstanceUid: null,
};

/**
 * Stores durably and registers one instance in its own transaction: the data is written to the
 * store's staging folder and flushed while the header is read, renamed into place, its folder
 * flushed, then the row committed, so a row never names a missing file and the caller can answer
 * Success as soon as this returns `imported`. What is not kept is removed. Never throws: every
 * failure is an outcome with a reason naming `label`'s problem.
 */
export async function importInstance(
  ctx: InstanceImportContext,
  label: string,
  data: Uint8Array,
): Promise<InstanceOutcome> {
  // The data goes to disk while the header is read: the flush takes about as long as the read.
  const staged = ctx.store.stage(data);
  const placed = { done: false };
  try {
    return await fileStaged(ctx, label, data, staged, placed);
  } finally {
    if (!placed.done) ctx.store.discard(staged);
  }
}

async function fileStaged(
  ctx: InstanceImportContext,
  label: string,
  data: Uint8Array,
  staged: StagedFile,
  placed: { done: boolean },
): Promise<InstanceOutcome> {
  let inst: DicomInstance;
  try {
    const outcome = await ctx.read(label, data);
    if (outcome.kind === "skipped") {
      return {
        kind: "skipped",
        reason: outcome.reason,
        studyInstanceUid: outcome.studyInstanceUid ?? null,
        seriesInstanceUid: outcome.seriesInstanceUid ?? null,
        sopInstanceUid: outcome.sopInstanceUid ?? null,
      };
    }
    inst = outcome.instance;
  } catch (err) {
    const reason =
      err instanceof AppError
        ? err.message
        : `unexpected error while reading: ${errorMessage(err)}`;
    return { kind: "rejected", reason, ...NO_IDS };
  }
  const ids: InstanceIds = {
    studyInstanceUid: inst.study.studyInstanceUid,
    seriesInstanceUid: inst.series.seriesInstanceUid,
    sopInstanceUid: inst.sopInstanceUid,
  };
  const missing = missingUids(ids);
  if (missing) return { kind: "rejected", reason: missing, ...ids };
  try {
    if (ctx.writer.hasInstance(inst.sopInstanceUid)) {
      return { kind: "duplicate", reason: DUPLICATE_REASON, ...ids };
    }
  } catch (err) {
    return { kind: "cannot-store", reason: `registry: ${errorMessage(err)}`, ...ids };
  }
  const storePath = storeRelativePath(
    inst.study.studyInstanceUid,
    inst.series.seriesInstanceUid,
    inst.sopInstanceUid,
  );
  try {
    // The data is on disk before its rename; the directory entry is flushed with the other
    // stores of this turn of the event loop (group commit), before the row commits and the
    // sender hears Success.
    await staged.flushed;
    ctx.store.place(staged, storePath);
    placed.done = true;
  } catch (err) {
    return { kind: "cannot-store", reason: `store: ${errorMessage(err)}`, ...ids };
  }
  try {
    await ctx.store.syncDirectory(storePath);
  } catch (err) {
    try {
      ctx.store.remove(storePath);
    } catch {
      // Left as an unregistered file; importing the instance again replaces it.
    }
    return { kind: "cannot-store", reason: `store: ${errorMessage(err)}`, ...ids };
  }
  const batch = seriesBatch(inst);
  batch.instances.push(instanceRow(inst, storePath, data.byteLength));
  try {
    const result = ctx.writer.commitSeries(batch);
    if (result.kind === "series-in-other-study") {
      ctx.store.remove(storePath);
      return {
        kind: "rejected",
        reason: otherStudyReason(result.registeredStudyInstanceUid),
        ...ids,
      };
    }
    if (result.inserted === 0) {
      // Registered meanwhile by another association: the same file, already in place.
      return { kind: "duplicate", reason: DUPLICATE_REASON, ...ids };
    }
  } catch (err) {
    // The row did not commit: take the file back so the store holds nothing unregistered.
    try {
      ctx.store.remove(storePath);
    } catch {
      // The file stays as an unregistered orphan; importing the instance again replaces it.
    }
    return { kind: "cannot-store", reason: `registry: ${errorMessage(err)}`, ...ids };
  }
  return { kind: "imported", storePath, sopClassUid: inst.sopClassUid, ...ids };
}
