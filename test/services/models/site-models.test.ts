// Site models as an audited admin action (issue 12 §4): `models add` validates manifest, file
// hashes and graph shapes and refuses a shipped model's id; a models root named explicitly then
// loads a model that is not shipped only when its files match an added one. Tiny ONNX fixtures
// (test/fixtures/models) stand in for a site's model.
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../db/index";
import { ModelIntegrityError } from "../../../electron/contract/errors";
import { configure, migrate, type Db } from "../../../electron/registry";
import { listSiteModels } from "../../../electron/registry/site-models";
import { modelOpener } from "../../../electron/services/analysis/models";
import {
  addSiteModels,
  checkModelRoot,
  listModels,
} from "../../../electron/services/models/site-models";
import { modelFolder as fixtureFolder } from "../../fixtures/models/tiny-models";
import { tempDir } from "../../registry/helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function freshDb(): Db {
  const db = new Database(path.join(tempDir("livercad-models-"), "registry.sqlite"));
  configure(db);
  open.push(db);
  migrate(db, MIGRATIONS);
  return db;
}

const sha = (p: string): string => createHash("sha256").update(fs.readFileSync(p)).digest("hex");

function auditActions(
  db: Db,
): { actor: string; action: string; details: Record<string, unknown> }[] {
  return db
    .prepare<[], { actor: string; action: string; details_json: string }>(
      "SELECT actor, action, details_json FROM audit_log ORDER BY id",
    )
    .all()
    .map((r) => ({ actor: r.actor, action: r.action, details: JSON.parse(r.details_json) }));
}

function flipByte(file: string): void {
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0x01;
  fs.writeFileSync(file, bytes);
}

/** A tiny fixture model folder under root; returns its absolute path. */
function modelFolder(
  root: string,
  ...rest: Parameters<typeof fixtureFolder> extends [string, ...infer R] ? R : never
): string {
  return path.join(root, fixtureFolder(root, ...rest));
}

/** Pins as the shipped app has them, for a made-up shipped model "detector-t2". */
const PINS = { "detector-t2/model.onnx": "ab".repeat(32) };

