// Series rows as the workstation reads them (issue 6): a study's series with the reason the
// assignment rules set each aside, the b-value the effective DWI assignment chose, and the number
// and description that name a series in the quality gate's and the override check's messages.
import type { SeriesOption } from "../contract/ipc";
import type { Db } from "./open";

/** Every series of a study, with the reason the assignment rules set it aside (if they did). */
export function seriesOptions(db: Db, studyRef: number): SeriesOption[] {
  return db
    .prepare<
      [number],
      {
        uid: string;
        series_number: number | null;
        description: string;
        instance_count: number;
        reason: string | null;
      }
    >(
      `SELECT se.series_instance_uid AS uid, se.series_number, se.description,
              (SELECT COUNT(*) FROM instances i WHERE i.series_ref = se.id) AS instance_count,
              x.reason
         FROM series se LEFT JOIN series_exclusions x ON x.series_ref = se.id
        WHERE se.study_ref = ? ORDER BY se.series_number, se.id`,
    )
    .all(studyRef)
    .map((r) => ({
      seriesInstanceUid: r.uid,
      seriesNumber: r.series_number,
      description: r.description,
      instanceCount: r.instance_count,
      excludedReason: r.reason,
    }));
}

/** The b-value the effective DWI assignment chose for a series, when it is the study's DWI. */
export function dwiBValueOfSeries(db: Db, seriesInstanceUid: string): number | null {
  const row = db
    .prepare<[string], { b_value: number | null }>(
      `SELECT e.b_value FROM effective_assignments e JOIN series se ON se.id = e.series_ref
        WHERE se.series_instance_uid = ? AND e.sequence = 'DWI'`,
    )
    .get(seriesInstanceUid);
  return row?.b_value ?? null;
}

export interface SeriesHeading {
  seriesNumber: number | null;
  description: string;
}

/** Series Number and Series Description (PS3.3 C.7.3.1) of one series; null when not stored. */
export function seriesHeading(db: Db, seriesInstanceUid: string): SeriesHeading | null {
  const row = db
    .prepare<[string], { series_number: number | null; description: string }>(
      "SELECT series_number, description FROM series WHERE series_instance_uid = ?",
    )
    .get(seriesInstanceUid);
  return row ? { seriesNumber: row.series_number, description: row.description } : null;
}
