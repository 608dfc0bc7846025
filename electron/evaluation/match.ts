// truth.json (phantom, issue 2) + out.json (`livercad analyze --json`, issue 4 §4) -> EvalCase per
// truth study. Only the fields both documents fix by name are read, so any tool writing them works.
import type { ConfidenceScores } from "../contract/calibration";
import type { Assessment } from "../contract/confidence";
import { LESION_CLASSES, type LesionClass, type Vec3 } from "../contract/domain";
import type { EvalCase } from "./metrics";

export interface TruthLike {
  studies: {
    studyInstanceUid: string;
    label: LesionClass;
    lesions: { center_mm: Vec3; diameter_mm: number }[];
  }[];
}

export interface ResultsLike {
  studies: {
    studyInstanceUid: string;
    status: string;
    prediction: LesionClass | null;
    probabilities: Record<LesionClass, number> | null;
    confidence: number | null;
    rois?: { center_mm: Vec3; rank?: number }[];
    /** Issue 11 §3 (optional: absent from older results). */
    scores?: ConfidenceScores;
    assessment?: Assessment;
    analyzedAt?: string;
  }[];
}

/**
 * The phantom's breathing shift moves a lesion by up to 5 mm between series (phantom/geometry.ts),
 * so a ROI centre on the reference series counts as within a lesion when it lies within the
 * lesion's radius (half its largest diameter) plus this tolerance of the lesion's planned centre.
 */
export const LOCALIZATION_TOLERANCE_MM = 5;

/**
 * Issue 11's hit measure: the study's top-ranked ROI lies within a true lesion's radius + 10 mm
 * (looser than localization's 5 mm, which accepts any ROI, because it judges one ROI only).
 */
export const HIT_TOLERANCE_MM = 10;

export function withinLesion(
  p: Vec3,
  lesion: { center_mm: Vec3; diameter_mm: number },
  toleranceMm = LOCALIZATION_TOLERANCE_MM,
): boolean {
  const [x, y, z] = lesion.center_mm;
  return Math.hypot(p[0] - x, p[1] - y, p[2] - z) <= lesion.diameter_mm / 2 + toleranceMm;
}

const STATUSES = new Set(["analyzed", "no-roi", "incomplete", "error"]);

/** The top ROI: rank 1 where ranks are given, else the first (out.json lists them by rank). */
export function topRoi<R extends { rank?: number }>(rois: readonly R[]): R | undefined {
  return rois.reduce<R | undefined>(
    (best, roi) => (best === undefined || (roi.rank ?? 0) < (best.rank ?? 0) ? roi : best),
    undefined,
  );
}

/** A truth study without any result: counted like an unlocalized study (paper, Table 3). */
export function missingCase(studyInstanceUid: string, truth: LesionClass): EvalCase {
  return {
    studyInstanceUid,
    truth,
    status: "missing",
    prediction: null,
    probabilities: null,
    confidence: null,
    localized: false,
    hit: false,
    roiCount: 0,
  };
}

export function matchCases(
  truth: TruthLike,
  results: ResultsLike,
  toleranceMm = LOCALIZATION_TOLERANCE_MM,
): EvalCase[] {
  const byUid = new Map(results.studies.map((r) => [r.studyInstanceUid, r]));
  return truth.studies.map((t): EvalCase => {
    if (!LESION_CLASSES.includes(t.label)) {
      throw new Error(`truth study ${t.studyInstanceUid} has label "${t.label}"`);
    }
    const r = byUid.get(t.studyInstanceUid);
    if (!r) return missingCase(t.studyInstanceUid, t.label);
    if (!STATUSES.has(r.status)) {
      throw new Error(`result of ${t.studyInstanceUid} has status "${r.status}"`);
    }
    const rois = r.rois ?? [];
    const top = topRoi(rois);
    return {
      studyInstanceUid: t.studyInstanceUid,
      truth: t.label,
      status: r.status as EvalCase["status"],
      prediction: r.prediction,
      probabilities: r.probabilities,
      confidence: r.confidence,
      localized: rois.some((roi) =>
        t.lesions.some((l) => withinLesion(roi.center_mm, l, toleranceMm)),
      ),
      hit:
        top !== undefined &&
        t.lesions.some((l) => withinLesion(top.center_mm, l, HIT_TOLERANCE_MM)),
      roiCount: rois.length,
      scores: r.scores ?? null,
      assessment: r.assessment ?? null,
    };
  });
}
