// The worklist index read (issue 6): one scan of every study with its latest analysis, review
// flags and quality flag, and the data version that tells when to scan again. Uses the same
// database handle as the rest of the registry; status comes from the study_status view (db/004),
// never recomputed here.
import type { LesionClass, StudyStatus } from "../contract/domain";
import type { Db } from "./open";

export interface WorklistIndexRow {
  ref: number;
  studyInstanceUid: string;
  patientName: string;
  patientId: string;
  studyDate: string;
  studyTime: string;
  description: string;
  status: StudyStatus;
  prediction: LesionClass | null;
  /** Kept as stored: parsed only for the rows a page shows (100k parses cost ~0.3 s). */
  probabilitiesJson: string | null;
  confidence: number | null;
  reviewed: boolean;
  urgent: boolean;
  /** The assessment's rank score and probCorrect (issue 11 §3); null without an assessment. */
  rankScore?: number | null;
  probCorrect?: number | null;
  /** Kept as stored, parsed only for the rows a page shows. */
  assessmentJson?: string | null;
  /** Identity shown beside the name (issue 13 §1); "" when not stored. */
  birthDate?: string;
  sex?: string;
  accession?: string;
  /** The quality gate's flag of the latest analysis (db/007), as stored; null when none. */
  qualityJson?: string | null;
  /**
   * Issue 13 §4: when the study first arrived (studies.created_at), when the current run of
   * "reviewed" reviews began (null while unreviewed), and the latest review comment.
   */
  arrivedAt?: string;
  reviewedAt?: string | null;
  comment?: string;
}

interface IndexSqlRow {
  ref: number;
  uid: string;
  patient_name: string;
  patient_id: string;
  study_date: string;
  study_time: string;
  description: string;
  status: StudyStatus;
  prediction: LesionClass | null;
  probabilities_json: string | null;
  confidence: number | null;
  reviewed: number | null;
  urgent: number | null;
  assessment_json: string | null;
  rank_score: number | null;
  prob_correct: number | null;
  birth_date: string;
  sex: string;
  accession_number: string;
  quality_json: string | null;
  arrived_at: string;
  reviewed_at: string | null;
  comment: string | null;
}

/**
 * Every study (or the given ones) with its latest analysis and review flags: one statement, one
 * pass.
 */
export function worklistIndexRows(db: Db, studyInstanceUids?: string[]): WorklistIndexRow[] {
  const only =
    studyInstanceUids === undefined
      ? ""
      : `WHERE s.study_instance_uid IN (${studyInstanceUids.map(() => "?").join(",")})`;
  const rows = db
    .prepare<string[], IndexSqlRow>(
      `SELECT s.id AS ref, s.study_instance_uid AS uid, p.patient_name, p.patient_id,
              s.study_date, s.study_time, s.description, st.status,
              a.prediction, a.probabilities_json,
              CASE WHEN a.status = 'analyzed' THEN a.confidence END AS confidence,
              r.reviewed, r.urgent,
              CASE WHEN a.status = 'analyzed' THEN a.assessment_json END AS assessment_json,
              CASE WHEN a.status = 'analyzed'
                THEN json_extract(a.assessment_json, '$.rankScore') END AS rank_score,
              CASE WHEN a.status = 'analyzed'
                THEN json_extract(a.assessment_json, '$.probCorrect') END AS prob_correct,
              p.birth_date, p.sex, s.accession_number,
              aq.flag_json AS quality_json,
              s.created_at AS arrived_at, r.comment,
              CASE WHEN r.reviewed = 1 THEN
                (SELECT MIN(rv.at) FROM reviews rv
                  WHERE rv.study_ref = s.id AND rv.reviewed = 1
                    AND rv.id > COALESCE((SELECT MAX(id) FROM reviews
                                           WHERE study_ref = s.id AND reviewed = 0), 0))
              END AS reviewed_at
         FROM studies s
         JOIN patients p ON p.id = s.patient_ref
         JOIN study_status st ON st.study_ref = s.id
         LEFT JOIN analyses a ON a.id = st.latest_analysis_ref
         LEFT JOIN reviews r ON r.id = (SELECT MAX(id) FROM reviews WHERE study_ref = s.id)
         LEFT JOIN analysis_quality aq ON aq.analysis_ref = a.id
         ${only}`,
    )
    .all(...(studyInstanceUids ?? []));
  return rows.map((r) => ({
    ref: r.ref,
    studyInstanceUid: r.uid,
    patientName: r.patient_name,
    patientId: r.patient_id,
    studyDate: r.study_date,
    studyTime: r.study_time,
    description: r.description,
    status: r.status,
    prediction: r.prediction,
    probabilitiesJson: r.probabilities_json,
    confidence: r.confidence,
    reviewed: r.reviewed === 1,
    urgent: r.urgent === 1,
    rankScore: r.rank_score,
    probCorrect: r.prob_correct,
    assessmentJson: r.assessment_json,
    birthDate: r.birth_date,
    sex: r.sex,
    accession: r.accession_number,
    qualityJson: r.quality_json,
    arrivedAt: r.arrived_at,
    reviewedAt: r.reviewed_at,
    comment: r.comment ?? "",
  }));
}

/** Changes whenever another connection (the CLI, an import worker) commits to the file. */
export function dataVersion(db: Db): number {
  return db.pragma("data_version", { simple: true }) as number;
}
