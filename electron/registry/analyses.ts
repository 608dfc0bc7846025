// Analysis results in the registry (analyses + rois, db/003) and back out as out.json's studies.
// Per-class Monte-Carlo statistics are JSON shaped {perClass: {HCC: {mean, variance, std}}, ...},
// the shape the workstation's charts read (latest-analysis.ts mcSpread).
import type { AnalysisStatus, ModelRecord, RoiRecord, StudyResult } from "../contract/analysis";
import type { ConfidenceScores } from "../contract/calibration";
import type { Assessment } from "../contract/confidence";
import { RegistryError } from "../contract/errors";
import { LESION_CLASSES, SEQUENCES, type LesionClass, type SequenceId } from "../contract/domain";
import { APP_VERSION } from "../contract/version";
import type { Db } from "./open";
import { roiRowReader } from "./rois";

export interface AnalysisToSave {
  studyRef: number;
  jobId: number | null;
  status: AnalysisStatus;
  error: string | null;
  prediction: LesionClass | null;
  probabilities: Record<LesionClass, number> | null;
  confidence: number | null;
  uncertainty: number | null;
  /** Candidate confidence scores and the calibrated assessment (issue 11 §3; db/006). */
  scores?: ConfidenceScores | null;
  assessment?: Assessment | null;
  /** Study-level per-class variance (mean of the ROIs' per-class variances) and sample count. */
  classVariances: Record<LesionClass, number> | null;
  samples: number | null;
  sequences: Record<SequenceId, string | null>;
  models: ModelRecord[];
  provider: string;
  parameters: unknown;
  timingsMs: Record<string, number>;
  startedAt: string;
  finishedAt: string;
  rois: RoiRecord[];
}

function perClass(mean: Record<LesionClass, number>, variance: Record<LesionClass, number>) {
  return Object.fromEntries(
    LESION_CLASSES.map((c) => [
      c,
      { mean: mean[c], variance: variance[c], std: Math.sqrt(Math.max(0, variance[c])) },
    ]),
  );
}

