// One configuration object for a CAD run: every parameter a result depends on, recorded with the
// run (issue 4 §2) so that an analysis can be reproduced exactly from its provenance.
import type { SequenceId } from "../contract/domain";
import { UsageError } from "../contract/errors";
import { CLASSIFIER_VIEWS, type ClassifierViews } from "./views";

/**
 * Per-volume intensity normalization (issue 4 §2.1). Percentile scaling maps the `low`-th
 * percentile of a volume to 0 and the `high`-th to 1 and clips to [0, 1]. It is chosen over a
 * fixed window or a z-score because MR signal has no absolute unit: vendors, coils and sites
 * differ by arbitrary gains and offsets (issue 5 §1 "other intensity ranges"), and a percentile
 * map is invariant to any positive affine change of intensities, while clipping bounds the effect
 * of a few hot voxels (fat, vessels, DWI T2-shine-through) that would dominate a z-score.
 */
export interface PercentileNormalization {
  kind: "percentile";
  low: number;
  high: number;
}
export type Normalization = PercentileNormalization;

export type RoiScore = "mean" | "consensus";
export const ROI_SCORES: readonly RoiScore[] = ["mean", "consensus"];

export type SliceVoting = "nearest" | "slab";
export const SLICE_VOTINGS: readonly SliceVoting[] = ["nearest", "slab"];

export interface PipelineConfig {
  /** Config layout version, bumped when a field changes meaning. */
  version: 1;
  /** CenterNet peaks below this score are dropped (paper, "Key ROI Localization": 0.5). */
  scoreThreshold: number;
  /** CenterNet keeps at most this many peaks per slice before thresholding (CenterNet's K=100). */
  maxPeaksPerSlice: number;
  /** Fraction of the study's ROIs passed on, most confident first (paper: top 48%, Lai et al.). */
  topFraction: number;
  /**
   * A fused ROI's score, which ranks it for the top fraction. "mean": the mean score of the boxes
   * that cover the winning pixel (the paper's words). "consensus": the mean over every detector
   * that ran, a detector with no box on that pixel counting 0 (its best covering box otherwise),
   * so that a ROI five sequences agree on outranks one a single detector fired on (issue 11 §2).
   */
  roiScore: RoiScore;
  /**
   * Fused ROIs that fewer than this many detectors (distinct sequences) voted for are dropped
   * before the top fraction, unless no ROI of the study reaches it: then all are kept, so that a
   * study is "no-roi" only when nothing was found (paper). 1 keeps every ROI (the paper).
   */
  minDetectors: number;
  /**
   * Which reference slices a detector's box votes on. "nearest": the one nearest its slice's
   * centre, if within half a reference slice. "slab": every reference slice whose centre lies
   * inside the box's slice (its SliceThickness around its centre), so a 6 mm T2 slice votes on
   * both 3 mm venous slices it images; the nearest when it holds no centre. Absent in a stored
   * config: "nearest", what every analysis before the field used.
   */
  sliceVoting: SliceVoting;
  /** The frame in which boxes from the five detectors vote (one slice stack per study). */
  referenceSequence: SequenceId;
  /** Detector input grid: square, centred on each series' in-plane centre, isotropic in-plane. */
  detectorSize: number;
  detectorSpacingMm: number;
  /** Slices per detector call: batching amortizes per-call overhead in onnxruntime. */
  detectorBatch: number;
  /** Classifier crop: cropSize x cropSize pixels covering the ROI's larger side x cropMargin. */
  cropSize: number;
  cropMargin: number;
  /** Lower bound of the crop's side, so that a tiny box still shows its surroundings. */
  cropMinMm: number;
  /**
   * A classifier with a rejection output ("not a lesion"): a ROI whose mean rejection probability
   * reaches this leaves the study's mean and goes after the others in the ROI list (unless every
   * ROI does: then the least rejected one stays, as a study is "no-roi" only when nothing is found).
   */
  rejectThreshold: number;
  /** Monte-Carlo dropout (paper, "Lesion Characterization": p = 0.2 before the last FC, T = 100). */
  mcSamples: number;
  dropoutP: number;
  /**
   * Mirror images of each crop the classifier sees, averaged per ROI (views.ts): 1 the crop as is
   * (the paper), 2 with its left-right mirror, 4 with the up-down and both-ways mirrors too.
   */
  classifierViews: ClassifierViews;
  normalization: Normalization;
  /** Seed of the PRNG that draws the dropout masks: same seed, same masks, same result. */
  seed: number;
}

