// The SR and GSPS of an analysis as stored DICOM objects (issue 15 §1): written once into the
// managed store beside the study's images (<store>/<study>/<series>/<sop>.dcm, the path scheme of
// imported and received instances), recorded in result_objects (db/010) with their sha256, and
// found again by every later export and send, so a PACS always receives the same UIDs and bytes.
//
// When: on first use (an export, a send, the study view's Export / Send), not when the analysis
// finishes. The objects are derived from the analysis row alone (UIDs from study UID + analysis
// id, dates from the analysis time), so the bytes do not depend on when they are written; writing
// them lazily keeps the SR's ~300 ms of series reading out of the analysis queue (bench:export,
// "SR per study, first") and keeps a worklist of never-exported studies free of files nobody asked
// for. An SR imported from another workstation is stored when it is imported (restore.ts).
import { createHash } from "node:crypto";
import fs from "node:fs";
import type { ResultObjectState, ResultObjectView } from "../../contract/results";
import { AppError } from "../../contract/errors";
import type { Registry } from "../../registry";
import {
  findStudyRef,
  insertResultObject,
  latestAnalysisRoiCount,
  resultObjectOf,
  resultObjectsOfStudy,
  supersedeStale,
  type ResultObjectKind,
  type ResultObjectRow,
} from "../../registry";
import { ManagedStore, storeRelativePath } from "../import/store";
import { APP_VERSION } from "../../contract/version";
import type { SeriesSource, StudyExport } from "./context";
import { COMPREHENSIVE_SR, GSPS, writePart10, type DataSet } from "./dcm";
import { buildGsps } from "./gsps";
import { buildSr } from "./sr-build";

/** A stored result object that cannot be used as it is: missing or changed on disk. */
export class ResultObjectError extends AppError {
  constructor(message: string) {
    super("RESULT_OBJECT", message);
  }
}

