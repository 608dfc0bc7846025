// Fits the classifier's calibration on a validation cohort (issue 11 §3, `livercad calibrate`):
// matched cases in, the manifest's `calibration` block (less its provenance) and a report out.
// Pure: reading the files, hashing the truth and writing the manifest are the command's.
import {
  DEFAULT_BANDS,
  DEFAULT_CLOSE_CALL_MARGIN,
  SCORE_NAMES,
  bandOf,
  rankedClasses,
  temperatureScale,
  type BandThresholds,
  type Calibration,
  type ScoreName,
} from "../contract/calibration";
import type { ConfidenceBand } from "../contract/confidence";
import type { LesionClass } from "../contract/domain";
import {
  ECE_BINS,
  aurc,
  conformalReport,
  eAurc,
  ece,
  fitAps,
  fitLac,
  fitTemperature,
  topCalls,
  type LabeledProbabilities,
} from "./confidence-metrics";
import type { EvalCase } from "./metrics";

/** Fewer analyzed studies than this cannot support a temperature, a quantile and bands. */
export const MIN_CALIBRATION_STUDIES = 10;

export interface CalibrateOptions {
  /** Nominal coverage of the conformal sets (default 0.9). */
  coverage?: number;
  /** Close-call margin on calibrated probabilities (default DEFAULT_CLOSE_CALL_MARGIN). */
  margin?: number;
  bands?: BandThresholds;
}

export interface CalibrationFit {
  calibration: Omit<Calibration, "provenance">;
  /** Studies that entered the fit, and why the others did not (one line per study). */
  fitted: number;
  skipped: string[];
  /** E-AURC of each score (AURC minus the oracle's), beside the AURCs in the block. */
  eAurc: Record<ScoreName, number>;
  /** Accuracy of the fitted studies (the risk at full coverage is 1 minus this). */
  accuracy: number;
  /** Coverage and mean set size of the fitted sets on the fitting cohort itself. */
  conformal: { coverage: number; meanSetSize: number };
  /** Deterministic APS at the same coverage, for comparison (not used by the sets). */
  aps: { qhat: number | null; coverage: number; meanSetSize: number };
  closeCalls: { count: number; accuracy: number };
}

const nullIfNaN = (v: number): number | null => (Number.isNaN(v) ? null : v);

/**
 * The fit, in order:
 * 1. the rank score: the candidate with the lowest AURC on the cohort (Geifman & El-Yaniv 2017;
 *    ties go to the earlier name in SCORE_NAMES), every AURC kept;
 * 2. the temperature minimizing the NLL of the true classes (Guo et al. 2017), ECE before/after;
 * 3. the APS threshold at `coverage` on the calibrated probabilities (split conformal,
 *    Angelopoulos & Bates 2021). The same cohort fits the temperature and the threshold: one
 *    parameter fitted first barely moves the scores' exchangeability, and `evaluate` verifies
 *    the coverage on a held-out cohort;
 * 4. the band thresholds (a fixed rule on calibrated probability, contract/calibration.ts) with
 *    the accuracy each band had here, and the close-call margin.
 * A study enters when it was analyzed, has a truth label, probabilities and the five scores.
 */
