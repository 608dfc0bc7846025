// Data passed between the CAD stages (prepare -> localize -> fuse -> crop -> classify -> aggregate)
// and the model-runner signatures the stages receive, so that stages never see onnxruntime.
import type { ConfidenceScores } from "../contract/calibration";
import type { Assessment } from "../contract/confidence";
import type { LesionClass, SequenceId, Vec3 } from "../contract/domain";
import type { VolumeGeometry } from "../contract/volume";

/** A dense float32 tensor, row-major, as exchanged with a model runner. */
export interface Tensor {
  dims: number[];
  data: Float32Array;
}

/** What a CenterNet detector returns for a batch of N slices (CenterNet, Zhou et al. 2019). */
export interface DetectorOutput {
  /** [N, K, h, w] per-class centre heatmap. */
  heatmap: Tensor;
  /** [N, 2, h, w] box width and height in output-grid pixels (CenterNet's convention). */
  size: Tensor;
  /** [N, 2, h, w] sub-cell centre offset (x, y) in output-grid pixels, when the model has one. */
  offset?: Tensor;
}

/** How to read a detector's outputs: declared by the model's manifest, never guessed. */
export interface DetectorDecoding {
  /** Input pixels per output-grid pixel (CenterNet's down ratio, 4 for DLA34). */
  outputStride: number;
  /** "sigmoid" when the heatmap output holds logits; "none" when it holds probabilities. */
  heatmapActivation: "sigmoid" | "none";
}

export type DetectorRunner = (input: Tensor) => Promise<DetectorOutput>;
/** Classifier backbone: [R, 5, S, S] crops -> [R, F] features. */
export type BackboneRunner = (crops: Tensor) => Promise<Tensor>;
/** Classifier head: features [M, F] times dropout masks [M, F] -> final FC -> logits [M, C]. */
export type HeadRunner = (features: Tensor, masks: Tensor) => Promise<Tensor>;
/**
 * Backbone and Monte-Carlo head in one call, for runners that sit across a process boundary:
 * [R, 5, S, S] crops -> logits [R * T, C], row r * T + t = ROI r, sample t, with the masks of
 * `tileRows` and `chunkMasks` (classify.ts). Equal to the split path.
 */
export type MonteCarloRunner = (
  crops: Tensor,
  samples: number,
  dropoutP: number,
  seed: number,
) => Promise<Tensor>;

/** One sequence prepared for its detector: a resampled slice stack with 1 or 2 channels. */
export interface DetectorInput {
  sequence: SequenceId;
  /** The detector grid (same orientation and slice positions as the series, square in-plane). */
  geometry: VolumeGeometry;
  /** Channel names in order, e.g. ["T1_arterial", "T2"] (paper: T2 as the second channel). */
  channels: SequenceId[];
  /** [slices, channels, rows, columns] normalized intensities. */
  data: Float32Array;
}

/** A detector box on one slice of a detector grid, in pixel-index coordinates of that grid. */
export interface Detection {
  sequence: SequenceId;
  sliceIndex: number;
  /** Box centre (column i, row j), where integer values are pixel centres. */
  cx: number;
  cy: number;
  /** Box width (along i) and height (along j) in pixels. */
  w: number;
  h: number;
  score: number;
}

/** A fused region of interest on one slice of the reference frame. */
export interface Roi {
  /** Slice of the reference frame the votes were counted on. */
  sliceIndex: number;
  /** Centre in reference-frame pixel indices and in patient coordinates (LPS, mm). */
  cx: number;
  cy: number;
  centerMm: Vec3;
  /** Mean width and height of the covering boxes, in reference pixels and in mm. */
  w: number;
  h: number;
  widthMm: number;
  heightMm: number;
  /** The ROI score of `config.roiScore`: consensus over the detectors, or the covering boxes' mean. */
  score: number;
  /** How many detector boxes cover the ROI's centre, and from which sequences. */
  votes: number;
  sequences: SequenceId[];
  /** 1 = most confident ROI of the study. */
  rank: number;
}

/** Monte-Carlo classification of one ROI. */
export interface RoiClassification {
  /** Mean over the T samples of the softmax probabilities, in the model's class order. */
  meanProbabilities: number[];
  /** Per class, the across-sample variance of the softmax probability (divisor T - 1). */
  classVariances: number[];
  /** Mean of classVariances: the ROI's uncertainty (see aggregate.ts for why). */
  variance: number;
  /**
   * Mutual information between the prediction and the dropout masks over the T samples
   * (contract/calibration.ts mutualInformation): needs the samples, so it is computed here.
   */
  mutualInformation: number;
  samples: number;
  /**
   * A classifier with a rejection output ("not a lesion", manifest `rejectClass`): the mean over
   * the T samples of that output's softmax probability. The fields above are then the lesion
   * classes' alone (a softmax over their logits). Absent for a classifier without one.
   */
  rejectProbability?: number;
}

export type StudyOutcome =
  | { status: "no-roi" }
  | {
      status: "analyzed";
      probabilities: Record<LesionClass, number>;
      prediction: LesionClass;
      uncertainty: number;
      confidence: number;
      /** The five candidate confidence scores (issue 11 §3; `paper` = confidence). */
      scores: ConfidenceScores;
      /** The nurse's reading under the classifier's calibration; null without one. */
      assessment: Assessment | null;
    };
