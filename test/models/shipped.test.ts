// The shipped models (native-models/<id>/, issue 5 §5): every folder's manifest parses and its
// files match their sha256; the six open together as the pipeline's models; each reproduces the
// outputs PyTorch recorded at export (test/models/recorded-outputs.json, written by
// native-models/training/finalize.py) on the fixed input; manifests agree with the pipeline's
// default config and carry the held-out metrics.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEQUENCES } from "../../electron/contract/domain";
import { InferenceEngine } from "../../electron/inference/engine";
import { listModelIds, loadModel } from "../../electron/inference/model-store";
import { openPipelineModels } from "../../electron/inference/open-models";
import { DEFAULT_PIPELINE_CONFIG } from "../../electron/pipeline/config";
import { buildWorker, REPO } from "../inference/helpers";
import { compareWithReference, type Reference } from "./reference";

const ROOT = join(REPO, "native-models");
const ids = listModelIds(ROOT);
const recorded = JSON.parse(
  readFileSync(join(REPO, "test/models/recorded-outputs.json"), "utf8"),
) as Record<string, Reference>;

let worker: { path: string; remove: () => void };
let engine: InferenceEngine;

beforeAll(async () => {
  worker = await buildWorker();
  engine = new InferenceEngine({ workerPath: worker.path, providers: ["cpu"] });
});
afterAll(async () => {
  await engine.close();
  worker.remove();
});

describe("shipped models", () => {
  it("are six folders: one detector per sequence and one classifier, all with recorded outputs", () => {
    expect(ids).toHaveLength(SEQUENCES.length + 1);
    const models = ids.map((id) => loadModel(ROOT, id).manifest);
    const sequences = models.flatMap((m) => (m.task === "detector" ? [m.detector.sequence] : []));
    expect([...sequences].sort()).toEqual([...SEQUENCES].sort());
    expect(models.filter((m) => m.task === "classifier")).toHaveLength(1);
    expect(Object.keys(recorded).sort()).toEqual(ids);
  });

  it("load with verified sha256 and open together as the pipeline's models", async () => {
    const { provenance } = await openPipelineModels(engine, ROOT);
    expect(provenance.map((p) => p.id).sort()).toEqual(ids);
  });

  it("match the pipeline's default config and carry held-out metrics", () => {
    for (const id of ids) {
      const m = loadModel(ROOT, id).manifest;
      expect(m.normalization, id).toEqual(DEFAULT_PIPELINE_CONFIG.normalization);
      if (m.task === "detector") {
        const input = m.files.model.inputs[0]!.shape;
        expect(input.slice(2), id).toEqual([
          DEFAULT_PIPELINE_CONFIG.detectorSize,
          DEFAULT_PIPELINE_CONFIG.detectorSize,
        ]);
        expect(m.detector.channels, id).toEqual(
          m.detector.sequence === "T2" ? ["T2"] : [m.detector.sequence, "T2"],
        );
      } else {
        expect(m.classifier.cropSize).toBe(DEFAULT_PIPELINE_CONFIG.cropSize);
        expect(m.classifier.dropoutP).toBe(DEFAULT_PIPELINE_CONFIG.dropoutP);
        expect(m.classifier.channels).toEqual([...SEQUENCES]);
      }
      const held = (m.metrics as { heldOut?: { all?: { accuracy?: number } } }).heldOut;
      expect(typeof held?.all?.accuracy, id).toBe("number");
    }
  });

  it.each(ids)("%s reproduces its recorded outputs within 1e-4", async (id) => {
    const errors = await compareWithReference(engine, loadModel(ROOT, id), recorded[id]!);
    for (const [name, err] of Object.entries(errors)) expect(err, name).toBeLessThan(1e-4);
  });
});
