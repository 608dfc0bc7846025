// Stage 2, localize. In: each sequence's DetectorInput + that sequence's detector runner.
// Out: CenterNet boxes (score >= threshold) per slice, in the detector grid's pixel indices.
import type { SequenceId } from "../contract/domain";
import type { PipelineConfig } from "./config";
import type {
  Detection,
  DetectorDecoding,
  DetectorInput,
  DetectorOutput,
  DetectorRunner,
} from "./types";

export interface LocalizeModel {
  run: DetectorRunner;
  decoding: DetectorDecoding;
}

/**
 * Runs every detector over every slice of its sequence, `detectorBatch` slices per call, and
 * decodes the boxes. Sequences run one after another: onnxruntime already uses every core within
 * one call, so running detectors concurrently only adds memory (paper: five 2D detectors, one per
 * sequence; "Key ROI Localization").
 */
export async function localize(
  inputs: DetectorInput[],
  models: Partial<Record<SequenceId, LocalizeModel>>,
  config: Pick<PipelineConfig, "scoreThreshold" | "maxPeaksPerSlice" | "detectorBatch">,
): Promise<Detection[]> {
  const detections: Detection[] = [];
  for (const input of inputs) {
    const model = models[input.sequence];
    if (model === undefined) throw new Error(`No detector for sequence ${input.sequence}.`);
    const { columns, rows, slices } = input.geometry;
    const channels = input.channels.length;
    const sliceLen = channels * rows * columns;
    if (input.data.length !== slices * sliceLen) {
      throw new Error(
        `${input.sequence} detector input holds ${input.data.length} values, expected ${slices}x${channels}x${rows}x${columns}.`,
      );
    }
    for (let k0 = 0; k0 < slices; k0 += config.detectorBatch) {
      const n = Math.min(config.detectorBatch, slices - k0);
      const data = input.data.subarray(k0 * sliceLen, (k0 + n) * sliceLen);
      const out = await model.run({ dims: [n, channels, rows, columns], data });
      for (let b = 0; b < n; b++) {
        for (const box of decodeCenterNet(out, b, model.decoding, config)) {
          detections.push({ sequence: input.sequence, sliceIndex: k0 + b, ...box });
        }
      }
    }
  }
  return detections;
}

export type DecodedBox = Pick<Detection, "cx" | "cy" | "w" | "h" | "score">;

/**
 * CenterNet decoding of batch item `b` (Zhou et al. 2019, "Objects as Points" §4, `ctdet_decode`):
 * a heatmap value is a peak when it equals the maximum of its 3x3 neighbourhood (their max-pool
 * NMS, with -inf padding at the border); the highest `maxPeaksPerSlice` peaks over all classes are
 * kept if their score is >= scoreThreshold (paper: ROIs under 0.5 removed). Output-cell x with
 * offset o covers input pixels [x*s, x*s + s) in corner coordinates, so its centre in pixel-index
 * coordinates (integer = pixel centre) is (x + o) * s - 0.5. A model without an offset head gets
 * o = 0.5, the cell centre, which halves CenterNet's worst-case quantization error versus o = 0.
 */
export function decodeCenterNet(
  out: DetectorOutput,
  b: number,
  decoding: DetectorDecoding,
  config: Pick<PipelineConfig, "scoreThreshold" | "maxPeaksPerSlice">,
): DecodedBox[] {
  const [, classes = 0, h = 0, w = 0] = out.heatmap.dims;
  checkDims("size", out.size.dims, out.heatmap.dims);
  if (out.offset) checkDims("offset", out.offset.dims, out.heatmap.dims);
  const plane = h * w;
  const hm = out.heatmap.data.subarray(b * classes * plane, (b + 1) * classes * plane);
  const score =
    decoding.heatmapActivation === "sigmoid"
      ? (v: number): number => 1 / (1 + Math.exp(-v))
      : (v: number): number => v;
  const peaks: { score: number; x: number; y: number }[] = [];
  for (let c = 0; c < classes; c++) {
    const base = c * plane;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = hm[base + y * w + x]!;
        // Cheap reject before the 3x3 test: sigmoid is monotonic, so compare raw values.
        if (score(v) < config.scoreThreshold) continue;
        if (isLocalMax(hm, base, w, h, x, y, v)) peaks.push({ score: score(v), x, y });
      }
    }
  }
  peaks.sort((p, q) => q.score - p.score || p.y - q.y || p.x - q.x);
  const s = decoding.outputStride;
  const sizeBase = b * 2 * plane;
  return peaks.slice(0, config.maxPeaksPerSlice).map(({ score: sc, x, y }) => {
    const at = y * w + x;
    const ox = out.offset ? out.offset.data[sizeBase + at]! : 0.5;
    const oy = out.offset ? out.offset.data[sizeBase + plane + at]! : 0.5;
    return {
      cx: (x + ox) * s - 0.5,
      cy: (y + oy) * s - 0.5,
      w: Math.max(0, out.size.data[sizeBase + at]!) * s,
      h: Math.max(0, out.size.data[sizeBase + plane + at]!) * s,
      score: sc,
    };
  });
}

function isLocalMax(
  hm: Float32Array,
  base: number,
  w: number,
  h: number,
  x: number,
  y: number,
  v: number,
): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= h) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if (xx < 0 || xx >= w) continue;
      // Ties survive, as in CenterNet (hmax == heat keeps every pixel of a flat top).
      if (hm[base + yy * w + xx]! > v) return false;
    }
  }
  return true;
}

function checkDims(name: string, dims: number[], heatmap: number[]): void {
  if (
    dims.length !== 4 ||
    dims[0] !== heatmap[0] ||
    dims[1] !== 2 ||
    dims[2] !== heatmap[2] ||
    dims[3] !== heatmap[3]
  ) {
    throw new Error(
      `Detector ${name} output has dims [${dims}], expected [${heatmap[0]},2,${heatmap[2]},${heatmap[3]}].`,
    );
  }
}
