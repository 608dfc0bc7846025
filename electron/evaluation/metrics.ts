// The paper's evaluation ("Statistical Analysis and Evaluation Metrics", Table 3, Figs. 5-6) as pure
// functions of matched cases: categorical metrics with unlocalized studies as misdiagnoses, the
// HCC-vs-others LROC, and the same on the most confident share of studies. No Node, no DOM.
import type { ConfidenceScores } from "../contract/calibration";
import { confidentCount, type Assessment } from "../contract/confidence";
import { LESION_CLASSES, type LesionClass } from "../contract/domain";
import { confidenceReport, type ConfidenceReport } from "./confidence-metrics";

export interface EvalCase {
  studyInstanceUid: string;
  truth: LesionClass;
  /** "missing": the study has no result at all (counted like an unlocalized study). */
  status: "analyzed" | "no-roi" | "incomplete" | "error" | "missing";
  prediction: LesionClass | null;
  /** P(HCC) and the others; null when not analyzed. */
  probabilities: Record<LesionClass, number> | null;
  confidence: number | null;
  /** At least one ROI lies within a true lesion. */
  localized: boolean;
  /** The top-ranked ROI lies within a true lesion's radius + 10 mm (issue 11; match.ts). */
  hit?: boolean;
  /** Fused ROIs the study's result lists. */
  roiCount?: number;
  /** Candidate confidence scores and calibrated assessment (issue 11 §3), when the result has them. */
  scores?: ConfidenceScores | null;
  assessment?: Assessment | null;
}

export interface ClassMetrics {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  sensitivity: number;
  specificity: number;
  f1: number;
}

export interface LrocResult {
  /** Area under the LROC curve (FPR from 0 to 1; the curve tops out at the localized share). */
  auc: number;
  /** Highest sensitivity among operating points with specificity >= 0.8. */
  sensitivityAt80Specificity: number;
  /** Highest reachable sensitivity: HCC studies with a prediction / all HCC studies. */
  maxSensitivity: number;
  /** [FPR, TPR] from (0, 0) to (1, maxSensitivity). */
  curve: [number, number][];
}

export interface Metrics {
  n: number;
  accuracy: number;
  meanF1: number;
  perClass: Record<LesionClass, ClassMetrics>;
  hccLroc: LrocResult;
  /** Studies with a ROI within a true lesion / all studies. */
  localizationRate: number;
  /** Studies without any ROI (no-roi, and results that are missing, incomplete or failed). */
  noRoiRate: number;
  /** Studies whose top-ranked ROI is within a true lesion's radius + 10 mm / all studies. */
  hit: number;
  /** Mean number of fused ROIs per study the detectors ran on (analyzed or no-roi). */
  rois_per_study: number;
}

/** What "the N% most confident" are ranked by: the paper's confidence or the assessment's score. */
export type RankBy = "paper" | "assessment";

export interface Evaluation {
  all: Metrics;
  /** The `fraction` most confident studies (studies without a confidence rank last). */
  top: Metrics & { fraction: number };
  /** The score `top` was ranked by. */
  rank: RankBy;
  /** Failure detection, calibration and conformal sets (issue 11 §3). */
  confidence: ConfidenceReport;
}

const ratio = (a: number, b: number): number => (b === 0 ? Number.NaN : a / b);

/** The paper treats a study without any ROI as a misdiagnosis (Table 3 note). */
function predicted(c: EvalCase): LesionClass | null {
  return c.status === "analyzed" ? c.prediction : null;
}

export function classMetrics(cases: EvalCase[], cls: LesionClass): ClassMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const c of cases) {
    const p = predicted(c) === cls;
    if (c.truth === cls) {
      if (p) tp++;
      else fn++;
    } else if (p) fp++;
    else tn++;
  }
  return {
    tp,
    fp,
    fn,
    tn,
    sensitivity: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
  };
}

/**
 * HCC vs. others LROC (paper, after Swensson 1996): the score is P(HCC); a study without a
 * prediction is never called positive at any threshold, so an unlocalized HCC study is a false
 * negative everywhere and the curve's sensitivity tops out below 1. Thresholds step through the
 * distinct scores (tied scores move together, the trapezoid rule averages over their order); the
 * last point is extended to FPR = 1 at the top sensitivity.
 */
