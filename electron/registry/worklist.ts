// Reads and writes the workstation screens need beyond the registry's core API (issue 6): one
// scan of every study for the worklist index, a study's series with their exclusions, its latest
// analysis with ROIs, and the review flags. Uses the same database handle as the rest of the
// registry; status comes from the study_status view (db/004), never recomputed here.
import type { ConfidenceScores } from "../contract/calibration";
import type { Assessment } from "../contract/confidence";
import { LESION_CLASSES, type LesionClass, type StudyStatus } from "../contract/domain";
import { UsageError } from "../contract/errors";
import type {
  AnalysisView,
  JobView,
  McClassSpread,
  ReviewState,
  RoiView,
  SeriesOption,
} from "../contract/ipc";
import { appendAudit } from "./audit";
import { roiRowReader } from "./rois";
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

export function parseProbabilities(value: unknown): Record<LesionClass, number> | null {
  if (typeof value !== "object" || value === null) return null;
  const out = {} as Record<LesionClass, number>;
  for (const cls of LESION_CLASSES) {
    const p = (value as Record<string, unknown>)[cls];
    if (typeof p !== "number") return null;
    out[cls] = p;
  }
  return out;
}

/** Changes whenever another connection (the CLI, an import worker) commits to the file. */
export function dataVersion(db: Db): number {
  return db.pragma("data_version", { simple: true }) as number;
}

export function studyRefOf(db: Db, studyInstanceUid: string): number {
  const row = db
    .prepare<[string], { id: number }>("SELECT id FROM studies WHERE study_instance_uid = ?")
    .get(studyInstanceUid);
  if (!row) throw new UsageError(`No study ${studyInstanceUid} in the registry.`);
  return row.id;
}

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

interface AnalysisSqlRow {
  id: number;
  status: AnalysisView["status"];
  error: string | null;
  prediction: LesionClass | null;
  probabilities_json: string | null;
  confidence: number | null;
  uncertainty: number | null;
  mc_stats_json: string | null;
  models_json: string;
  provider: string;
  timings_json: string;
  finished_at: string;
  scores_json: string | null;
  assessment_json: string | null;
}

/** The study's latest analysis with its ROIs in rank order, or null when it was never analyzed. */
export function latestAnalysis(db: Db, studyRef: number): AnalysisView | null {
  const a = db
    .prepare<[number], AnalysisSqlRow>(
      `SELECT id, status, error, prediction, probabilities_json, confidence, uncertainty,
              mc_stats_json, models_json, provider, timings_json, finished_at, scores_json,
              assessment_json
         FROM analyses WHERE study_ref = ? ORDER BY id DESC LIMIT 1`,
    )
    .get(studyRef);
  if (!a) return null;
  const rois = roiRowReader(db)(a.id).map((r): RoiView => ({
    rank: r.rank,
    seriesInstanceUid: r.uid,
    sequence: r.sequence,
    sliceIndex: r.slice_index,
    box: [r.box_x0, r.box_y0, r.box_x1, r.box_y1],
    centerMm: [r.center_x_mm, r.center_y_mm, r.center_z_mm],
    score: r.score,
    probabilities: numberRecord(JSON.parse(r.probabilities_json)),
  }));
  return {
    status: a.status,
    error: a.error,
    prediction: a.prediction,
    probabilities:
      a.probabilities_json === null ? null : parseProbabilities(JSON.parse(a.probabilities_json)),
    confidence: a.confidence,
    uncertainty: a.uncertainty,
    mcSpread: a.mc_stats_json === null ? {} : mcSpread(JSON.parse(a.mc_stats_json)),
    models: parseModels(JSON.parse(a.models_json)),
    provider: a.provider,
    timingsMs: numberRecord(JSON.parse(a.timings_json)),
    finishedAt: a.finished_at,
    rois,
    scores: a.scores_json === null ? null : (JSON.parse(a.scores_json) as ConfidenceScores),
    assessment: a.assessment_json === null ? null : (JSON.parse(a.assessment_json) as Assessment),
  };
}

function numberRecord(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof value !== "object" || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === "number") out[k] = v;
  return out;
}

/**
 * The Monte-Carlo statistics' JSON belongs to the pipeline (db/003): per class an object with a
 * mean and a variance or standard deviation (registry/analyses.ts writes both). Classes whose
 * entry has neither are left out of the plot rather than drawn as zero.
 */
