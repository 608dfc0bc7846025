// Model folders made from the tiny ONNX fixtures (test/fixtures/models), for benchmarks that must
// run before trained models exist. Same manifests as test/inference/helpers.ts, sha256 computed.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SEQUENCES } from "../../electron/contract/domain";

const f32 = (name: string, shape: (number | string)[]) => ({ name, dtype: "float32", shape });
const normalization = { kind: "percentile", low: 1, high: 99 };

function file(dir: string, fixtures: string, name: string, inputs: object[], outputs: object[]) {
  fs.copyFileSync(path.join(fixtures, name), path.join(dir, name));
  const sha256 = createHash("sha256")
    .update(fs.readFileSync(path.join(dir, name)))
    .digest("hex");
  return { path: name, sha256, inputs, outputs };
}

/** Five tiny detectors (16 x 16 input, stride 4) and the tiny classifier (8 x 8 crops) in root. */
export function installTinyModels(root: string, fixtures: string): void {
  for (const s of SEQUENCES) {
    const id = `tiny-det-${s.toLowerCase().replace("_", "-")}`;
    const dir = path.join(root, id);
    fs.mkdirSync(dir, { recursive: true });
    const manifest = {
      schemaVersion: 1,
      id,
      version: "0.0.1",
      task: "detector",
      normalization,
      files: {
        model: file(
          dir,
          fixtures,
          "detector.onnx",
          [f32("input", ["N", 2, 16, 16])],
          [f32("hm", ["N", 1, 4, 4]), f32("wh", ["N", 2, 4, 4]), f32("reg", ["N", 2, 4, 4])],
        ),
      },
      detector: {
        sequence: s,
        channels: [s, s === "T2" ? "DWI" : "T2"],
        outputStride: 4,
        heatmapActivation: "none",
        input: "input",
        outputs: { heatmap: "hm", size: "wh", offset: "reg" },
      },
    };
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  }
  const dir = path.join(root, "tiny-classifier");
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    schemaVersion: 1,
    id: "tiny-classifier",
    version: "0.0.1",
    task: "classifier",
    normalization,
    classes: ["HCC", "ICC", "metastasis"],
    files: {
      backbone: file(
        dir,
        fixtures,
        "classifier_backbone.onnx",
        [f32("crops", ["N", 5, 8, 8])],
        [f32("features", ["N", 6])],
      ),
      head: file(
        dir,
        fixtures,
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
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
}

/** Pipeline parameters the tiny models need (their fixed input sizes; untrained: threshold 0). */
export const TINY_MODEL_CONFIG = {
  detectorSize: 16,
  detectorSpacingMm: 24,
  cropSize: 8,
  scoreThreshold: 0,
};
