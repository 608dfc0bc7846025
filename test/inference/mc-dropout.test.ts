import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceEngine } from "../../electron/inference/engine";
import { loadModel, sha256Hex, type ResolvedFile } from "../../electron/inference/model-store";
import { openClassifier, type OpenClassifier } from "../../electron/inference/runners";
import { classify, softmaxRows } from "../../electron/pipeline/classify";
import { dropoutMasks, seededRandom } from "../../electron/pipeline/random";
import { buildWorker, FIXTURES, modelFolder } from "./helpers";

const T = 100;
const F = 6;
const P = 0.2;
let root: string;
let worker: { path: string; remove: () => void };
let engine: InferenceEngine;
let classifier: OpenClassifier;

function fixture(name: string): ResolvedFile {
  const absolutePath = join(FIXTURES, name);
  const sha256 = sha256Hex(readFileSync(absolutePath));
  return { path: name, absolutePath, sha256, inputs: [], outputs: [] };
}

/** Deterministic crops [n, 5, 8, 8]. */
function crops(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return new Float32Array(n * 5 * 64).map(() => r() * 2 - 1);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "livercad-mc-"));
  worker = await buildWorker();
  engine = new InferenceEngine({ workerPath: worker.path, providers: ["cpu"] });
  classifier = await openClassifier(engine, loadModel(root, modelFolder(root, "classifier")));
});
afterAll(async () => {
  await engine.close();
  worker.remove();
  rmSync(root, { recursive: true, force: true });
});

describe("Monte-Carlo dropout through onnxruntime", () => {
  it("a Dropout node in training mode is deleted by onnxruntime's default optimizer (why the head takes masks)", async () => {
    await engine.load("dropout", "fixture", fixture("classifier_dropout.onnx"));
    const input = { crops: { dims: [1, 5, 8, 8], data: crops(1, 1) } };
    const first = (await engine.run("dropout", input)).logits!.data;
    for (let i = 0; i < 10; i++) {
      expect((await engine.run("dropout", input)).logits!.data).toEqual(first);
    }
  });

  it("the worker's one-call path equals backbone + head run from the caller, chunk by chunk", async () => {
    // 20 ROIs: two chunks (16 + 4), each with its own mask seed.
    const input = { dims: [20, 5, 8, 8], data: crops(20, 5) };
    const config = { mcSamples: T, dropoutP: P, seed: 9 };
    const oneCall = await classify(input, classifier, config);
    const split = await classify(
      input,
      { backbone: classifier.backbone, head: classifier.head },
      config,
    );
    expect(oneCall).toHaveLength(20);
    for (let r = 0; r < 20; r++) {
      for (let c = 0; c < 3; c++) {
        expect(oneCall[r]!.meanProbabilities[c]).toBeCloseTo(split[r]!.meanProbabilities[c]!, 6);
        expect(oneCall[r]!.classVariances[c]).toBeCloseTo(split[r]!.classVariances[c]!, 8);
      }
      expect(oneCall[r]!.variance).toBeGreaterThan(0);
    }
  });

  it("samples with seeded masks really differ: variance > 0 for every ROI", async () => {
    const res = await classify({ dims: [3, 5, 8, 8], data: crops(3, 2) }, classifier, {
      mcSamples: T,
      dropoutP: P,
      seed: 42,
    });
    expect(res).toHaveLength(3);
    for (const r of res) {
      expect(r.samples).toBe(T);
      expect(r.variance).toBeGreaterThan(1e-6);
      expect(r.meanProbabilities.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    }
  });

  it("backbone once + head on T masks equals the full graph run T times under the same masks (1e-5)", async () => {
    await engine.load("full", "fixture", fixture("classifier_full.onnx"));
    const crop = crops(1, 3);
    const masks = dropoutMasks(seededRandom(7), T, F, P);
    const features = await classifier.backbone({ dims: [1, 5, 8, 8], data: crop });
    expect(features.dims).toEqual([1, F]);
    const tiled = new Float32Array(T * F);
    for (let t = 0; t < T; t++) tiled.set(features.data, t * F);
    const split = await classifier.head(
      { dims: [T, F], data: tiled },
      { dims: [T, F], data: masks },
    );
    expect(split.dims).toEqual([T, 3]);
    const full = new Float32Array(T * 3);
    for (let t = 0; t < T; t++) {
      const out = await engine.run("full", {
        crops: { dims: [1, 5, 8, 8], data: crop },
        mask: { dims: [1, F], data: masks.slice(t * F, (t + 1) * F) },
      });
      full.set(out.logits!.data, t * 3);
    }
    let maxDiff = 0;
    for (let i = 0; i < full.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(full[i]! - split.data[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
    // And the samples are not all one value (the masks matter).
    expect(new Set(Array.from(split.data.filter((_, i) => i % 3 === 0))).size).toBeGreaterThan(10);

    // The pipeline's classify() draws the same masks from the same seed: its mean equals the
    // full graph's mean softmax over those T passes.
    const [roi] = await classify({ dims: [1, 5, 8, 8], data: crop }, classifier, {
      mcSamples: T,
      dropoutP: P,
      seed: 7,
    });
    const probs = softmaxRows(full, 3);
    for (let c = 0; c < 3; c++) {
      let m = 0;
      for (let t = 0; t < T; t++) m += probs[t * 3 + c]! / T;
      expect(roi!.meanProbabilities[c]).toBeCloseTo(m, 5);
    }
  });
});