export interface StoredObject extends ResultObjectRow {
  /** Absolute path in the managed store. */
  file: string;
  /** Written by this call (false: found in the registry and checked). */
  created: boolean;
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

const KIND_NAME: Record<ResultObjectKind, string> = {
  sr: "SR",
  gsps: "presentation state",
};

/** The study's TID 1500 SR data set (sr-build.ts), from the registry and the stored images. */
export async function srDataset(src: SeriesSource, study: StudyExport): Promise<DataSet> {
  return buildSr({
    result: study.result,
    assessment: study.assessment,
    header: src.header(study),
    roiImages: await src.roiImages(study),
    analysisId: study.analysisId,
    appVersion: APP_VERSION,
  });
}

/** The study's GSPS data set (gsps.ts); null when the analysis kept no ROI (nothing to show). */
export async function gspsDataset(src: SeriesSource, study: StudyExport): Promise<DataSet | null> {
  if (study.result.rois.length === 0) return null;
  const images = await src.roiImages(study);
  const sizes = new Map<string, { rows: number; columns: number }>();
  for (const roi of study.result.rois) {
    const g = (await src.load(roi.seriesInstanceUid, src.bValueOf(study, roi.sequence))).volume
      .geometry;
    sizes.set(roi.seriesInstanceUid, { rows: g.rows, columns: g.columns });
  }
  return buildGsps({
    result: study.result,
    header: src.header(study),
    roiImages: images,
    imageSizes: sizes,
    analysisId: study.analysisId,
    appVersion: APP_VERSION,
  });
}

/** registry's studyRefOf, failing with this module's error code. */
function studyRefOf(reg: Registry, uid: string): number {
  const ref = findStudyRef(reg.db, uid);
  if (ref === null) throw new ResultObjectError(`No study ${uid} in the registry.`);
  return ref;
}

function readIfPresent(file: string): Uint8Array | null {
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/**
 * The stored object of `kind` for the study's current analysis: found and checked (sha256), or
 * written now. A written object whose file is gone or altered is rebuilt when the rebuild gives
 * the recorded bytes (same app version); otherwise the error says what happened, and nothing is
 * overwritten. Null: a GSPS for an analysis without ROI.
 */
export async function ensureResultObject(
  reg: Registry,
  src: SeriesSource,
  study: StudyExport,
  kind: ResultObjectKind,
): Promise<StoredObject | null> {
  const store = new ManagedStore(reg.paths.store);
  const uid = study.result.studyInstanceUid;
  const studyRef = studyRefOf(reg, uid);
  supersedeStale(reg.db, studyRef, new Date().toISOString());
  const build = async (): Promise<DataSet | null> =>
    kind === "sr" ? srDataset(src, study) : gspsDataset(src, study);
  const existing = resultObjectOf(reg.db, study.analysisId, kind);
  if (existing) {
    const file = store.absolute(existing.storePath);
    const bytes = readIfPresent(file);
    if (bytes && sha256(bytes) === existing.sha256) return { ...existing, file, created: false };
    const what = `The stored ${KIND_NAME[kind]} ${existing.sopInstanceUid} of study ${uid} (${file})`;
    const problem = bytes ? "changed on disk" : "is missing from the store";
    if (existing.origin === "imported") {
      throw new ResultObjectError(`${what} ${problem}: import the SR again.`);
    }
    const ds = await build();
    const rebuilt = ds ? writePart10(ds) : null;
    if (!rebuilt || sha256(rebuilt) !== existing.sha256) {
      throw new ResultObjectError(
        `${what} ${problem}, and rebuilding it does not give the recorded bytes (written by another app version): not replaced.`,
      );
    }
    store.write(existing.storePath, rebuilt, { durable: true });
    return { ...existing, file, created: true };
  }
  const ds = await build();
  if (!ds) return null;
  const bytes = writePart10(ds);
  const series = String(ds.SeriesInstanceUID);
  const sop = String(ds.SOPInstanceUID);
  const rel = storeRelativePath(uid, series, sop);
  // File first (atomic, fsynced), row second: a crash between them leaves a file the next call
  // rewrites with the same bytes, never a row naming a file that is not there.
  store.write(rel, bytes, { durable: true });
  const row = insertResultObject(reg.db, {
    studyRef,
    analysisId: study.analysisId,
    kind,
    origin: "written",
    sopClassUid: kind === "sr" ? COMPREHENSIVE_SR : GSPS,
    seriesInstanceUid: series,
    sopInstanceUid: sop,
    storePath: rel,
    sha256: sha256(bytes),
    sizeBytes: bytes.length,
    createdAt: new Date().toISOString(),
  });
  return { ...row, file: store.absolute(row.storePath), created: true };
}

/** The SR and (with ROIs) GSPS of the study's current analysis, stored. */
export async function ensureResultObjects(
  reg: Registry,
  src: SeriesSource,
  study: StudyExport,
): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  for (const kind of ["sr", "gsps"] as const) {
    const o = await ensureResultObject(reg, src, study, kind);
    if (o) out.push(o);
  }
  return out;
}

/** The stored bytes of an object (checked against its sha256 by ensureResultObject). */
export function storedBytes(o: StoredObject): Uint8Array {
  return new Uint8Array(fs.readFileSync(o.file));
}

/**
 * Stores an imported LiverCAD SR (issue 15 §1 round trip) as the result object of the analysis it
 * restored: the file goes into the store under its own UIDs, so a send passes it on unchanged.
 */
export function storeImportedSr(
  reg: Registry,
  bytes: Uint8Array,
  ids: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string },
  analysisId: number,
): ResultObjectRow {
  const store = new ManagedStore(reg.paths.store);
  const studyRef = studyRefOf(reg, ids.studyInstanceUid);
  const rel = storeRelativePath(ids.studyInstanceUid, ids.seriesInstanceUid, ids.sopInstanceUid);
  store.write(rel, bytes, { durable: true });
  const row = insertResultObject(reg.db, {
    studyRef,
    analysisId,
    kind: "sr",
    origin: "imported",
    sopClassUid: COMPREHENSIVE_SR,
    seriesInstanceUid: ids.seriesInstanceUid,
    sopInstanceUid: ids.sopInstanceUid,
    storePath: rel,
    sha256: sha256(bytes),
    sizeBytes: bytes.length,
    createdAt: new Date().toISOString(),
  });
  supersedeStale(reg.db, studyRef, row.createdAt);
  return row;
}

/**
 * The study view's "Results in DICOM" list: every stored object (current and superseded), and for
 * the latest analysis the objects not written yet ("pending": written on first export or send).
 */
export function listResultObjects(reg: Registry, studyInstanceUid: string): ResultObjectView[] {
  const store = new ManagedStore(reg.paths.store);
  const studyRef = studyRefOf(reg, studyInstanceUid);
  supersedeStale(reg.db, studyRef, new Date().toISOString());
  const rows = resultObjectsOfStudy(reg.db, studyRef);
  const views: ResultObjectView[] = rows.map((r) => {
    const state: ResultObjectState = !fs.existsSync(store.absolute(r.storePath))
      ? "missing"
      : r.supersededAt
        ? "superseded"
        : "stored";
    return {
      kind: r.kind,
      origin: r.origin,
      state,
      analysisId: r.analysisId,
      sopInstanceUid: r.sopInstanceUid,
      seriesInstanceUid: r.seriesInstanceUid,
      createdAt: r.createdAt,
      supersededAt: r.supersededAt,
      sizeBytes: r.sizeBytes,
    };
  });
  const latest = latestAnalysisRoiCount(reg.db, studyRef);
  if (latest) {
    const kinds: ResultObjectKind[] = latest.rois > 0 ? ["sr", "gsps"] : ["sr"];
    const pending = kinds.filter(
      (k) => !rows.some((r) => r.analysisId === latest.id && r.kind === k),
    );
    views.unshift(
      ...pending.map((kind): ResultObjectView => ({
        kind,
        origin: "written",
        state: "pending",
        analysisId: latest.id,
        sopInstanceUid: null,
        seriesInstanceUid: null,
        createdAt: null,
        supersededAt: null,
        sizeBytes: null,
      })),
    );
  }
  return views;
}
