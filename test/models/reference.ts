// Shared by the model tests: feeds a model folder the deterministic input its training recorded
// (native-models/training/train.py `fixed_input`) through the app's own runners and onnxruntime,
// and compares with the PyTorch outputs recorded at export time.
import type { InferenceEngine } from "../../electron/inference/engine";
import type { LoadedModel } from "../../electron/inference/model-store";
import { openClassifier, openDetector } from "../../electron/inference/runners";
import type { Tensor } from "../../electron/pipeline/types";

export interface Sampled {
  indices: number[];
  values: number[];
  sum: number;
  dims: number[];
}
export interface Reference {
  input: { dims: number[] };
  outputs: Record<string, Sampled>;
}

/** Value i of the flat tensor is ((i * 7919) mod 1000) / 1000, as in train.py. */
export function fixedInput(dims: number[]): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 7919) % 1000) / 1000;
  return { dims, data };
}

/** The head mask of the reference: each row [0, 1.25, 0, 1.25, ...] (inverted dropout, p = 0.2). */
export function alternatingMask(rows: number, features: number): Tensor {
  const data = new Float32Array(rows * features);
  for (let i = 0; i < data.length; i++) data[i] = (i % features) % 2 === 0 ? 0 : 1.25;
  return { dims: [rows, features], data };
}

/** Largest |onnxruntime - PyTorch| over the recorded values, scaled by max(1, |PyTorch|). */
export function worstError(t: Tensor, ref: Sampled): number {
  if (t.dims.join() !== ref.dims.join()) {
    throw new Error(`dims [${t.dims}] differ from the recorded [${ref.dims}]`);
  }
  let worst = 0;
  ref.indices.forEach((idx, k) => {
    const want = ref.values[k]!;
    worst = Math.max(worst, Math.abs(t.data[idx]! - want) / Math.max(1, Math.abs(want)));
  });
  let sum = 0;
  for (const v of t.data) sum += v;
  return Math.max(worst, Math.abs(sum - ref.sum) / Math.max(1, Math.abs(ref.sum)) / 10);
}

/** Runs the model on the recorded input; returns the worst relative error per output. */
export async function compareWithReference(
  engine: InferenceEngine,
  model: LoadedModel,
  ref: Reference,
): Promise<Record<string, number>> {
  const input = fixedInput(ref.input.dims);
  if (model.manifest.task === "detector") {
    const d = await openDetector(engine, model);
    const out = await d.run(input);
    const errors: Record<string, number> = {
      hm: worstError(out.heatmap, ref.outputs.hm!),
      wh: worstError(out.size, ref.outputs.wh!),
    };
    if (out.offset) errors.reg = worstError(out.offset, ref.outputs.reg!);
    return errors;
  }
  const c = await openClassifier(engine, model);
  const features = await c.backbone(input);
  const [rows = 0, size = 0] = features.dims;
  const ones = { dims: [rows, size], data: new Float32Array(rows * size).fill(1) };
  return {
    features: worstError(features, ref.outputs.features!),
    logitsOnes: worstError(await c.head(features, ones), ref.outputs.logitsOnes!),
    logitsMask: worstError(
      await c.head(features, alternatingMask(rows, size)),
      ref.outputs.logitsMask!,
    ),
  };
}