export function fitCalibration(cases: EvalCase[], options: CalibrateOptions = {}): CalibrationFit {
  const coverage = options.coverage ?? 0.9;
  const margin = options.margin ?? DEFAULT_CLOSE_CALL_MARGIN;
  const bands = options.bands ?? DEFAULT_BANDS;
  if (!(coverage > 0 && coverage < 1)) {
    throw new RangeError(`coverage must lie strictly between 0 and 1, got ${coverage}`);
  }
  if (!(margin >= 0 && margin <= 1)) {
    throw new RangeError(`margin must lie in 0..1, got ${margin}`);
  }
  const skipped: string[] = [];
  const used: (EvalCase & {
    probabilities: Record<LesionClass, number>;
    prediction: LesionClass;
  })[] = [];
  for (const c of cases) {
    if (c.status !== "analyzed") skipped.push(`${c.studyInstanceUid}: status ${c.status}`);
    else if (!c.probabilities || !c.prediction) {
      skipped.push(`${c.studyInstanceUid}: analyzed without probabilities`);
    } else if (!c.scores) {
      skipped.push(`${c.studyInstanceUid}: no confidence scores (analyzed before issue 11)`);
    } else used.push(c as (typeof used)[number]);
  }
  if (used.length < MIN_CALIBRATION_STUDIES) {
    throw new RangeError(
      `only ${used.length} analyzed studies with scores; calibration needs at least ` +
        `${MIN_CALIBRATION_STUDIES}`,
    );
  }
  const aurcs = {} as Record<ScoreName, number | null>;
  const eAurcs = {} as Record<ScoreName, number>;
  let rankScore: ScoreName = SCORE_NAMES[0];
  let best = Number.POSITIVE_INFINITY;
  for (const s of SCORE_NAMES) {
    const calls = used.map((c) => ({ score: c.scores![s], correct: c.prediction === c.truth }));
    const a = aurc(calls);
    aurcs[s] = nullIfNaN(a);
    eAurcs[s] = eAurc(calls);
    if (a < best - 1e-12) {
      best = a;
      rankScore = s;
    }
  }
  const labeled: LabeledProbabilities[] = used.map((c) => ({
    probabilities: c.probabilities,
    truth: c.truth,
  }));
  const temperature = fitTemperature(labeled);
  const calibrated = labeled.map((c) => ({
    probabilities: temperatureScale(c.probabilities, temperature),
    truth: c.truth,
  }));
  // LAC sets (calibration.ts lacSet): deterministic APS degenerates to every class whenever the
  // true class is ranked last in more than 1 - coverage of the studies; APS is still reported.
  const qhat = fitLac(calibrated, coverage);
  const apsQhat = fitAps(calibrated, coverage);
  const counts: Record<ConfidenceBand, number> = { high: 0, medium: 0, low: 0 };
  const right: Record<ConfidenceBand, number> = { high: 0, medium: 0, low: 0 };
  let closeCount = 0;
  let closeRight = 0;
  for (const c of calibrated) {
    const [first, second] = rankedClasses(c.probabilities);
    const p = c.probabilities[first!];
    const band = bandOf(p, bands);
    counts[band]++;
    if (first === c.truth) right[band]++;
    if (p - c.probabilities[second!] < margin) {
      closeCount++;
      if (first === c.truth) closeRight++;
    }
  }
  const accuracyOf = (b: ConfidenceBand): number | null =>
    counts[b] === 0 ? null : right[b] / counts[b];
  return {
    calibration: {
      temperature,
      rankScore,
      aurc: aurcs,
      ece: {
        bins: ECE_BINS,
        before: nullIfNaN(ece(topCalls(labeled), ECE_BINS)),
        after: nullIfNaN(ece(topCalls(calibrated), ECE_BINS)),
      },
      conformal: { method: "LAC", coverage, qhat, calibrationSize: used.length },
      bands: {
        high: bands.high,
        medium: bands.medium,
        accuracy: {
          high: accuracyOf("high"),
          medium: accuracyOf("medium"),
          low: accuracyOf("low"),
        },
        count: counts,
      },
      closeCallMargin: margin,
    },
    fitted: used.length,
    skipped,
    eAurc: eAurcs,
    accuracy: used.filter((c) => c.prediction === c.truth).length / used.length,
    conformal: conformalReport(calibrated, qhat, "LAC"),
    aps: { qhat: apsQhat, ...conformalReport(calibrated, apsQhat, "APS") },
    closeCalls: {
      count: closeCount,
      accuracy: closeCount === 0 ? Number.NaN : closeRight / closeCount,
    },
  };
}
