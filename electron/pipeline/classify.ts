// Stage 5, classify. In: [R, 5, S, S] ROI crops, the classifier's backbone and head runners.
// Out: per ROI, T Monte-Carlo dropout samples summarized as mean probabilities and variances.
import { mutualInformation } from "../contract/calibration";
import type { PipelineConfig } from "./config";
import { dropoutMasks, seededRandom } from "./random";
import type {
  BackboneRunner,
  HeadRunner,
  MonteCarloRunner,
  RoiClassification,
  Tensor,
} from "./types";

export interface ClassifyModel {
  backbone: BackboneRunner;
  head: HeadRunner;
  /** Optional one-call path (the inference worker's); classify() falls back to backbone + head. */
  monteCarlo?: MonteCarloRunner;
  /**
   * The head's column of a rejection output ("not a lesion"), if it has one: its probability is
   * reported per ROI and the lesion classes are a softmax over the other columns.
   */
  rejectIndex?: number;
}

/** ROIs per call: bounds memory for paper-scale models (16 crops, 16 * T head rows). */
const ROI_CHUNK = 16;
const HEAD_ROWS = 4096;

/**
 * Paper, "Lesion Characterization": dropout p = 0.2 before the final fully-connected layer, each
 * ROI forward-passed 100 times. Everything before that dropout is deterministic, so the backbone
 * runs once per ROI and only dropout + FC run T times: the same distribution as T full passes at
 * about one pass of cost. The masks are an explicit head input drawn from a seeded PRNG, rather
 * than a Dropout node, because (1) onnxruntime's default graph optimization deletes Dropout
 * nodes, even with training_mode=true, so the samples would all be equal (FIELD-NOTES; checked by
 * test/inference/mc-dropout.test.ts), and turning that optimizer off by name is tied to one ORT
 * version and provider; (2) a recorded seed then reproduces a run bit for bit on any provider;
 * (3) the split can be tested against the full graph under identical masks.
 * Each chunk of ROIs has its own mask seed (chunkSeed), so the masks can be drawn where the head
 * runs: the inference worker draws them while the backbone runs and only [R, F] features and
 * [R * T, C] logits cross the process boundary (bench:pipeline, mc_overhead_ratio).
 */
export async function classify(
  crops: Tensor,
  model: ClassifyModel,
  config: Pick<PipelineConfig, "mcSamples" | "dropoutP" | "seed">,
): Promise<RoiClassification[]> {
  const [roiCount = 0] = crops.dims;
  if (roiCount === 0) return [];
  const perRoi = crops.data.length / roiCount;
  const T = config.mcSamples;
  const chunk = Math.max(1, Math.min(ROI_CHUNK, Math.floor(HEAD_ROWS / T)));
  const results: RoiClassification[] = [];
  for (let r0 = 0, k = 0; r0 < roiCount; r0 += chunk, k++) {
    const n = Math.min(chunk, roiCount - r0);
    const part = {
      dims: [n, ...crops.dims.slice(1)],
      data: crops.data.subarray(r0 * perRoi, (r0 + n) * perRoi),
    };
    const seed = chunkSeed(config.seed, k);
    const logits = model.monteCarlo
      ? await model.monteCarlo(part, T, config.dropoutP, seed)
      : await splitPasses(part, model, T, config.dropoutP, seed);
    const classes = logits.data.length / (n * T);
    if (logits.dims[0] !== n * T || !Number.isInteger(classes)) {
      throw new Error(`Head returned dims [${logits.dims}] for ${n * T} rows.`);
    }
    for (let r = 0; r < n; r++) {
      const rows = logits.data.subarray(r * T * classes, (r + 1) * T * classes);
      const reject = model.rejectIndex;
      if (reject === undefined) {
        results.push(summarizeSamples(softmaxRows(rows, classes), T, classes));
        continue;
      }
      if (!(reject >= 0 && reject < classes)) {
        throw new Error(`Rejection output ${reject} is outside the head's ${classes} columns.`);
      }
      const all = softmaxRows(rows, classes);
      let rejectProbability = 0;
      for (let t = 0; t < T; t++) rejectProbability += all[t * classes + reject]! / T;
      const lesion = softmaxRows(withoutColumn(rows, classes, reject), classes - 1);
      results.push({ ...summarizeSamples(lesion, T, classes - 1), rejectProbability });
    }
  }
  return results;
}

