// The image-quality gate's verdict stored beside each analysis (db/007 analysis_quality), read
// back for the worklist, the study view and out.json (issue 13 §3).
import type { QualityFlag } from "../contract/quality";
import type { Db } from "./open";

export function saveQuality(db: Db, analysisId: number, flag: QualityFlag): void {
  db.prepare(
    `INSERT INTO analysis_quality (analysis_ref, status, flag_json) VALUES (?, ?, ?)
     ON CONFLICT (analysis_ref) DO UPDATE SET status = excluded.status,
       flag_json = excluded.flag_json`,
  ).run(analysisId, flag.status, JSON.stringify(flag));
}

/** The flag of each study's latest analysis, by Study Instance UID (absent: none recorded). */
export function latestQualityFlags(db: Db, studyInstanceUids?: string[]): Map<string, QualityFlag> {
  const only =
    studyInstanceUids === undefined
      ? ""
      : `WHERE s.study_instance_uid IN (${studyInstanceUids.map(() => "?").join(",")})`;
  const rows = db
    .prepare<string[], { uid: string; flag_json: string }>(
      `SELECT s.study_instance_uid AS uid, q.flag_json
         FROM studies s
         JOIN analysis_quality q
           ON q.analysis_ref = (SELECT MAX(a.id) FROM analyses a WHERE a.study_ref = s.id)
         ${only}`,
    )
    .all(...(studyInstanceUids ?? []));
  return new Map(rows.map((r) => [r.uid, JSON.parse(r.flag_json) as QualityFlag]));
}
