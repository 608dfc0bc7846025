import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEQUENCES } from "../../electron/contract/domain";
import { ModelIntegrityError } from "../../electron/contract/errors";
import { InferenceEngine } from "../../electron/inference/engine";
import { openPipelineModels } from "../../electron/inference/open-models";
import { resolvePipelineConfig } from "../../electron/pipeline/config";
import type { StudyVolumes } from "../../electron/pipeline/prepare";
import { runPipeline } from "../../electron/pipeline/run";
import { fillVolume, makeGeometry } from "../dicom/geometry-fixtures";
import { buildWorker, installTinyModels, modelFolder } from "./helpers";

let root: string;
let worker: { path: string; remove: () => void };
let engine: InferenceEngine;

/** Installs five tiny detectors (one per sequence) and the tiny classifier under dir. */

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "livercad-pipe-"));
  worker = await buildWorker();
  engine = new InferenceEngine({ workerPath: worker.path, providers: ["cpu"] });
});
afterAll(async () => {
  await engine.close();
  worker.remove();
  rmSync(root, { recursive: true, force: true });
});

describe("the pipeline through onnxruntime (tiny untrained models)", () => {
  it("opens six models from their folders and runs a study end to end with provenance", async () => {
    const dir = mkdtempSync(join(root, "ok-"));
    installTinyModels(dir);
    const { models, provenance } = await openPipelineModels(engine, dir);
    expect(provenance.map((p) => p.id)).toEqual([
      "det-t1-pre",
      "det-t2",
      "det-t1-arterial",
      "det-t1-venous",
      "det-dwi",
      "tiny-classifier",
    ]);
    expect(provenance.every((p) => p.provider === "cpu")).toBe(true);
    expect(provenance[5]!.files.map((f) => f.role)).toEqual(["backbone", "head"]);

    const volumes = {} as StudyVolumes;
    SEQUENCES.forEach((s, n) => {
      const g = makeGeometry({
        columns: 20,
        rows: 20,
        r: [1, 0, 0],
        c: [0, 1, 0],
        columnSpacing: 2,
        rowSpacing: 2,
        origin: [-19, -19, -5],
        sliceOffsets: [0, 5, 10],
      });
      volumes[s] = fillVolume(g, (p) => Math.sin(p[0] / 5 + n) * Math.cos(p[1] / 7) * 100 + p[2]);
    });
    // Untrained detectors: a threshold of 0 lets every peak through, so fusion and the
    // classifier run on real ONNX outputs (the trained models use the paper's 0.5).
    const config = resolvePipelineConfig({
      detectorSize: 16,
      detectorSpacingMm: 3,
      cropSize: 8,
      mcSamples: 20,
      scoreThreshold: 0,
    });
    const res = await runPipeline(volumes, models, config);
    expect(res.rois.length).toBeGreaterThan(0);
    expect(res.outcome.status).toBe("analyzed");
    for (const r of res.rois) {
      const sum = r.probabilities.HCC + r.probabilities.ICC + r.probabilities.metastasis;
      expect(sum).toBeCloseTo(1, 5);
      expect(r.classification.variance).toBeGreaterThan(0);
    }
  });

  it("refuses a model set with a missing or a duplicate detector", async () => {
    const dir = mkdtempSync(join(root, "dup-"));
    installTinyModels(dir);
    modelFolder(
      dir,
      "detector",
      (m) => {
        m.id = "det-dwi-2";
        Object.assign(m.detector as object, { sequence: "DWI", channels: ["DWI", "T2"] });
      },
      "det-dwi-2",
    );
    await expect(openPipelineModels(engine, dir)).rejects.toThrow(
      /More than one DWI detector model .*\(det-dwi, det-dwi-2\)/,
    );
    await expect(
      openPipelineModels(engine, dir, ["det-t1-pre", "tiny-classifier"]),
    ).rejects.toThrow(ModelIntegrityError);
  });
});
