// The ROI rows of one analysis (db/003), in rank order with their series UID: one query for the
// out.json writer (analyses.ts) and the study view (latest-analysis.ts).
import type { SequenceId } from "../contract/domain";
import type { Db } from "./open";

export interface RoiRow {
  rank: number;
  uid: string;
  sequence: SequenceId;
  slice_index: number;
  box_x0: number;
  box_y0: number;
  box_x1: number;
  box_y1: number;
  center_x_mm: number;
  center_y_mm: number;
  center_z_mm: number;
  score: number;
  probabilities_json: string;
  mc_stats_json: string;
}

/** A reader of an analysis's ROI rows, its statement prepared once for many analyses. */
export function roiRowReader(db: Db): (analysisId: number) => RoiRow[] {
  const query = db.prepare<[number], RoiRow>(
    `SELECT r.rank, se.series_instance_uid AS uid, r.sequence, r.slice_index, r.box_x0, r.box_y0,
            r.box_x1, r.box_y1, r.center_x_mm, r.center_y_mm, r.center_z_mm, r.score,
            r.probabilities_json, r.mc_stats_json
       FROM rois r JOIN series se ON se.id = r.series_ref
      WHERE r.analysis_ref = ? ORDER BY r.rank`,
  );
  return (analysisId) => query.all(analysisId);
}
