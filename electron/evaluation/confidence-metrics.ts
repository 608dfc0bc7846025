// Metrics of a confidence score and the fits of the classifier's calibration (issue 11 §3), as pure
// functions of per-study numbers: risk-coverage, AURC / E-AURC, ECE with reliability bins,
// temperature scaling, split-conformal LAC and APS. No Node, no DOM. The apply side (scores, temperature,
// APS set, bands) is contract/calibration.ts, shared with the pipeline.
import {
  SCORE_NAMES,
  apsScore,
  conformalSet,
  lacScore,
  rankedClasses,
  type ConformalMethod,
  temperatureScale,
  type ScoreName,
} from "../contract/calibration";
import type { LesionClass } from "../contract/domain";
import type { EvalCase } from "./metrics";

export {
  SCORE_NAMES,
  apsScore,
  apsSet,
  lacScore,
  lacSet,
  conformalSet,
  confidenceScores,
  entropy,
  mutualInformation,
  temperatureScale,
  type ScoreName,
} from "../contract/calibration";

/** One study for failure detection: its confidence score and whether its call was right. */
export interface ScoredCall {
  score: number;
  correct: boolean;
}

export interface RiskCoveragePoint {
  /** Share of studies kept (k / n). */
  coverage: number;
  /** Error rate among the k kept (selective risk). */
  risk: number;
}

/**
 * Risk-coverage curve (Geifman & El-Yaniv 2017, "Selective classification for deep neural
 * networks"): keep the k most confident studies, k = 1..n, and measure the error rate among them.
 * Tied scores cannot be ordered by the score, so within a tie the expected risk over every order
 * is used (errors spread evenly across the tie): the curve does not depend on the input order.
 */
export function riskCoverage(calls: ScoredCall[]): RiskCoveragePoint[] {
  const sorted = [...calls].sort((a, b) => b.score - a.score);
  const n = sorted.length;
  const points: RiskCoveragePoint[] = [];
  let errorsBefore = 0;
  for (let i = 0; i < n;) {
    let j = i;
    let groupErrors = 0;
    while (j < n && sorted[j]!.score === sorted[i]!.score) {
      if (!sorted[j]!.correct) groupErrors++;
      j++;
    }
    const size = j - i;
    for (let k = i + 1; k <= j; k++) {
      const errors = errorsBefore + ((k - i) * groupErrors) / size;
      points.push({ coverage: k / n, risk: errors / k });
    }
    errorsBefore += groupErrors;
    i = j;
  }
  return points;
}

/** Area under the risk-coverage curve: the mean selective risk over k = 1..n (lower = better). */
export function aurc(calls: ScoredCall[]): number {
  const curve = riskCoverage(calls);
  if (curve.length === 0) return Number.NaN;
  return curve.reduce((s, p) => s + p.risk, 0) / curve.length;
}

/**
 * Excess AURC (Geifman et al. 2019, "Bias-reduced uncertainty estimation"): AURC minus that of
 * the oracle score, which ranks every right call before every wrong one, so that models of
 * different accuracy compare. Computed exactly on the same n (the paper's r + (1 - r) ln(1 - r)
 * is its large-n limit).
 */
export function eAurc(calls: ScoredCall[]): number {
  const oracle = calls.map((c) => ({ score: c.correct ? 1 : 0, correct: c.correct }));
  return aurc(calls) - aurc(oracle);
}

/** One of the ECE's equal-width confidence bins (lower, upper]; the first also holds 0. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence and accuracy of the bin's studies (NaN when empty). */
  meanConfidence: number;
  accuracy: number;
}

/** A study's top-class probability and whether that class was right. */
export interface ProbabilityCall {
  confidence: number;
  correct: boolean;
}

