// How a study's Monte-Carlo outputs become what a nurse reads (issue 11 §3): the five candidate
// confidence scores, the classifier manifest's `calibration` block, and the pure functions that
// apply it (temperature, band, close call, conformal set). The fitting side lives in
// evaluation/confidence-metrics.ts; this side is shared by the pipeline, the CLI and the renderer.
import type { Assessment, ConfidenceBand } from "./confidence";
import { LESION_CLASSES, type LesionClass } from "./domain";

/**
 * The candidate scores for failure detection (higher = more confident):
 * - `paper`: the paper's 1 - mean MC variance ("Lesion Characterization"), kept for its evaluation;
 * - `maxProb`: the largest mean softmax probability (Hendrycks & Gimpel 2017's baseline);
 * - `negEntropy`: minus the predictive entropy of the mean probabilities (nats);
 * - `margin`: the top probability minus the second;
 * - `negMutualInfo`: minus the mutual information between the prediction and the dropout mask
 *   (BALD, Houlsby et al. 2011; Gal 2016 §3.3), per ROI then averaged over the study's ROIs.
 */
export const SCORE_NAMES = ["paper", "maxProb", "negEntropy", "margin", "negMutualInfo"] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];
export type ConfidenceScores = Record<ScoreName, number>;

/** Shannon entropy in nats; 0 log 0 = 0. */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

/**
 * Mutual information of T Monte-Carlo probability vectors [T, classes] (row-major):
 * H(mean_t p_t) - mean_t H(p_t), >= 0 by Jensen (rounding aside, clamped at 0).
 */
export function mutualInformation(probs: ArrayLike<number>, T: number, classes: number): number {
  if (T <= 0) return 0;
  const mean = new Array<number>(classes).fill(0);
  let meanH = 0;
  for (let t = 0; t < T; t++) {
    let h = 0;
    for (let c = 0; c < classes; c++) {
      const v = probs[t * classes + c]!;
      mean[c]! += v / T;
      if (v > 0) h -= v * Math.log(v);
    }
    meanH += h / T;
  }
  return Math.max(0, entropy(mean) - meanH);
}

/** Classes by decreasing probability; ties keep LESION_CLASSES order (deterministic). */
export function rankedClasses(p: Record<LesionClass, number>): LesionClass[] {
  return [...LESION_CLASSES].sort(
    (a, b) => p[b] - p[a] || LESION_CLASSES.indexOf(a) - LESION_CLASSES.indexOf(b),
  );
}

/** The five scores of one study from its mean probabilities, paper confidence and mean MI. */
export function confidenceScores(
  probabilities: Record<LesionClass, number>,
  paperConfidence: number,
  meanMutualInformation: number,
): ConfidenceScores {
  const [first, second] = rankedClasses(probabilities);
  const p = LESION_CLASSES.map((c) => probabilities[c]);
  return {
    paper: paperConfidence,
    maxProb: probabilities[first!],
    negEntropy: -entropy(p),
    margin: probabilities[first!] - probabilities[second!],
    negMutualInfo: -meanMutualInformation,
  };
}

/**
 * Temperature scaling (Guo et al. 2017) on log study probabilities: p_T(c) ∝ p(c)^(1/T),
 * renormalized. The study probabilities are means of softmax outputs, not logits, so log p plays
 * the logit's part (softmax(log p / T) = p^(1/T) / sum). Zero probabilities stay zero.
 */
export function temperatureScale(
  p: Record<LesionClass, number>,
  temperature: number,
): Record<LesionClass, number> {
  const out = {} as Record<LesionClass, number>;
  const top = Math.max(...LESION_CLASSES.map((c) => p[c]));
  let sum = 0;
  for (const c of LESION_CLASSES) {
    // Divide by the top probability first so that a small T cannot underflow every class to 0.
    const v = p[c] > 0 ? Math.exp(Math.log(p[c] / top) / temperature) : 0;
    out[c] = v;
    sum += v;
  }
  for (const c of LESION_CLASSES) out[c] = sum > 0 ? out[c] / sum : 1 / LESION_CLASSES.length;
  return out;
}

/**
 * Deterministic APS set (Angelopoulos & Bates 2021, §2.1 "adaptive prediction sets", without the
 * randomization): classes in decreasing probability until their cumulative mass reaches qhat.
 * The class that crosses qhat is included, so the set is never empty and contains every class
 * whose conformal score (mass up to and including it) is <= qhat: coverage >= the nominal level.
 * qhat = Infinity (too few calibration studies for the coverage) gives every class.
 */
export function apsSet(p: Record<LesionClass, number>, qhat: number): LesionClass[] {
  const set: LesionClass[] = [];
  let mass = 0;
  for (const c of rankedClasses(p)) {
    set.push(c);
    mass += p[c];
    // The 1e-12 lets a mass equal to qhat up to rounding stop the set (the score <= qhat rule).
    if (mass >= qhat - 1e-12) break;
  }
  return set;
}

/** APS conformal score of the true class: the mass of the classes ranked at or above it. */
export function apsScore(p: Record<LesionClass, number>, truth: LesionClass): number {
  let mass = 0;
  for (const c of rankedClasses(p)) {
    mass += p[c];
    if (c === truth) return mass;
  }
  return mass;
}

/** Minimum calibrated probability of being right for the high and medium bands. */
export interface BandThresholds {
  high: number;
  medium: number;
}

