// Queries on result_objects (db/010): the SR and GSPS files of an analysis in the managed store.
// One row per (analysis, kind); the file's sha256 is recorded so a later read can tell a file that
// changed on disk from the object that was sent to a PACS.
import type { Db } from "./open";

export type ResultObjectKind = "sr" | "gsps";
export type ResultObjectOrigin = "written" | "imported";

export interface ResultObjectRow {
  id: number;
  studyRef: number;
  analysisId: number;
  kind: ResultObjectKind;
  origin: ResultObjectOrigin;
  sopClassUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  storePath: string;
  sha256: string;
  sizeBytes: number;
  createdAt: string;
  supersededAt: string | null;
  supersededBy: number | null;
}

interface Raw {
  id: number;
  study_ref: number;
  analysis_ref: number;
  kind: ResultObjectKind;
  origin: ResultObjectOrigin;
  sop_class_uid: string;
  series_instance_uid: string;
  sop_instance_uid: string;
  store_path: string;
  sha256: string;
  size_bytes: number;
  created_at: string;
  superseded_at: string | null;
  superseded_by: number | null;
}

function row(r: Raw): ResultObjectRow {
  return {
    id: r.id,
    studyRef: r.study_ref,
    analysisId: r.analysis_ref,
    kind: r.kind,
    origin: r.origin,
    sopClassUid: r.sop_class_uid,
    seriesInstanceUid: r.series_instance_uid,
    sopInstanceUid: r.sop_instance_uid,
    storePath: r.store_path,
    sha256: r.sha256,
    sizeBytes: r.size_bytes,
    createdAt: r.created_at,
    supersededAt: r.superseded_at,
    supersededBy: r.superseded_by,
  };
}

export function resultObjectOf(
  db: Db,
  analysisId: number,
  kind: ResultObjectKind,
): ResultObjectRow | null {
  const r = db
    .prepare<[number, string], Raw>(
      "SELECT * FROM result_objects WHERE analysis_ref = ? AND kind = ?",
    )
    .get(analysisId, kind);
  return r ? row(r) : null;
}

export function resultObjectBySop(db: Db, sopInstanceUid: string): ResultObjectRow | null {
  const r = db
    .prepare<[string], Raw>("SELECT * FROM result_objects WHERE sop_instance_uid = ?")
    .get(sopInstanceUid);
  return r ? row(r) : null;
}

/** Every result object of a study, newest analysis first, SR before GSPS. */
export function resultObjectsOfStudy(db: Db, studyRef: number): ResultObjectRow[] {
  return db
    .prepare<[number], Raw>(
      `SELECT * FROM result_objects WHERE study_ref = ?
        ORDER BY analysis_ref DESC, CASE kind WHEN 'sr' THEN 0 ELSE 1 END, id`,
    )
    .all(studyRef)
    .map(row);
}

export interface NewResultObject {
  studyRef: number;
  analysisId: number;
  kind: ResultObjectKind;
  origin: ResultObjectOrigin;
  sopClassUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  storePath: string;
  sha256: string;
  sizeBytes: number;
  createdAt: string;
}

/**
 * Records a stored object. Two writers racing on the same analysis (the app and the CLI) derive
 * the same UIDs and bytes, so the second insert is ignored and both read the one row.
 */
export function insertResultObject(db: Db, o: NewResultObject): ResultObjectRow {
  db.prepare(
    `INSERT OR IGNORE INTO result_objects (study_ref, analysis_ref, kind, origin, sop_class_uid,
       series_instance_uid, sop_instance_uid, store_path, sha256, size_bytes, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    o.studyRef,
    o.analysisId,
    o.kind,
    o.origin,
    o.sopClassUid,
    o.seriesInstanceUid,
    o.sopInstanceUid,
    o.storePath,
    o.sha256,
    o.sizeBytes,
    o.createdAt,
  );
  const stored =
    resultObjectBySop(db, o.sopInstanceUid) ?? resultObjectOf(db, o.analysisId, o.kind);
  if (!stored) throw new Error(`result object ${o.sopInstanceUid} was not recorded`);
  return stored;
}

/**
 * Marks the objects of every analysis but the study's latest as superseded by it; returns how
 * many rows changed. Objects are kept (a PACS may hold them already), only no longer current.
 */
export function supersedeStale(db: Db, studyRef: number, at: string): number {
  const latest = db
    .prepare<[number], { id: number | null }>(
      "SELECT MAX(id) AS id FROM analyses WHERE study_ref = ?",
    )
    .get(studyRef)?.id;
  if (latest === null || latest === undefined) return 0;
  return db
    .prepare(
      `UPDATE result_objects SET superseded_at = ?, superseded_by = ?
        WHERE study_ref = ? AND analysis_ref <> ? AND superseded_at IS NULL`,
    )
    .run(at, latest, studyRef, latest).changes;
}

/** Store paths of a study's superseded result objects (kept, no longer current). */
export function supersededStorePaths(db: Db, studyInstanceUid: string): string[] {
  return db
    .prepare<[string], { store_path: string }>(
      `SELECT r.store_path FROM result_objects r JOIN studies s ON s.id = r.study_ref
        WHERE s.study_instance_uid = ? AND r.superseded_at IS NOT NULL`,
    )
    .all(studyInstanceUid)
    .map((r) => r.store_path);
}