describe("livercad models add", () => {
  it("adds a good model with its hashes, audited once; adding it again records nothing new", async () => {
    const db = freshDb();
    const root = tempDir("livercad-site-");
    const dir = modelFolder(root, "detector");
    const fileSha = sha(path.join(dir, "detector.onnx"));
    const first = await addSiteModels(db, dir, "siteit");
    expect(first).toEqual([
      {
        modelId: "tiny-detector",
        version: "0.0.1",
        task: "detector",
        files: { "detector.onnx": fileSha },
        added: true,
      },
    ]);
    expect((await addSiteModels(db, dir, "siteit"))[0]?.added).toBe(false);
    expect(auditActions(db)).toEqual([
      {
        actor: "siteit",
        action: "model.add",
        details: {
          model: "tiny-detector",
          version: "0.0.1",
          task: "detector",
          folder: dir,
          files: { "detector.onnx": fileSha },
        },
      },
    ]);
    const listed = listModels(db, root, PINS);
    expect(listed.map((m) => [m.source, m.modelId, m.files])).toEqual([
      ["shipped", "detector-t2", { "model.onnx": "ab".repeat(32) }],
      ["added", "tiny-detector", { "detector.onnx": fileSha }],
    ]);
    expect(listed[1]).toMatchObject({ addedBy: "siteit", folder: dir });
  });

  it("refuses a flipped byte (hash mismatch) and audits the refusal; nothing is added", async () => {
    const db = freshDb();
    const dir = modelFolder(tempDir("livercad-site-"), "detector");
    flipByte(path.join(dir, "detector.onnx"));
    await expect(addSiteModels(db, dir, "siteit")).rejects.toThrow(
      /^Model "tiny-detector": detector\.onnx has sha256 [0-9a-f]{64} but its manifest says [0-9a-f]{64}\. The file was changed or damaged; it was not loaded\./,
    );
    expect(listSiteModels(db)).toEqual([]);
    const rows = auditActions(db);
    expect(rows.map((r) => `${r.actor} ${r.action}`)).toEqual(["siteit model.add-refused"]);
    expect(String(rows[0]!.details.reason)).toContain("has sha256");
  });

  it("refuses a manifest whose shapes or names do not match the graph", async () => {
    const db = freshDb();
    const dir = modelFolder(tempDir("livercad-site-"), "detector", (m) => {
      const files = m.files as { model: { inputs: { shape: unknown[] }[] } };
      files.model.inputs[0]!.shape = ["N", 3, 16, 16];
    });
    await expect(addSiteModels(db, dir, "siteit")).rejects.toThrow(
      'Model "tiny-detector": detector.onnx does not match its manifest: input "input" has shape [N, 2, 16, 16] in the graph, [N, 3, 16, 16] in the manifest.',
    );
    const renamed = modelFolder(tempDir("livercad-site-"), "detector", (m) => {
      const files = m.files as { model: { outputs: { name: string }[] } };
      files.model.outputs[0]!.name = "heatmap";
      (m.detector as { outputs: { heatmap: string } }).outputs.heatmap = "heatmap";
    });
    await expect(addSiteModels(db, renamed, "siteit")).rejects.toThrow(
      'output "heatmap" is not in the graph (it has hm, wh, reg)',
    );
  });

  it("refuses a model that takes a shipped model's id", async () => {
    const db = freshDb();
    const root = tempDir("livercad-site-");
    // classifier-densenet is a shipped id in the real pins.
    const dir = modelFolder(root, "classifier", () => {}, "classifier-densenet");
    await expect(addSiteModels(db, dir, "siteit")).rejects.toThrow(
      'Model "classifier-densenet" has the id of a model shipped with LiverCAD; a site model needs its own id',
    );
    expect(listSiteModels(db)).toEqual([]);
  });

  it("refuses a folder with no model and adds every model of a folder of models together", async () => {
    const db = freshDb();
    const empty = tempDir("livercad-site-");
    await expect(addSiteModels(db, empty, "siteit")).rejects.toThrow(
      `${empty} holds no model: a model is a folder with a manifest.json`,
    );
    const root = tempDir("livercad-site-");
    modelFolder(root, "detector");
    modelFolder(root, "classifier");
    const added = await addSiteModels(db, root, "siteit");
    expect(added.map((a) => a.modelId)).toEqual(["tiny-classifier", "tiny-detector"]);
  });
});

describe("loading from an explicit models root", () => {
  it("loads only added or pinned models; a changed file with its manifest updated is refused", async () => {
    const db = freshDb();
    const root = tempDir("livercad-site-");
    const dir = modelFolder(root, "detector");
    expect(() => checkModelRoot(root, listSiteModels(db), PINS)).toThrow(
      `Model "tiny-detector" in ${root} was not added by an administrator; it was not loaded.`,
    );
    const { engine, open: openModels } = modelOpener({
      root,
      siteModels: () => listSiteModels(db),
    });
    try {
      await expect(openModels()).rejects.toThrow(ModelIntegrityError);
    } finally {
      await engine.close();
    }
    await addSiteModels(db, dir, "siteit");
    expect(() => checkModelRoot(root, listSiteModels(db), PINS)).not.toThrow();
    // A flipped byte with the manifest's hash updated to match: not the model that was added.
    const onnx = path.join(dir, "detector.onnx");
    flipByte(onnx);
    const manifestFile = path.join(dir, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    manifest.files.model.sha256 = sha(onnx);
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    expect(() => checkModelRoot(root, listSiteModels(db), PINS)).toThrow(
      /^Model "tiny-detector" in .*: its files differ from the ones an administrator added \(version 0\.0\.1 on \d{4}-\d\d-\d\d by siteit\); it was not loaded\./,
    );
  });

  it("holds a shipped id in an explicit root to the pins", () => {
    const db = freshDb();
    const root = tempDir("livercad-site-");
    modelFolder(root, "detector", () => {}, "detector-t2");
    expect(() => checkModelRoot(root, listSiteModels(db), PINS)).toThrow(
      /^Model "detector-t2" in .*: detector\.onnx is not the file shipped with this version/,
    );
  });
});
