// Shared by the inference tests: the worker bundle, and model folders made from the tiny ONNX
// fixtures (test/fixtures/models/make_tiny_models.py) with manifests carrying their real sha256.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { SEQUENCES } from "../../electron/contract/domain";

export const REPO = resolve(__dirname, "../..");
export const FIXTURES = join(REPO, "test/fixtures/models");

/**
 * Bundles the worker exactly as scripts/build.mjs does, into node_modules/.cache so that the
 * bundle's require("onnxruntime-node") resolves; one file per test process (files run in parallel).
 */
export async function buildWorker(): Promise<{ path: string; remove: () => void }> {
  const dir = join(REPO, "node_modules/.cache/livercad-tests");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `inference-worker-${process.pid}.cjs`);
  await build({
    entryPoints: [join(REPO, "electron/inference/worker.ts")],
    outfile: path,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: ["onnxruntime-node"],
    logLevel: "warning",
  });
  return { path, remove: () => rmSync(path, { force: true }) };
}

function sha(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

const f32 = (name: string, shape: (number | string)[]) => ({ name, dtype: "float32", shape });
const normalization = { kind: "percentile", low: 1, high: 99 };

/** Copies fixture files into root/<id>/ and writes a manifest; `edit` may alter it first. */
export function modelFolder(
  root: string,
  kind: "detector" | "classifier",
  edit: (manifest: Record<string, unknown>) => void = () => {},
  id = kind === "detector" ? "tiny-detector" : "tiny-classifier",
): string {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  const file = (name: string, inputs: object[], outputs: object[]) => {
    copyFileSync(join(FIXTURES, name), join(dir, name));
    return { path: name, sha256: sha(join(dir, name)), inputs, outputs };
  };
  const manifest: Record<string, unknown> =
    kind === "detector"
      ? {
          schemaVersion: 1,
          id,
          version: "0.0.1",
          task: "detector",
          normalization,
          files: {
            model: file(
              "detector.onnx",
              [f32("input", ["N", 2, 16, 16])],
              [f32("hm", ["N", 1, 4, 4]), f32("wh", ["N", 2, 4, 4]), f32("reg", ["N", 2, 4, 4])],
            ),
          },
          detector: {
            sequence: "T1_arterial",
            channels: ["T1_arterial", "T2"],
            outputStride: 4,
            heatmapActivation: "none",
            input: "input",
            outputs: { heatmap: "hm", size: "wh", offset: "reg" },
          },
        }
      : {
          schemaVersion: 1,
          id,
          version: "0.0.1",
          task: "classifier",
          normalization,
          classes: ["HCC", "ICC", "metastasis"],
          files: {
            backbone: file(
              "classifier_backbone.onnx",
              [f32("crops", ["N", 5, 8, 8])],
              [f32("features", ["N", 6])],
            ),
            head: file(
              "classifier_head.onnx",
              [f32("features", ["M", 6]), f32("mask", ["M", 6])],
              [f32("logits", ["M", 3])],
            ),
          },
          classifier: {
            channels: [...SEQUENCES],
            cropSize: 8,
            dropoutP: 0.2,
            featureSize: 6,
            backbone: { input: "crops", output: "features" },
            head: { features: "features", mask: "mask", logits: "logits" },
          },
        };
  edit(manifest);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return id;
}
