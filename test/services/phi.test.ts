// PHI hygiene on disk (issue 12 §4): the registry and the managed store are owner-only from
// creation, *.tmp copies left by a killed import are swept, and onnxruntime writes no telemetry
// database or device id under the user's home in a session the app opens.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceEngine } from "../../electron/inference/engine";
import { loadModel } from "../../electron/inference/model-store";
import { Registry } from "../../electron/registry";
import { ManagedStore } from "../../electron/services/import/store";
import { dataPaths } from "../../electron/services/paths";
import { buildWorker, modelFolder } from "../inference/helpers";

let dir = "";
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-phi-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

describe.skipIf(process.platform === "win32")("owner-only data", () => {
  it("creates the registry 0600 (with its WAL) in a 0700 folder, and the store 0700/0600", () => {
    const paths = dataPaths(path.join(dir, "data", "registry.sqlite"));
    const registry = Registry.open(paths);
    try {
      registry.db.exec("CREATE TABLE IF NOT EXISTS t (x); INSERT INTO t VALUES (1)");
      expect(mode(paths.root)).toBe(0o700);
      expect(mode(paths.database)).toBe(0o600);
      expect(mode(`${paths.database}-wal`)).toBe(0o600);
      const store = new ManagedStore(paths.store);
      store.write("1.2/1.2.3/1.2.3.4.dcm", new Uint8Array([1, 2, 3]));
      expect(mode(paths.store)).toBe(0o700);
      expect(mode(path.join(paths.store, "1.2", "1.2.3"))).toBe(0o700);
      expect(mode(store.absolute("1.2/1.2.3/1.2.3.4.dcm"))).toBe(0o600);
    } finally {
      registry.close();
    }
  });

  it("sweeps *.tmp copies of dead processes and old ones, keeping live ones", () => {
    const store = new ManagedStore(path.join(dir, "sweep"));
    store.write("1.2/1.2.3/a.dcm", new Uint8Array([1]));
    const folder = path.join(store.root, "1.2", "1.2.3");
    const dead = path.join(folder, "b.dcm.999999999.0.tmp"); // no such pid
    const live = path.join(folder, `c.dcm.${process.pid}.0.tmp`);
    const old = path.join(folder, `d.dcm.${process.pid}.1.tmp`);
    for (const f of [dead, live, old]) fs.writeFileSync(f, "x");
    const twoHoursAgo = new Date(Date.now() - 7_200_000);
    fs.utimesSync(old, twoHoursAgo, twoHoursAgo);
    expect(store.sweepTemporaries()).toBe(2);
    expect(fs.readdirSync(folder).sort()).toEqual(["a.dcm", `c.dcm.${process.pid}.0.tmp`]);
  });
});

describe("onnxruntime telemetry", () => {
  it("writes nothing under the home folder's .cache in a session the app opens", async () => {
    const home = path.join(dir, "home");
    fs.mkdirSync(home);
    const worker = await buildWorker();
    const saved = { HOME: process.env.HOME, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
    process.env.HOME = home;
    delete process.env.XDG_CACHE_HOME;
    const engine = new InferenceEngine({ workerPath: worker.path, providers: ["cpu"] });
    try {
      const root = path.join(dir, "models");
      fs.mkdirSync(root);
      const id = modelFolder(root, "detector");
      await engine.load("det", id, loadModel(root, id).files.model!);
      const out = await engine.run("det", {
        input: { dims: [1, 2, 16, 16], data: new Float32Array(512) },
      });
      expect(out.hm!.dims).toEqual([1, 1, 4, 4]);
      // Where onnxruntime 1.30 keeps them otherwise: .cache/Microsoft/DeveloperTools/.onnxruntime
      // (deviceid, onnxruntime.db).
      expect(fs.readdirSync(home)).toEqual([]);
    } finally {
      await engine.close();
      worker.remove();
      process.env.HOME = saved.HOME;
      if (saved.XDG_CACHE_HOME !== undefined) process.env.XDG_CACHE_HOME = saved.XDG_CACHE_HOME;
    }
  });
});
