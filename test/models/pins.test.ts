// The shipped models' hashes pinned in the app (issue 12 §4): pinned-models.json (written by
// native-models/training/finalize.py) matches the files in native-models/; a flipped byte with an
// updated manifest hash is refused when loading from the shipped folder, and so is a folder that
// is not a shipped model. A folder named explicitly (--models) is not held to the pins.
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ModelIntegrityError } from "../../electron/contract/errors";
import { listModelIds, readManifest } from "../../electron/inference/model-store";
import { checkPinnedModels, PINNED_FILES } from "../../electron/inference/pins";
import { modelOpener, usesShippedModels } from "../../electron/services/analysis/models";

const SHIPPED = path.resolve(__dirname, "../../native-models");
const sha = (p: string): string => createHash("sha256").update(fs.readFileSync(p)).digest("hex");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-pins-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function copyShipped(name: string): string {
  const root = path.join(dir, name);
  for (const id of listModelIds(SHIPPED)) {
    fs.cpSync(path.join(SHIPPED, id), path.join(root, id), { recursive: true });
  }
  return root;
}

describe("pinned model hashes", () => {
  it("pinned-models.json matches every file the shipped manifests list", () => {
    const actual: Record<string, string> = {};
    for (const id of listModelIds(SHIPPED)) {
      for (const f of Object.values(readManifest(SHIPPED, id).files)) {
        actual[`${id}/${f.path}`] = sha(f.absolutePath);
      }
    }
    expect(Object.keys(actual)).toHaveLength(7);
    expect(PINNED_FILES).toEqual(actual);
    expect(() => checkPinnedModels(SHIPPED)).not.toThrow();
  });

  it("refuses a flipped byte even with the manifest's hash updated to match", async () => {
    const root = copyShipped("flipped");
    const file = path.join(root, "detector-t2", "model.onnx");
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0x01;
    fs.writeFileSync(file, bytes);
    const manifestPath = path.join(root, "detector-t2", "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
    manifest.files.model.sha256 = sha(file);
    fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    expect(() => checkPinnedModels(root)).toThrow(ModelIntegrityError);
    expect(() => checkPinnedModels(root)).toThrow(
      /^Model "detector-t2": model\.onnx is not the file shipped with this version \(sha256 [0-9a-f]{64}, shipped [0-9a-f]{64}\); it was not loaded\. Reinstall LiverCAD\.$/,
    );
    const { engine, open } = modelOpener({ root, pinned: true });
    try {
      await expect(open()).rejects.toThrow(/is not the file shipped with this version/);
    } finally {
      await engine.close();
    }
  });

  it("refuses a folder in the shipped root that is not a shipped model", () => {
    const root = copyShipped("extra");
    fs.cpSync(path.join(root, "detector-t2"), path.join(root, "detector-site"), {
      recursive: true,
    });
    expect(() => checkPinnedModels(root)).toThrow(
      /^Model folder "detector-site" in .* is not one of the shipped models; it was not loaded\./,
    );
  });

  it("holds only the shipped folder to the pins, not one named with --models", () => {
    const saved = process.env.LIVERCAD_MODELS;
    delete process.env.LIVERCAD_MODELS;
    try {
      expect(usesShippedModels(undefined)).toBe(true);
      expect(usesShippedModels("/site/models")).toBe(false);
      process.env.LIVERCAD_MODELS = "/site/models";
      expect(usesShippedModels(undefined)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.LIVERCAD_MODELS;
      else process.env.LIVERCAD_MODELS = saved;
    }
  });
});
