// What a triage nurse reads next to a verdict (issue 11 §3), and the one rule for "the N% most
// confident" that the worklist, the CLI's worklist and `livercad evaluate` all use.
import type { LesionClass } from "./domain";

/** How far a nurse can rely on the call, from its calibrated probability of being right. */
export type ConfidenceBand = "high" | "medium" | "low";

/**
 * The calibrated reading of one study's analysis. `confidence` (the paper's 1 - mean MC variance)
 * stays on the analysis itself for the paper's evaluation; this is what the worklist ranks by and
 * what the nurse sees.
 */
export interface Assessment {
  /** Study probabilities after the classifier manifest's calibration (temperature scaling). */
  calibratedProbabilities: Record<LesionClass, number>;
  /** Calibrated probability that the predicted class is right (0..1; shown as a percentage). */
  probCorrect: number;
  band: ConfidenceBand;
  /** The two most probable classes are within the manifest's close-call margin. */
  closeCall: boolean;
  /** Split-conformal prediction set at `coverage` (e.g. ["HCC"] or ["HCC", "ICC"]). */
  predictionSet: LesionClass[];
  /** Nominal coverage of the prediction set (e.g. 0.9). */
  coverage: number;
  /** The score the worklist ranks by (higher = more confident) and its name. */
  rankScore: number;
  rankScoreName: string;
}

/**
 * How many of `scored` studies form "the N% most confident": round(N% x scored), halves up, the
 * 1e-9 keeping exact products such as 10 x 0.7 exact. 6 studies at 70% keep 4.
 */
export function confidentCount(scored: number, topPercent: number): number {
  if (scored <= 0 || topPercent <= 0) return 0;
  return Math.min(scored, Math.floor((scored * topPercent) / 100 + 0.5 + 1e-9));
}