/**
 * The band rule: high when the calibrated probability that the call is right is >= `high`
 * (default 0.90: about 9 calls in 10 like this one are right), medium when >= `medium`
 * (default 0.70), low below. The thresholds are probabilities, so they mean the same on any
 * calibrated model; the manifest records how accurate each band was on the calibration cohort.
 */
export const DEFAULT_BANDS: BandThresholds = { high: 0.9, medium: 0.7 };

export function bandOf(probCorrect: number, bands: BandThresholds): ConfidenceBand {
  if (probCorrect >= bands.high) return "high";
  if (probCorrect >= bands.medium) return "medium";
  return "low";
}

/** What each band tells a nurse (worklist chip and side panel hover). */
export function bandExplanation(band: ConfidenceBand, bands: BandThresholds): string {
  const pct = (v: number): string => `${Math.round(v * 100)}%`;
  switch (band) {
    case "high":
      return `High: the calibrated chance that this call is right is at least ${pct(bands.high)}. Read as usual.`;
    case "medium":
      return `Medium: the calibrated chance that this call is right is ${pct(bands.medium)}-${pct(bands.high)}. Check the images before relying on it.`;
    case "low":
      return `Low: the calibrated chance that this call is right is below ${pct(bands.medium)}. Needs a radiologist's review.`;
  }
}

/** Default close-call margin on calibrated probabilities (issue 11: P 0.40 vs 0.47 is one). */
/**
 * LAC set (Sadinle, Lei & Wasserman 2019, "least ambiguous set-valued classifiers"; the "THR"
 * score of Angelopoulos & Bates 2021 §1): every class whose calibrated probability is at least
 * 1 - qhat. Deterministic APS needs its whole last class to cross qhat, so a model that ranks the
 * true class third in more than 1 - coverage of the studies gets qhat = 1 and sets of every
 * class (measured on the round-5 validation cohort: 100% coverage, mean size 3.0); LAC's score
 * moves continuously with the probability, so its coverage sits at the nominal level with the
 * smallest mean set. Never empty: the most probable class is always in.
 */
export function lacSet(p: Record<LesionClass, number>, qhat: number): LesionClass[] {
  const ranked = rankedClasses(p);
  const set = ranked.filter((c) => 1 - p[c] <= qhat + 1e-12);
  return set.length > 0 ? set : [ranked[0]!];
}

/** LAC conformal score of the true class: 1 - its probability. */
export function lacScore(p: Record<LesionClass, number>, truth: LesionClass): number {
  return 1 - p[truth];
}

/** The set of a conformal method at qhat (Infinity: every class). */
export function conformalSet(
  method: ConformalMethod,
  p: Record<LesionClass, number>,
  qhat: number,
): LesionClass[] {
  return method === "LAC" ? lacSet(p, qhat) : apsSet(p, qhat);
}

export const CONFORMAL_METHODS = ["LAC", "APS"] as const;
export type ConformalMethod = (typeof CONFORMAL_METHODS)[number];

export const DEFAULT_CLOSE_CALL_MARGIN = 0.1;

/** The `calibration` block of the classifier manifest, written by `livercad calibrate`. */
export interface Calibration {
  /** Temperature applied to log study probabilities (temperatureScale). */
  temperature: number;
  /** The score the worklist ranks by: lowest AURC on the calibration cohort. */
  rankScore: ScoreName;
  /** AURC of every candidate on the calibration cohort (lower = better failure detection). */
  aurc: Record<ScoreName, number | null>;
  /** Expected calibration error (15 equal-width bins) before and after temperature scaling. */
  ece: { bins: number; before: number | null; after: number | null };
  conformal: {
    method: ConformalMethod;
    coverage: number;
    qhat: number | null;
    calibrationSize: number;
  };
  bands: BandThresholds & {
    /** Accuracy of the calibration cohort's studies in each band (null: none in the band). */
    accuracy: Record<ConfidenceBand, number | null>;
    count: Record<ConfidenceBand, number>;
  };
  closeCallMargin: number;
  provenance: {
    /** The results file fitted on, as given on the command line. */
    cohort: string;
    studies: number;
    /** Studies that entered the fit (analyzed, with a truth label). */
    fitted: number;
    truthSha256: string;
    /** Latest analysis time recorded in the results (their `analyzedAt`), or null. */
    resultsDate: string | null;
    appVersion: string;
  };
}

/**
 * The nurse's reading of one analyzed study under a manifest's calibration. The conformal set
 * uses the calibrated probabilities (the threshold was fitted on them); an absent qhat (null:
 * more coverage asked than the calibration cohort can certify) gives every class.
 */
export function assess(
  probabilities: Record<LesionClass, number>,
  scores: ConfidenceScores,
  calibration: Calibration,
): Assessment {
  const calibrated = temperatureScale(probabilities, calibration.temperature);
  const [first, second] = rankedClasses(calibrated);
  const probCorrect = calibrated[first!];
  return {
    calibratedProbabilities: calibrated,
    probCorrect,
    band: bandOf(probCorrect, calibration.bands),
    closeCall: probCorrect - calibrated[second!] < calibration.closeCallMargin,
    predictionSet: conformalSet(
      calibration.conformal.method,
      calibrated,
      calibration.conformal.qhat ?? Number.POSITIVE_INFINITY,
    ),
    coverage: calibration.conformal.coverage,
    rankScore: scores[calibration.rankScore],
    rankScoreName: calibration.rankScore,
  };
}
