// truth.json (phantom, issue 2) + out.json (`livercad analyze --json`, issue 4 §4) -> EvalCase per
// truth study. Only the fields both documents fix by name are read, so any tool writing them works.
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
    rois?: { center_mm: Vec3 }[];
  }[];
}

/**
 * The phantom's breathing shift moves a lesion by up to 5 mm between series (phantom/geometry.ts),
 * so a ROI centre on the reference series counts as within a lesion when it lies within the
 * lesion's radius (half its largest diameter) plus this tolerance of the lesion's planned centre.
 */
export const LOCALIZATION_TOLERANCE_MM = 5;

export function withinLesion(
  p: Vec3,
  lesion: { center_mm: Vec3; diameter_mm: number },
  toleranceMm = LOCALIZATION_TOLERANCE_MM,
): boolean {
  const [x, y, z] = lesion.center_mm;
  return Math.hypot(p[0] - x, p[1] - y, p[2] - z) <= lesion.diameter_mm / 2 + toleranceMm;
}

const STATUSES = new Set(["analyzed", "no-roi", "incomplete", "error"]);

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
    if (!r) {
      return {
        studyInstanceUid: t.studyInstanceUid,
        truth: t.label,
        status: "missing",
        prediction: null,
        probabilities: null,
        confidence: null,
        localized: false,
      };
    }
    if (!STATUSES.has(r.status)) {
      throw new Error(`result of ${t.studyInstanceUid} has status "${r.status}"`);
    }
    const rois = r.rois ?? [];
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
    };
  });
}