export const DEFAULT_PIPELINE_CONFIG: Readonly<PipelineConfig> = Object.freeze({
  version: 1,
  scoreThreshold: 0.5,
  maxPeaksPerSlice: 100,
  topFraction: 0.48,
  // Consensus, not the paper's mean: chosen on the validation cohort (issue 11, round 7; README).
  roiScore: "consensus",
  minDetectors: 1,
  sliceVoting: "nearest",
  referenceSequence: "T1_venous",
  detectorSize: 128,
  detectorSpacingMm: 3,
  detectorBatch: 8,
  cropSize: 64,
  cropMargin: 1.5,
  cropMinMm: 24,
  rejectThreshold: 0.5,
  mcSamples: 100,
  dropoutP: 0.2,
  classifierViews: 1,
  normalization: Object.freeze({ kind: "percentile", low: 1, high: 99 }) as Normalization,
  seed: 20260101,
});

/** Merges overrides into the defaults and refuses values that would make a run meaningless. */
export function resolvePipelineConfig(overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  const c: PipelineConfig = {
    ...DEFAULT_PIPELINE_CONFIG,
    ...overrides,
    normalization: { ...(overrides.normalization ?? DEFAULT_PIPELINE_CONFIG.normalization) },
  };
  const problems: string[] = [];
  const inRange = (name: string, v: number, lo: number, hi: number, loOpen = false): void => {
    if (!Number.isFinite(v) || v > hi || (loOpen ? v <= lo : v < lo)) {
      problems.push(`${name}=${v} is outside ${loOpen ? "(" : "["}${lo}, ${hi}]`);
    }
  };
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) problems.push(`${name}=${v} must be a positive integer`);
  };
  inRange("scoreThreshold", c.scoreThreshold, 0, 1);
  inRange("topFraction", c.topFraction, 0, 1, true);
  if (!ROI_SCORES.includes(c.roiScore)) {
    problems.push(`roiScore=${String(c.roiScore)} is not one of ${ROI_SCORES.join(", ")}`);
  }
  if (!SLICE_VOTINGS.includes(c.sliceVoting)) {
    problems.push(`sliceVoting=${String(c.sliceVoting)} is not one of ${SLICE_VOTINGS.join(", ")}`);
  }
  inRange("rejectThreshold", c.rejectThreshold, 0, 1, true);
  inRange("dropoutP", c.dropoutP, 0, 1);
  if (c.dropoutP >= 1) problems.push("dropoutP must be below 1");
  inRange("cropMargin", c.cropMargin, 0, 100, true);
  inRange("cropMinMm", c.cropMinMm, 0, 10000);
  inRange("detectorSpacingMm", c.detectorSpacingMm, 0, 100, true);
  positiveInt("maxPeaksPerSlice", c.maxPeaksPerSlice);
  positiveInt("minDetectors", c.minDetectors);
  if (!CLASSIFIER_VIEWS.includes(c.classifierViews)) {
    problems.push(
      `classifierViews=${String(c.classifierViews)} is not one of ${CLASSIFIER_VIEWS.join(", ")}`,
    );
  }
  positiveInt("detectorSize", c.detectorSize);
  positiveInt("detectorBatch", c.detectorBatch);
  positiveInt("cropSize", c.cropSize);
  positiveInt("mcSamples", c.mcSamples);
  if (!Number.isInteger(c.seed)) problems.push(`seed=${c.seed} must be an integer`);
  const n = c.normalization;
  if (n.kind !== "percentile" || !(n.low >= 0 && n.low < n.high && n.high <= 100)) {
    problems.push(`normalization ${JSON.stringify(n)} needs 0 <= low < high <= 100`);
  }
  if (problems.length > 0) throw new UsageError(`Invalid pipeline config: ${problems.join("; ")}`);
  return c;
}
