// A study's latest analysis as the study view shows it (issue 6): the analyses row (db/003) with
// its ROIs in rank order, its JSON columns parsed into the IPC's AnalysisView. The rows are
// written, and read back for out.json, by analyses.ts.
import type { ConfidenceScores } from "../contract/calibration";
import type { Assessment } from "../contract/confidence";
import { LESION_CLASSES, type LesionClass } from "../contract/domain";
import type { AnalysisView, McClassSpread, RoiView } from "../contract/ipc";
import type { Db } from "./open";
import { roiRowReader } from "./rois";

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
  const rois = roiRowReader(db)(a.id).map((r): RoiView => {
    const reject = (JSON.parse(r.mc_stats_json) as { reject?: RoiView["reject"] }).reject;
    return {
      rank: r.rank,
      seriesInstanceUid: r.uid,
      sequence: r.sequence,
      sliceIndex: r.slice_index,
      box: [r.box_x0, r.box_y0, r.box_x1, r.box_y1],
      centerMm: [r.center_x_mm, r.center_y_mm, r.center_z_mm],
      score: r.score,
      probabilities: numberRecord(JSON.parse(r.probabilities_json)),
      ...(reject ? { reject } : {}),
    };
  });
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
