// Instance rows (db/001) as the exporters and the network commands read them: a study's stored
// files, their count, and the SOP Class and series of one stored image (an SR's ROI names its image
// by SOP Instance UID, PS3.3 C.18.3).
import type { Db } from "./open";

export interface StoredInstance {
  /** Path relative to the managed store root, "/"-separated. */
  storePath: string;
  sopInstanceUid: string;
}

/** Every stored instance of a study, series by series in import order. */
export function studyInstances(db: Db, studyInstanceUid: string): StoredInstance[] {
  return db
    .prepare<[string], { store_path: string; sop: string }>(
      `SELECT i.store_path, i.sop_instance_uid AS sop FROM instances i
         JOIN series se ON se.id = i.series_ref JOIN studies s ON s.id = se.study_ref
        WHERE s.study_instance_uid = ? ORDER BY se.id, i.id`,
    )
    .all(studyInstanceUid)
    .map((r) => ({ storePath: r.store_path, sopInstanceUid: r.sop }));
}

/** How many instances of a study are stored (0 for an unknown study). */
export function studyInstanceCount(db: Db, studyInstanceUid: string): number {
  return db
    .prepare<[string], { n: number }>(
      `SELECT COUNT(*) AS n FROM instances i JOIN series se ON se.id = i.series_ref
         JOIN studies s ON s.id = se.study_ref WHERE s.study_instance_uid = ?`,
    )
    .get(studyInstanceUid)!.n;
}

/** SOP Class UID of a stored instance, or null when no instance has that SOP Instance UID. */
export function sopClassOfInstance(db: Db, sopInstanceUid: string): string | null {
  const row = db
    .prepare<[string], { c: string }>(
      "SELECT sop_class_uid AS c FROM instances WHERE sop_instance_uid = ?",
    )
    .get(sopInstanceUid);
  return row?.c ?? null;
}

/** Series Instance UID of the series holding a stored instance, or null when it is not stored. */
export function seriesOfInstance(db: Db, sopInstanceUid: string): string | null {
  const row = db
    .prepare<[string], { uid: string }>(
      `SELECT se.series_instance_uid AS uid FROM instances i JOIN series se ON se.id = i.series_ref
        WHERE i.sop_instance_uid = ?`,
    )
    .get(sopInstanceUid);
  return row?.uid ?? null;
}