/** Stores one analysis and its ROIs in one transaction; returns the analysis id. */
export function saveAnalysis(db: Db, a: AnalysisToSave): number {
  return db
    .transaction((): number => {
      const mc =
        a.probabilities && a.classVariances
          ? {
              perClass: perClass(a.probabilities, a.classVariances),
              samples: a.samples,
              rois: a.rois.length,
              uncertainty: "mean over ROIs of the mean per-class variance of the T samples",
            }
          : null;
      const id = Number(
        db
          .prepare(
            `INSERT INTO analyses (study_ref, job_ref, status, error, prediction,
               probabilities_json, confidence, uncertainty, mc_stats_json, sequences_json,
               models_json, provider, parameters_json, timings_json, app_version, started_at,
               finished_at, scores_json, assessment_json)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            a.studyRef,
            a.jobId,
            a.status,
            a.error,
            a.prediction,
            a.probabilities ? JSON.stringify(a.probabilities) : null,
            a.confidence,
            a.uncertainty,
            mc ? JSON.stringify(mc) : null,
            JSON.stringify(a.sequences),
            JSON.stringify(a.models),
            a.provider,
            JSON.stringify(a.parameters),
            JSON.stringify(a.timingsMs),
            APP_VERSION,
            a.startedAt,
            a.finishedAt,
            a.scores ? JSON.stringify(a.scores) : null,
            a.assessment ? JSON.stringify(a.assessment) : null,
          ).lastInsertRowid,
      );
      const seriesRef = db.prepare<[string], { id: number }>(
        "SELECT id FROM series WHERE series_instance_uid = ?",
      );
      const insert = db.prepare(
        `INSERT INTO rois (analysis_ref, rank, series_ref, sequence, slice_index, box_x0, box_y0,
           box_x1, box_y1, center_x_mm, center_y_mm, center_z_mm, score, probabilities_json,
           mc_stats_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of a.rois) {
        const ref = seriesRef.get(r.seriesInstanceUid);
        if (!ref)
          throw new RegistryError(`ROI series ${r.seriesInstanceUid} is not in the registry.`);
        insert.run(
          id,
          r.rank,
          ref.id,
          r.sequence,
          r.sliceIndex,
          ...r.box_px,
          ...r.center_mm,
          r.score,
          JSON.stringify(r.probabilities),
          JSON.stringify({
            perClass: perClass(r.probabilities, r.mc.classVariances),
            variance: r.mc.variance,
            samples: r.mc.samples,
            ...(r.reject ? { reject: r.reject } : {}),
          }),
        );
      }
      return id;
    })
    .immediate();
}

interface AnalysisRow {
  id: number;
  uid: string;
  patient_id: string;
  status: AnalysisStatus;
  error: string | null;
  prediction: LesionClass | null;
  probabilities_json: string | null;
  confidence: number | null;
  uncertainty: number | null;
  sequences_json: string;
  models_json: string;
  provider: string;
  parameters_json: string;
  timings_json: string;
  finished_at: string;
  scores_json: string | null;
  assessment_json: string | null;
}

/** The latest analysis of every analyzed study (or of the given studies), in registry order. */
export function studyResults(db: Db, studyInstanceUids?: string[]): StudyResult[] {
  const rows = db
    .prepare<[], AnalysisRow>(
      `SELECT a.id, s.study_instance_uid AS uid, p.patient_id, a.status, a.error, a.prediction,
              a.probabilities_json, a.confidence, a.uncertainty, a.sequences_json, a.models_json,
              a.provider, a.parameters_json, a.timings_json, a.finished_at, a.scores_json,
              a.assessment_json
         FROM studies s
         JOIN patients p ON p.id = s.patient_ref
         JOIN analyses a ON a.id = (SELECT MAX(x.id) FROM analyses x WHERE x.study_ref = s.id)
        ORDER BY s.id`,
    )
    .all();
  const wanted = studyInstanceUids ? new Set(studyInstanceUids) : null;
  const roiRows = roiRowReader(db);
  return rows
    .filter((r) => wanted === null || wanted.has(r.uid))
    .map((a): StudyResult => {
      const sequences = JSON.parse(a.sequences_json) as Record<SequenceId, string | null>;
      const models = JSON.parse(a.models_json) as ModelRecord[];
      return {
        studyInstanceUid: a.uid,
        patientId: a.patient_id,
        status: a.status,
        error: a.error,
        prediction: a.prediction,
        probabilities: a.probabilities_json
          ? (JSON.parse(a.probabilities_json) as Record<LesionClass, number>)
          : null,
        confidence: a.confidence,
        uncertainty: a.uncertainty,
        ...(a.scores_json ? { scores: JSON.parse(a.scores_json) as ConfidenceScores } : {}),
        ...(a.assessment_json ? { assessment: JSON.parse(a.assessment_json) as Assessment } : {}),
        sequences: Object.fromEntries(SEQUENCES.map((s) => [s, sequences[s] ?? null])) as Record<
          SequenceId,
          string | null
        >,
        rois: roiRows(a.id).map((r): RoiRecord => {
          const mc = JSON.parse(r.mc_stats_json) as {
            perClass: Record<LesionClass, { variance: number }>;
            variance: number;
            samples: number;
            reject?: { probability: number; rejected: boolean };
          };
          return {
            seriesInstanceUid: r.uid,
            sequence: r.sequence,
            sliceIndex: r.slice_index,
            box_px: [r.box_x0, r.box_y0, r.box_x1, r.box_y1],
            center_mm: [r.center_x_mm, r.center_y_mm, r.center_z_mm],
            score: r.score,
            probabilities: JSON.parse(r.probabilities_json) as Record<LesionClass, number>,
            rank: r.rank,
            mc: {
              variance: mc.variance,
              samples: mc.samples,
              classVariances: Object.fromEntries(
                LESION_CLASSES.map((c) => [c, mc.perClass[c]?.variance ?? 0]),
              ) as Record<LesionClass, number>,
            },
            ...(mc.reject ? { reject: mc.reject } : {}),
          };
        }),
        model: { models, config: JSON.parse(a.parameters_json) as unknown },
        provider: a.provider,
        timings_ms: JSON.parse(a.timings_json) as Record<string, number>,
        analyzedAt: a.finished_at,
      };
    });
}

/** The id and parameters of a study's latest analysis, or null when it was never analyzed. */
export function latestAnalysisParameters(
  db: Db,
  studyRef: number,
): { id: number; parameters: unknown } | null {
  const row = db
    .prepare<[number], { id: number; parameters_json: string }>(
      "SELECT id, parameters_json FROM analyses WHERE study_ref = ? ORDER BY id DESC LIMIT 1",
    )
    .get(studyRef);
  return row ? { id: row.id, parameters: JSON.parse(row.parameters_json) as unknown } : null;
}

/** The id and ROI count of a study's latest analysis, or null when it was never analyzed. */
export function latestAnalysisRoiCount(
  db: Db,
  studyRef: number,
): { id: number; rois: number } | null {
  return (
    db
      .prepare<[number], { id: number; rois: number }>(
        `SELECT a.id, (SELECT COUNT(*) FROM rois r WHERE r.analysis_ref = a.id) AS rois
           FROM analyses a WHERE a.study_ref = ? ORDER BY a.id DESC LIMIT 1`,
      )
      .get(studyRef) ?? null
  );
}
