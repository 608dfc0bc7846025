// Stage 5 helper, classifier views. In: [R, C, S, S] ROI crops. Out: the same crops seen through
// `views` mirror images ([R * views, C, S, S]); after classification, each ROI's views merged
// back into one classification. Test-time augmentation (issue 11 §2): the classifier was trained
// with random flips, so a mirrored crop is as valid an input as the crop itself, and averaging the
// views removes what depends on the crop's orientation rather than on the lesion.
import type { RoiClassification, Tensor } from "./types";

/** The views a config may ask for: 1 (the crop as is, the paper), 2 (+ left-right), 4 (+ up-down, both). */
export const CLASSIFIER_VIEWS = [1, 2, 4] as const;
export type ClassifierViews = (typeof CLASSIFIER_VIEWS)[number];

/** View v of ROI r lands at r * views + v: 0 as is, 1 mirrored left-right, 2 up-down, 3 both. */
export function withViews(crops: Tensor, views: ClassifierViews): Tensor {
  if (views === 1) return crops;
  const [rois = 0, channels = 0, rows = 0, columns = 0] = crops.dims;
  const plane = rows * columns;
  const perRoi = channels * plane;
  const out = new Float32Array(crops.data.length * views);
  for (let r = 0; r < rois; r++) {
    for (let v = 0; v < views; v++) {
      const flipX = (v & 1) === 1;
      const flipY = (v & 2) === 2;
      const dst = (r * views + v) * perRoi;
      for (let c = 0; c < channels; c++) {
        const src = r * perRoi + c * plane;
        for (let y = 0; y < rows; y++) {
          const sy = flipY ? rows - 1 - y : y;
          for (let x = 0; x < columns; x++) {
            const sx = flipX ? columns - 1 - x : x;
            out[dst + c * plane + y * columns + x] = crops.data[src + sy * columns + sx]!;
          }
        }
      }
    }
  }
  return { dims: [rois * views, channels, rows, columns], data: out };
}

/**
 * One classification per ROI from its views: the mean of the views' mean probabilities, class
 * variances, variance and mutual information (each view's T Monte-Carlo samples summarized as
 * before), and the samples of all views counted.
 */
export function mergeViews(
  classified: RoiClassification[],
  views: ClassifierViews,
): RoiClassification[] {
  if (views === 1) return classified;
  if (classified.length % views !== 0) {
    throw new Error(`${classified.length} classifications are not ${views} views per ROI.`);
  }
  const merged: RoiClassification[] = [];
  for (let r = 0; r < classified.length; r += views) {
    const group = classified.slice(r, r + views);
    const meanOf = (pick: (c: RoiClassification) => number): number =>
      group.reduce((s, c) => s + pick(c), 0) / views;
    const classes = group[0]!.meanProbabilities.length;
    merged.push({
      meanProbabilities: Array.from({ length: classes }, (_, k) =>
        meanOf((c) => c.meanProbabilities[k]!),
      ),
      classVariances: Array.from({ length: classes }, (_, k) =>
        meanOf((c) => c.classVariances[k]!),
      ),
      variance: meanOf((c) => c.variance),
      mutualInformation: meanOf((c) => c.mutualInformation),
      samples: group.reduce((s, c) => s + c.samples, 0),
      ...(group[0]!.rejectProbability !== undefined
        ? { rejectProbability: meanOf((c) => c.rejectProbability!) }
        : {}),
    });
  }
  return merged;
}
