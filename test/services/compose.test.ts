// openServices (services/compose.ts), the one composition root of the app, the CLI, the demo and
// the benches: what each option opens, that close() closes all of it in reverse order (twice is
// safe), that nothing stays open (file descriptors on the registry, the inference worker, the
// listener's port), and that a bad models root still gives the clear error it gave before.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelIntegrityError, RegistryError } from "../../electron/contract/errors";
import { openServices } from "../../electron/services/compose";
import { buildWorker, REPO } from "../inference/helpers";

let tmp: string;
let worker: { path: string; remove: () => void };
const savedModelsEnv = process.env.LIVERCAD_MODELS;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-compose-"));
  worker = await buildWorker();
  // The shipped native-models/ (pinned) unless a test names a root.
  delete process.env.LIVERCAD_MODELS;
});

afterAll(() => {
  if (savedModelsEnv !== undefined) process.env.LIVERCAD_MODELS = savedModelsEnv;
  worker.remove();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** File descriptors of this process open on anything under `dir` (Linux /proc). */
function openFilesUnder(dir: string): string[] {
  const fdDir = "/proc/self/fd";
  const out: string[] = [];
  for (const fd of fs.readdirSync(fdDir)) {
    let target: string;
    try {
      target = fs.readlinkSync(path.join(fdDir, fd));
    } catch {
      continue; // the readdir's own descriptor, gone by now
    }
    if (target.startsWith(dir)) out.push(target);
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

function dbIn(name: string): string {
  return path.join(tmp, name, "registry.sqlite");
}

describe("openServices", () => {
  it("opens the registry only when nothing else is asked, and closes it", async () => {
    const dbFile = dbIn("plain");
    const s = openServices({ dbFile });
    expect(s.paths).toEqual({
      root: path.dirname(dbFile),
      database: dbFile,
      store: path.join(path.dirname(dbFile), "store"),
    });
    expect(s.registry.db.open).toBe(true);
    expect(s.models).toBeNull();
    expect(s.analysis).toBeNull();
    expect(s.listener).toBeNull();
    expect(s.workstation).toBeNull();
    expect(s.actor.length).toBeGreaterThan(0);
    expect(openFilesUnder(path.dirname(dbFile)).length).toBeGreaterThan(0);
    await s.close();
    await s.close();
    expect(s.registry.db.open).toBe(false);
    expect(openFilesUnder(path.dirname(dbFile))).toEqual([]);
  });

  it("opens the shipped models (pinned) at the first job and ends their worker on close", async () => {
    const dbFile = dbIn("models");
    const s = openServices({
      dbFile,
      actor: "compose-test",
      models: { workerPath: worker.path, providers: ["cpu"] },
      analysis: {},
    });
    expect(s.actor).toBe("compose-test");
    expect(s.models.root).toBe(path.join(REPO, "native-models"));
    expect(s.models.pinned).toBe(true);
    // Pure construction: no worker until the models are needed.
    expect(s.models.engine.pid).toBeUndefined();
    const { opened } = await s.analysis.prepared();
    expect(opened.provenance.map((p) => p.task).sort()).toEqual([
      "classifier",
      "detector",
      "detector",
      "detector",
      "detector",
      "detector",
    ]);
    const pid = s.models.engine.pid!;
    expect(alive(pid)).toBe(true);
    const first = s.close();
    const second = s.close();
    await Promise.all([first, second]);
    expect(await waitGone(pid)).toBe(true);
    expect(s.registry.db.open).toBe(false);
    expect(openFilesUnder(path.dirname(dbFile))).toEqual([]);
    // Closed means closed: the registry file can go, and a new bundle opens it again.
    fs.rmSync(path.dirname(dbFile), { recursive: true });
    const again = openServices({ dbFile });
    await again.close();
  }, 60_000);

  it("a models root without models gives the clear error, at the first job, and still closes", async () => {
    const empty = path.join(tmp, "no-models");
    fs.mkdirSync(empty);
    const s = openServices({
      dbFile: dbIn("bad-root"),
      models: { root: empty, workerPath: worker.path },
      analysis: {},
    });
    expect(s.models.pinned).toBe(false);
    const err = await s.analysis.prepared().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelIntegrityError);
    expect((err as Error).message).toContain(`No trained models in ${empty}`);
    expect(s.analysis.enqueueUnanalyzed()).toEqual([]);
    await s.close();
    await s.close();
    expect(s.models.engine.pid).toBeUndefined();
  });

  it("a named root holding a model no administrator added is refused (site-model check)", async () => {
    const root = path.join(tmp, "site-root");
    fs.cpSync(path.join(REPO, "native-models", "detector-t2"), path.join(root, "my-detector"), {
      recursive: true,
    });
    const manifestFile = path.join(root, "my-detector", "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { id: string };
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, id: "my-detector" }));
    const s = openServices({
      dbFile: dbIn("site"),
      models: { root, workerPath: worker.path },
      analysis: {},
    });
    await expect(s.analysis.prepared()).rejects.toThrow(/was not added by an administrator/);
    await s.close();
  });

  it("the background loop reports a model problem and stops on close", async () => {
    const empty = path.join(tmp, "no-models-loop");
    fs.mkdirSync(empty);
    const errors: unknown[] = [];
    const s = openServices({
      dbFile: dbIn("loop"),
      models: { root: empty, workerPath: worker.path },
      analysis: {},
    });
    // `livercad listen` starts the loop once its port is bound; close() stops it.
    s.analysis.start(20, (e) => errors.push(e));
    for (let i = 0; i < 100 && errors.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(errors[0]).toBeInstanceOf(ModelIntegrityError);
    await s.close();
    const count = errors.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(errors.length).toBe(count);
  });

  it("a listener from command-line settings: started by the caller, its port freed on close", async () => {
    const s = openServices({
      dbFile: dbIn("listener"),
      listener: {
        receiver: { aeTitle: "COMPOSE", port: 0, bind: "127.0.0.1", allowed: [] },
        quietMs: 0,
        autoAnalyze: false,
      },
    });
    expect(s.analysis).toBeNull();
    const port = await s.listener.start();
    expect(port).toBeGreaterThan(0);
    await s.close();
    await s.close();
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it("the workstation: its service, no listener without network.json, temporaries swept", async () => {
    const dbFile = dbIn("workstation");
    const store = path.join(path.dirname(dbFile), "store", "x");
    fs.mkdirSync(store, { recursive: true });
    // A dead process' half-written copy (pid 2^22 + 1 is above Linux's pid_max).
    const leaked = path.join(store, "a.dcm.4194305.1.tmp");
    fs.writeFileSync(leaked, "image bytes");
    const s = openServices({
      dbFile,
      models: { workerPath: worker.path },
      workstation: { transport: "bridge" },
    });
    expect(fs.existsSync(leaked)).toBe(false);
    expect(await s.workstation.network).toBeNull();
    const info = await s.workstation.service.handlers["app:info"]({});
    expect(info.transport).toBe("bridge");
    expect(s.analysis).not.toBeNull();
    await s.close();
    await s.close();
    expect(s.registry.db.open).toBe(false);
    expect(openFilesUnder(path.dirname(dbFile))).toEqual([]);
  });

  it("sweeps a dead import's *.tmp store copies only when asked (livercad import)", async () => {
    const dbFile = dbIn("sweep");
    const store = path.join(path.dirname(dbFile), "store", "y");
    fs.mkdirSync(store, { recursive: true });
    const leaked = path.join(store, "b.dcm.4194305.2.tmp");
    fs.writeFileSync(leaked, "image bytes");
    await openServices({ dbFile }).close();
    expect(fs.existsSync(leaked)).toBe(true);
    await openServices({ dbFile, sweepTemporaries: true }).close();
    expect(fs.existsSync(leaked)).toBe(false);
  });

  it("a registry from a newer version is refused with the existing error, nothing left open", async () => {
    const dbFile = dbIn("newer");
    const s = openServices({ dbFile });
    s.registry.db.pragma("user_version = 9999");
    await s.close();
    expect(() => openServices({ dbFile, models: {}, analysis: {} })).toThrow(
      /written by a newer version of LiverCAD \(schema v9999/,
    );
    expect(openFilesUnder(path.dirname(dbFile))).toEqual([]);
  });

  it("a failing step does not keep the registry open; close() reports the failure", async () => {
    const dbFile = dbIn("failing-step");
    const s = openServices({ dbFile, models: { workerPath: worker.path } });
    const failure = new Error("engine close failed");
    s.models.engine.close = () => Promise.reject(failure);
    await expect(s.close()).rejects.toBe(failure);
    expect(s.registry.db.open).toBe(false);
    expect(openFilesUnder(path.dirname(dbFile))).toEqual([]);
  });

  it("read-only: refuses a missing registry, reads an existing one and never writes", async () => {
    const missing = dbIn("read-only-missing");
    expect(() => openServices({ dbFile: missing, readOnly: true })).toThrow(RegistryError);
    expect(fs.existsSync(missing)).toBe(false);
    const dbFile = dbIn("read-only");
    await openServices({ dbFile }).close();
    const s = openServices({ dbFile, readOnly: true });
    expect(s.registry.db.prepare("SELECT COUNT(*) AS n FROM studies").get()).toEqual({ n: 0 });
    expect(() => s.registry.db.prepare("DELETE FROM studies").run()).toThrow(/readonly/i);
    await s.close();
  });
});

describe("the consumers compose nothing themselves", () => {
  // What only services/compose.ts may construct for a process. bench/models.ts drives the
  // inference engine alone on two model roots with no data directory (README §5).
  const WIRING =
    /Registry\.open\(|openDatabase\(|new Database\(|modelOpener\(|new InferenceEngine\(|new AnalysisService\(|new DicomNode\(|new WorkstationService\(|new ImportWorkers\(|new VolumeWorkerPool\(/;
  const ALLOWED = new Map([["bench/models.ts", /new InferenceEngine\(/]]);

  function tsFiles(dir: string): string[] {
    return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) return tsFiles(rel);
      return e.name.endsWith(".ts") ? [rel] : [];
    });
  }

  it("the Electron main, the bridge, the CLI and the benches open services only through openServices", () => {
    const offences: string[] = [];
    for (const file of ["electron/main", "electron/bridge", "electron/cli", "bench"].flatMap(
      tsFiles,
    )) {
      fs.readFileSync(path.join(REPO, file), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (!WIRING.test(line)) return;
          if (ALLOWED.get(file)?.test(line)) return;
          offences.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offences).toEqual([]);
    // The check sees what it looks for: the root itself matches.
    expect(
      WIRING.test(fs.readFileSync(path.join(REPO, "electron/services/compose.ts"), "utf8")),
    ).toBe(true);
  });
});