/** Equal-width reliability bins (Guo et al. 2017 §2; Naeini et al. 2015), 15 by default. */
export function reliabilityBins(calls: ProbabilityCall[], bins = 15): ReliabilityBin[] {
  const acc = Array.from({ length: bins }, () => ({ n: 0, conf: 0, right: 0 }));
  for (const c of calls) {
    // Bin b holds (b/bins, (b+1)/bins]: ceil(conf * bins) - 1, with 0 in the first bin.
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c.confidence * bins - 1e-12) - 1));
    acc[b]!.n++;
    acc[b]!.conf += c.confidence;
    if (c.correct) acc[b]!.right++;
  }
  return acc.map((a, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: a.n,
    meanConfidence: a.n === 0 ? Number.NaN : a.conf / a.n,
    accuracy: a.n === 0 ? Number.NaN : a.right / a.n,
  }));
}

/** Expected calibration error: sum over bins of |B|/n |accuracy(B) - confidence(B)|. */
export function ece(calls: ProbabilityCall[], bins = 15): number {
  if (calls.length === 0) return Number.NaN;
  let sum = 0;
  for (const b of reliabilityBins(calls, bins)) {
    if (b.count > 0) sum += (b.count / calls.length) * Math.abs(b.accuracy - b.meanConfidence);
  }
  return sum;
}

/** A study with its (uncalibrated) probabilities and true class, for the calibration fits. */
export interface LabeledProbabilities {
  probabilities: Record<LesionClass, number>;
  truth: LesionClass;
}

/** Probabilities below this count as this in the NLL (a zero would make it infinite). */
const NLL_FLOOR = 1e-12;

/** Mean negative log-likelihood of the true classes after temperature scaling. */
export function nll(cases: LabeledProbabilities[], temperature: number): number {
  let s = 0;
  for (const c of cases) {
    s -= Math.log(Math.max(NLL_FLOOR, temperatureScale(c.probabilities, temperature)[c.truth]));
  }
  return s / cases.length;
}

/** The top class's probability and correctness, for ECE and reliability bins. */
export function topCalls(cases: LabeledProbabilities[], temperature = 1): ProbabilityCall[] {
  return cases.map((c) => {
    const p = temperatureScale(c.probabilities, temperature);
    const top = rankedClasses(p)[0]!;
    return { confidence: p[top], correct: top === c.truth };
  });
}

export const TEMPERATURE_RANGE: [number, number] = [0.05, 20];

/**
 * Temperature scaling fit (Guo et al. 2017): the T in TEMPERATURE_RANGE minimizing the NLL.
 * With logits z = log p the NLL is convex in 1/T, hence unimodal in log T, so a golden-section
 * search on log T finds the minimum (to ~1e-6 in log T). No cases gives T = 1.
 */
export function fitTemperature(cases: LabeledProbabilities[]): number {
  if (cases.length === 0) return 1;
  const f = (logT: number): number => nll(cases, Math.exp(logT));
  let a = Math.log(TEMPERATURE_RANGE[0]);
  let b = Math.log(TEMPERATURE_RANGE[1]);
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = b - g * (b - a);
  let x2 = a + g * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  while (b - a > 1e-6) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = f(x2);
    }
  }
  return Math.exp((a + b) / 2);
}

/**
 * Split-conformal threshold (Angelopoulos & Bates 2021 §1, finite-sample quantile): the
 * ceil((n + 1)(coverage))-th smallest of the n calibration scores. null when that rank exceeds n
 * (too few studies to certify the coverage: the set must then hold every class).
 */
export function conformalQuantile(scores: number[], coverage: number): number | null {
  const n = scores.length;
  const k = Math.ceil((n + 1) * coverage - 1e-9);
  if (k > n || n === 0) return null;
  const sorted = [...scores].sort((a, b) => a - b);
  return sorted[Math.max(0, k - 1)]!;
}

/** The APS threshold fitted on (already calibrated) probabilities. */
export function fitAps(cases: LabeledProbabilities[], coverage: number): number | null {
  return conformalQuantile(
    cases.map((c) => apsScore(c.probabilities, c.truth)),
    coverage,
  );
}

/** The LAC threshold fitted on (already calibrated) probabilities. */
export function fitLac(cases: LabeledProbabilities[], coverage: number): number | null {
  return conformalQuantile(
    cases.map((c) => lacScore(c.probabilities, c.truth)),
    coverage,
  );
}