/** The mask seed of the k-th chunk of ROIs: the run's seed for the first, derived after it. */
export function chunkSeed(seed: number, k: number): number {
  return k === 0 ? seed >>> 0 : (seed + Math.imul(k, 0x9e3779b9)) >>> 0;
}

/** Each of `rois` feature rows repeated `samples` times: the head's [R * T, F] features. */
export function tileRows(
  features: Float32Array,
  rois: number,
  featureSize: number,
  samples: number,
): Float32Array {
  const tiled = new Float32Array(rois * samples * featureSize);
  for (let r = 0; r < rois; r++) {
    const row = features.subarray(r * featureSize, (r + 1) * featureSize);
    for (let t = 0; t < samples; t++) tiled.set(row, (r * samples + t) * featureSize);
  }
  return tiled;
}

/** The head's masks for one chunk: [R * T, F] from the chunk's seed (chunkSeed). */
export function chunkMasks(
  rois: number,
  featureSize: number,
  samples: number,
  dropoutP: number,
  seed: number,
): Float32Array {
  return dropoutMasks(seededRandom(seed), rois * samples, featureSize, dropoutP);
}

/** Backbone once, then the head on T tiled copies of each feature row with their masks. */
async function splitPasses(
  crops: Tensor,
  model: ClassifyModel,
  samples: number,
  dropoutP: number,
  seed: number,
): Promise<Tensor> {
  const n = crops.dims[0]!;
  const out = await model.backbone(crops);
  const featureSize = out.data.length / n;
  if (out.dims[0] !== n || !Number.isInteger(featureSize)) {
    throw new Error(`Backbone returned dims [${out.dims}] for ${n} crops.`);
  }
  const dims = [n * samples, featureSize];
  return model.head(
    { dims, data: tileRows(out.data, n, featureSize, samples) },
    { dims, data: chunkMasks(n, featureSize, samples, dropoutP, seed) },
  );
}

/** A [rows, classes] array without column `drop`: [rows, classes - 1]. */
function withoutColumn(data: Float32Array, classes: number, drop: number): Float32Array {
  const rows = data.length / classes;
  const out = new Float32Array(rows * (classes - 1));
  for (let o = 0, w = 0; o < data.length; o += classes) {
    for (let c = 0; c < classes; c++) if (c !== drop) out[w++] = data[o + c]!;
  }
  return out;
}

/** Numerically stable softmax of each row of a [rows, classes] array. */
export function softmaxRows(logits: Float32Array, classes: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let o = 0; o < logits.length; o += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[o + c] = Math.exp(logits[o + c]! - max);
    for (let c = 0; c < classes; c++) out[o + c]! /= sum;
  }
  return out;
}

/**
 * Mean and across-sample variance per class of T probability vectors [T, classes]. The variance
 * uses the unbiased divisor T - 1 because the T samples estimate the spread of the model's
 * predictive distribution (at T = 100 the difference from 1/T is 1%); one sample has variance 0.
 * The ROI's variance is the mean of the per-class variances (aggregate.ts says why); its mutual
 * information (a candidate confidence score, issue 11 §3) needs the samples, so it is taken here.
 */
export function summarizeSamples(
  probs: ArrayLike<number>,
  T: number,
  classes: number,
): RoiClassification {
  const mean = new Array<number>(classes).fill(0);
  const variance = new Array<number>(classes).fill(0);
  for (let t = 0; t < T; t++)
    for (let c = 0; c < classes; c++) mean[c]! += probs[t * classes + c]! / T;
  if (T > 1) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < classes; c++) variance[c]! += (probs[t * classes + c]! - mean[c]!) ** 2;
    }
    for (let c = 0; c < classes; c++) variance[c]! /= T - 1;
  }
  return {
    meanProbabilities: mean,
    classVariances: variance,
    variance: variance.reduce((s, v) => s + v, 0) / classes,
    mutualInformation: mutualInformation(probs, T, classes),
    samples: T,
  };
}