function mcSpread(value: unknown): Partial<Record<LesionClass, McClassSpread>> {
  const out: Partial<Record<LesionClass, McClassSpread>> = {};
  if (typeof value !== "object" || value === null) return out;
  const perClass = (value as Record<string, unknown>).perClass ?? value;
  if (typeof perClass !== "object" || perClass === null) return out;
  for (const cls of LESION_CLASSES) {
    const e = numberRecord((perClass as Record<string, unknown>)[cls]);
    if (e.mean === undefined) continue;
    const std = e.std ?? (e.variance === undefined ? undefined : Math.sqrt(e.variance));
    if (std === undefined) continue;
    out[cls] = { mean: e.mean, std };
  }
  return out;
}

function parseModels(value: unknown): AnalysisView["models"] {
  if (!Array.isArray(value)) return [];
  return value.map((m: Record<string, unknown>) => ({
    id: String(m.id ?? ""),
    version: String(m.version ?? ""),
    sha256: String(m.sha256 ?? ""),
  }));
}

export function latestReview(db: Db, studyRef: number): ReviewState {
  const r = db
    .prepare<
      [number],
      { reviewed: number; urgent: number; comment: string; actor: string; at: string }
    >(
      "SELECT reviewed, urgent, comment, actor, at FROM reviews WHERE study_ref = ? ORDER BY id DESC LIMIT 1",
    )
    .get(studyRef);
  if (!r) return { reviewed: false, urgent: false, comment: "", actor: null, at: null };
  return {
    reviewed: r.reviewed === 1,
    urgent: r.urgent === 1,
    comment: r.comment,
    actor: r.actor,
    at: r.at,
  };
}

/**
 * Appends the nurse's flags and comment (reviews are append-only, db/004) and the matching audit
 * entry in one transaction. The audit details name what changed, never the patient.
 */
export function saveReview(
  db: Db,
  studyInstanceUid: string,
  flags: { reviewed: boolean; urgent: boolean; comment: string },
  actor: string,
): ReviewState {
  return db
    .transaction((): ReviewState => {
      const ref = studyRefOf(db, studyInstanceUid);
      const before = latestReview(db, ref);
      const at = new Date().toISOString();
      const reviewId = Number(
        db
          .prepare(
            "INSERT INTO reviews (study_ref, reviewed, urgent, comment, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
          )
          .run(ref, flags.reviewed ? 1 : 0, flags.urgent ? 1 : 0, flags.comment, actor, at)
          .lastInsertRowid,
      );
      const changed: Record<string, unknown> = {};
      if (before.reviewed !== flags.reviewed) changed.reviewed = flags.reviewed;
      if (before.urgent !== flags.urgent) changed.urgent = flags.urgent;
      // The comment itself stays in reviews (it may name the patient); the audit log, which is
      // exported for support, keeps a reference to the row (issue 13 §6).
      if (before.comment !== flags.comment) {
        changed.comment = { reviewId, characters: flags.comment.length };
      }
      appendAudit(db, { actor, action: "review.update", studyRef: ref, details: changed });
      return { ...flags, actor, at };
    })
    .immediate();
}

/** Analysis jobs that are waiting, running, or finished in the last hour, oldest first. */
export function analyzeJobs(db: Db): JobView[] {
  const since = new Date(Date.now() - 3_600_000).toISOString();
  return db
    .prepare<
      [string],
      {
        id: number;
        state: JobView["state"];
        stage: string | null;
        progress: number;
        uid: string | null;
        error: string | null;
      }
    >(
      `SELECT j.id, j.state, j.stage, j.progress, s.study_instance_uid AS uid, j.error
         FROM jobs j LEFT JOIN studies s ON s.id = j.study_ref
        WHERE j.kind = 'analyze' AND (j.state IN ('queued', 'running') OR j.updated_at >= ?)
        ORDER BY j.id LIMIT 500`,
    )
    .all(since)
    .map((j) => ({
      id: j.id,
      kind: "analyze" as const,
      state: j.state,
      stage: j.stage,
      progress: j.progress,
      studyInstanceUid: j.uid,
      label: "Analysis",
      error: j.error,
      fileErrors: [],
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
