import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelIntegrityError } from "../../electron/contract/errors";
import { InferenceEngine } from "../../electron/inference/engine";
import { listModelIds, loadModel, readManifest } from "../../electron/inference/model-store";
import { buildWorker, modelFolder } from "./helpers";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "livercad-models-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("model manifests", () => {
  it("finds models only through <root>/<id>/manifest.json and verifies their hashes", () => {
    const id = modelFolder(root, "classifier");
    modelFolder(root, "detector");
    writeFileSync(join(root, "README.md"), "not a model");
    expect(listModelIds(root)).toEqual(["tiny-classifier", "tiny-detector"]);
    const m = loadModel(root, id);
    expect(m.manifest.task).toBe("classifier");
    expect(Object.keys(m.files).sort()).toEqual(["backbone", "head"]);
  });

  it("refuses a file whose sha256 differs from the manifest, naming both hashes", () => {
    const sub = mkdtempSync(join(root, "tamper-"));
    const id = modelFolder(sub, "detector");
    appendFileSync(join(sub, id, "detector.onnx"), Buffer.from([0]));
    expect(() => loadModel(sub, id)).toThrow(ModelIntegrityError);
    expect(() => loadModel(sub, id)).toThrow(
      /detector\.onnx has sha256 [0-9a-f]{64} but its manifest says/,
    );
  });

  it("refuses invalid manifests with every problem listed", () => {
    const sub = mkdtempSync(join(root, "bad-"));
    const a = modelFolder(sub, "classifier", (m) => {
      m.classes = ["HCC", "ICC", "benign"];
      (m.classifier as { head: { mask: string } }).head.mask = "dropout_mask";
    });
    expect(() => readManifest(sub, a)).toThrow(/classes lack metastasis/);
    expect(() => readManifest(sub, a)).toThrow(/"dropout_mask" is not among the inputs/);
    const b = modelFolder(sub, "detector", (m) => {
      (m.files as { model: { path: string } }).model.path = "../elsewhere.onnx";
    });
    expect(() => readManifest(sub, b)).toThrow(/lies outside its folder/);
    const c = modelFolder(sub, "detector", (m) => {
      m.id = "other";
    });
    expect(() => readManifest(sub, c)).toThrow(/holds a manifest for "other"/);
    expect(() => readManifest(sub, "../x")).toThrow(ModelIntegrityError);
  });

  it("accepts a rejection output named by rejectClass, and refuses it unnamed or misnamed", () => {
    const sub = mkdtempSync(join(root, "reject-"));
    const ok = modelFolder(
      sub,
      "classifier",
      (m) => {
        m.classes = ["HCC", "none", "ICC", "metastasis"];
        m.rejectClass = "none";
      },
      "reject-ok",
    );
    expect(readManifest(sub, ok).manifest).toMatchObject({ rejectClass: "none" });
    const cases: [(m: Record<string, unknown>) => void, RegExp][] = [
      [
        (m) => (m.classes = ["HCC", "none", "ICC", "metastasis"]),
        /classes has 4 outputs: name the rejection output with rejectClass/,
      ],
      [
        (m) => {
          m.classes = ["HCC", "none", "ICC", "metastasis"];
          m.rejectClass = "background";
        },
        /rejectClass "background" is not one of classes/,
      ],
      [
        (m) => {
          m.classes = ["HCC", "ICC", "metastasis", "HCC"];
          m.rejectClass = "HCC";
        },
        /classes repeat.*rejectClass "HCC" is a lesion class/,
      ],
      [(m) => (m.rejectClass = "none"), /rejectClass "none" is not one of classes/],
    ];
    cases.forEach(([edit, message], i) => {
      const id = modelFolder(sub, "classifier", edit, `reject-bad-${i}`);
      expect(() => readManifest(sub, id)).toThrow(message);
    });
  });

  it("checks the hash again in the worker, on the bytes it loads", async () => {
    const sub = mkdtempSync(join(root, "race-"));
    const id = modelFolder(sub, "detector");
    const model = readManifest(sub, id);
    // Changed after the manifest was read: the worker must still refuse it.
    appendFileSync(join(sub, id, "detector.onnx"), Buffer.from([1, 2, 3]));
    const worker = await buildWorker();
    const engine = new InferenceEngine({ workerPath: worker.path, providers: ["cpu"] });
    try {
      const err = await engine.load("d", id, model.files.model!).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelIntegrityError);
      expect(String(err)).toMatch(/Loading tiny-detector\/detector\.onnx: .*has sha256/);
    } finally {
      await engine.close();
      worker.remove();
    }
  });
});