export function hccLroc(cases: EvalCase[]): LrocResult {
  const positives = cases.filter((c) => c.truth === "HCC").length;
  const negatives = cases.length - positives;
  const scored = cases
    .filter((c) => predicted(c) !== null && c.probabilities !== null)
    .map((c) => ({ s: c.probabilities!.HCC, pos: c.truth === "HCC" }))
    .sort((a, b) => b.s - a.s);
  const curve: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < scored.length;) {
    const s = scored[i]!.s;
    while (i < scored.length && scored[i]!.s === s) {
      if (scored[i]!.pos) tp++;
      else fp++;
      i++;
    }
    curve.push([negatives === 0 ? 0 : fp / negatives, positives === 0 ? 0 : tp / positives]);
  }
  const maxSensitivity = positives === 0 ? Number.NaN : tp / positives;
  const last = curve[curve.length - 1]!;
  if (last[0] < 1) curve.push([1, last[1]]);
  let auc = 0;
  for (let i = 1; i < curve.length; i++) {
    const [x0, y0] = curve[i - 1]!;
    const [x1, y1] = curve[i]!;
    auc += ((x1 - x0) * (y0 + y1)) / 2;
  }
  let sens80 = 0;
  for (const [fpr, tpr] of curve) if (fpr <= 0.2 + 1e-12 && tpr > sens80) sens80 = tpr;
  return {
    auc: positives === 0 || negatives === 0 ? Number.NaN : auc,
    sensitivityAt80Specificity: positives === 0 ? Number.NaN : sens80,
    maxSensitivity,
    curve,
  };
}

/**
 * Mean over the classes whose F1 is defined: a class that is neither present nor predicted
 * (2TP + FP + FN = 0) has no F1, and counting it as 0 or 1 would say something the data cannot.
 */
function meanDefined(values: number[]): number {
  const ok = values.filter((v) => !Number.isNaN(v));
  return ok.length === 0 ? Number.NaN : ok.reduce((s, v) => s + v, 0) / ok.length;
}

export function metrics(cases: EvalCase[]): Metrics {
  const perClass = Object.fromEntries(
    LESION_CLASSES.map((c) => [c, classMetrics(cases, c)]),
  ) as Record<LesionClass, ClassMetrics>;
  const correct = cases.filter((c) => predicted(c) === c.truth).length;
  return {
    n: cases.length,
    accuracy: ratio(correct, cases.length),
    meanF1: meanDefined(LESION_CLASSES.map((c) => perClass[c].f1)),
    perClass,
    hccLroc: hccLroc(cases),
    localizationRate: ratio(cases.filter((c) => c.localized).length, cases.length),
    noRoiRate: ratio(cases.filter((c) => c.status !== "analyzed").length, cases.length),
    hit: ratio(cases.filter((c) => c.hit === true).length, cases.length),
    rois_per_study: (() => {
      const ran = cases.filter((c) => c.status === "analyzed" || c.status === "no-roi");
      return ratio(
        ran.reduce((s, c) => s + (c.roiCount ?? 0), 0),
        ran.length,
      );
    })(),
  };
}

/**
 * How many of n studies the "most confident fraction" keeps: the one rule the worklist and the
 * CLI share (contract/confidence.ts confidentCount: round half up, 6 at 70% keep 4).
 */
export function keptCount(n: number, fraction: number): number {
  return confidentCount(n, fraction * 100);
}

/**
 * Paper, "Diagnostic Confidence Study": drop the least confident studies, keep the rest. Studies
 * without a score (no ROI, failed, no assessment) are the least confident; ties keep the input
 * order. `score` defaults to the paper's confidence.
 */
export function mostConfident<T extends { confidence: number | null }>(
  items: T[],
  fraction: number,
  score: (item: T) => number | null | undefined = (item) => item.confidence,
): T[] {
  const order = items
    .map((item, i) => ({ item, i, c: score(item) ?? Number.NEGATIVE_INFINITY }))
    .sort((a, b) => b.c - a.c || a.i - b.i);
  return order.slice(0, keptCount(items.length, fraction)).map((o) => o.item);
}

/** The assessment's rank score when any case has an assessment, else the paper's confidence. */
export function defaultRank(cases: EvalCase[]): RankBy {
  return cases.some((c) => c.assessment) ? "assessment" : "paper";
}

export function rankScoreOf(c: EvalCase, rank: RankBy): number | null {
  return rank === "assessment" ? (c.assessment?.rankScore ?? null) : c.confidence;
}

export function evaluate(
  cases: EvalCase[],
  topFraction = 0.7,
  rank: RankBy = defaultRank(cases),
): Evaluation {
  return {
    all: metrics(cases),
    top: {
      ...metrics(mostConfident(cases, topFraction, (c) => rankScoreOf(c, rank))),
      fraction: topFraction,
    },
    rank,
    confidence: confidenceReport(cases),
  };
}