/** Empirical coverage and mean set size of a method's sets at qhat on (calibrated) probabilities. */
export function conformalReport(
  cases: LabeledProbabilities[],
  qhat: number | null,
  method: ConformalMethod = "APS",
): { coverage: number; meanSetSize: number } {
  if (cases.length === 0) return { coverage: Number.NaN, meanSetSize: Number.NaN };
  let covered = 0;
  let size = 0;
  for (const c of cases) {
    const set = conformalSet(method, c.probabilities, qhat ?? Number.POSITIVE_INFINITY);
    if (set.includes(c.truth)) covered++;
    size += set.length;
  }
  return { coverage: covered / cases.length, meanSetSize: size / cases.length };
}

/** Failure detection, calibration and conformal coverage of a cohort's results (evaluate). */
export interface ConfidenceReport {
  /** Analyzed studies with probabilities: the studies the numbers below are measured on. */
  n: number;
  /** Per candidate score, over the analyzed studies that carry scores (NaN: none do). */
  aurc: Record<ScoreName, number>;
  eAurc: Record<ScoreName, number>;
  ece: {
    bins: number;
    /** Of the uncalibrated study probabilities. */
    before: number;
    /** Of the assessments' calibrated probabilities (NaN: no assessment in the results). */
    after: number;
    reliabilityBefore: ReliabilityBin[];
    reliabilityAfter: ReliabilityBin[];
  };
  conformal: {
    /** The nominal coverage the assessments' sets were built for (NaN: no assessment). */
    nominal: number;
    /** Share of assessed studies whose set holds the true class, and the mean set size. */
    coverage: number;
    meanSetSize: number;
    n: number;
  };
}

export const ECE_BINS = 15;

/** A case's call is right when the predicted class is the true one (an analyzed study). */
const analyzedCalls = (cases: EvalCase[]) =>
  cases.filter(
    (c): c is EvalCase & { probabilities: Record<LesionClass, number>; prediction: LesionClass } =>
      c.status === "analyzed" && c.probabilities !== null && c.prediction !== null,
  );

export function confidenceReport(cases: EvalCase[]): ConfidenceReport {
  const analyzed = analyzedCalls(cases);
  const withScores = analyzed.filter((c) => c.scores);
  const aurcs = {} as Record<ScoreName, number>;
  const eAurcs = {} as Record<ScoreName, number>;
  for (const s of SCORE_NAMES) {
    const calls = withScores.map((c) => ({
      score: c.scores![s],
      correct: c.prediction === c.truth,
    }));
    aurcs[s] = aurc(calls);
    eAurcs[s] = calls.length === 0 ? Number.NaN : eAurc(calls);
  }
  const before = topCalls(
    analyzed.map((c) => ({ probabilities: c.probabilities, truth: c.truth })),
  );
  const assessed = analyzed.filter((c) => c.assessment);
  const after = assessed.map((c) => {
    const top = rankedClasses(c.assessment!.calibratedProbabilities)[0]!;
    return { confidence: c.assessment!.probCorrect, correct: top === c.truth };
  });
  const covered = assessed.filter((c) => c.assessment!.predictionSet.includes(c.truth)).length;
  const sizes = assessed.reduce((s, c) => s + c.assessment!.predictionSet.length, 0);
  return {
    n: analyzed.length,
    aurc: aurcs,
    eAurc: eAurcs,
    ece: {
      bins: ECE_BINS,
      before: ece(before, ECE_BINS),
      after: ece(after, ECE_BINS),
      reliabilityBefore: reliabilityBins(before, ECE_BINS),
      reliabilityAfter: reliabilityBins(after, ECE_BINS),
    },
    conformal: {
      nominal: assessed[0]?.assessment!.coverage ?? Number.NaN,
      coverage: assessed.length === 0 ? Number.NaN : covered / assessed.length,
      meanSetSize: assessed.length === 0 ? Number.NaN : sizes / assessed.length,
      n: assessed.length,
    },
  };
}
