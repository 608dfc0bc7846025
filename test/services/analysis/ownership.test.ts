// Jobs exactly once, with owners (issue 12 §3), on a seeded 2-study phantom (seed
// "analysis-owners-1", preset small) with the tiny ONNX fixtures: two analyzers on one database,
// an app starting while another process works, an expired lease, a killed and a hung inference
// worker (retried, then failed after MAX_ATTEMPTS), and a kill between saving the result and
// finishing the job. After each: exactly one analysis per finished job.
import { build } from "esbuild";
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InferenceEngine } from "../../../electron/inference/engine";
import { openPipelineModels } from "../../../electron/inference/open-models";
import { generateCohort } from "../../../electron/phantom/cohort";
import { MAX_ATTEMPTS, Registry, requeueInterruptedJobs } from "../../../electron/registry";
import { AnalysisService, type AnalysisEvent } from "../../../electron/services/analysis/index";
import { importPaths } from "../../../electron/services/import";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import { dataPaths } from "../../../electron/services/paths";
import { buildWorker, installTinyModels } from "../../inference/helpers";

const SEED = "analysis-owners-1";
const TINY_CONFIG = {
  detectorSize: 16,
  detectorSpacingMm: 24,
  cropSize: 8,
  mcSamples: 20,
  scoreThreshold: 0,
};
const REPO = path.resolve(__dirname, "../../..");

let dir = "";
let dbFile = "";
let uids: string[] = [];
let worker: { path: string; remove: () => void };
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-owners-"));
  generateCohort({ outDir: path.join(dir, "cohort"), studies: 2, seed: SEED, preset: "small" });
  installTinyModels(path.join(dir, "models"));
  dbFile = path.join(dir, "db", "registry.sqlite");
  const registry = Registry.open(dataPaths(dbFile));
  const report = await importPaths(registry, [path.join(dir, "cohort")], {
    read: readInstance,
    assign: assignStudySequences,
  });
  registry.close();
  uids = report.studies.map((s) => s.studyInstanceUid);
  worker = await buildWorker();
}, 120_000);

afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  worker?.remove();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One analyzer as a separate process would have it: its own connection and inference engine. */
function analyzer(callTimeoutMs?: number): { service: AnalysisService; engine: InferenceEngine } {
  const registry = Registry.open(dataPaths(dbFile));
  const engine = new InferenceEngine({
    workerPath: worker.path,
    providers: ["cpu"],
    ...(callTimeoutMs ? { callTimeoutMs } : {}),
  });
  closers.push(
    () => registry.close(),
    () => engine.close(),
  );
  const service = new AnalysisService({
    registry,
    openModels: () => openPipelineModels(engine, path.join(dir, "models")),
    config: TINY_CONFIG,
  });
  return { service, engine };
}

function db(): Registry["db"] {
  const r = Registry.open(dataPaths(dbFile));
  closers.push(() => r.close());
  return r.db;
}

/** Analyses saved per job among `jobs`. */
function analysesPerJob(jobs: number[]): number[] {
  const d = db();
  return jobs.map(
    (id) =>
      (d.prepare("SELECT COUNT(*) AS n FROM analyses WHERE job_ref = ?").get(id) as { n: number })
        .n,
  );
}

const jobRow = (id: number) =>
  db().prepare("SELECT state, attempts, owner, error FROM jobs WHERE id = ?").get(id) as {
    state: string;
    attempts: number;
    owner: string | null;
    error: string | null;
  };

// Each case starts from an empty queue: a job left by a failed case must not be claimed by the next.
beforeEach(() => {
  db().prepare("UPDATE jobs SET state = 'cancelled' WHERE state IN ('queued', 'running')").run();
});

describe(`job ownership, phantom seed=${SEED} studies=2, tiny models`, () => {
  it("two analyzers at once: each job analyzed exactly once", async () => {
    const a = analyzer();
    const b = analyzer();
    const jobs = a.service.enqueue(uids);
    expect(jobs).toHaveLength(2);
    const [ra, rb] = await Promise.all([a.service.processQueue(), b.service.processQueue()]);
    expect(ra.done + rb.done).toBe(2);
    expect(ra.failed + rb.failed + ra.cancelled + rb.cancelled).toBe(0);
    expect(analysesPerJob(jobs)).toEqual([1, 1]);
  });

  it("an app starting while another process runs a job leaves that job alone", async () => {
    const cli = analyzer();
    const [job] = cli.service.enqueue([uids[0]!]);
    let app: AnalysisService | null = null;
    cli.service.on((e) => {
      if (e.type === "progress" && e.stage === "load" && app === null) {
        app = analyzer().service; // start-up re-queues expired leases only
      }
    });
    expect(await cli.service.processQueue()).toEqual({ done: 1, failed: 0, cancelled: 0 });
    expect(app!.requeued).toBe(0);
    expect(await app!.processQueue()).toEqual({ done: 0, failed: 0, cancelled: 0 });
    expect(jobRow(job!)).toMatchObject({ state: "done", attempts: 0, owner: cli.service.owner });
    expect(analysesPerJob([job!])).toEqual([1]);
  });

  it("re-queues only an expired lease, counting the attempt", () => {
    const d = db();
    const a = analyzer();
    const [job] = a.service.enqueue([uids[1]!]);
    const future = new Date(Date.now() + 60_000).toISOString();
    d.prepare(
      `UPDATE jobs SET state = 'running', owner = 'other@host#1', lease_expires_at = ? WHERE id = ?`,
    ).run(future, job!);
    expect(requeueInterruptedJobs(d)).toBe(0);
    expect(requeueInterruptedJobs(d, Date.now() + 61_000)).toBe(1);
    expect(jobRow(job!)).toMatchObject({ state: "queued", attempts: 1, owner: null });
    d.prepare("UPDATE jobs SET state = 'cancelled' WHERE id = ?").run(job!);
  });

  it(
    "a killed inference worker: the job is retried and analyzed once",
    { timeout: 120_000 },
    async () => {
      const { service, engine } = analyzer();
      const [job] = service.enqueue([uids[0]!]);
      const events: AnalysisEvent[] = [];
      let killed = false;
      service.on((e) => {
        events.push(e);
        if (!killed && e.type === "progress" && e.stage === "localize") {
          killed = true;
          process.kill(engine.pid!, "SIGKILL");
        }
      });
      expect(await service.processQueue()).toEqual({ done: 1, failed: 0, cancelled: 0 });
      expect(killed).toBe(true);
      expect(events.filter((e) => e.type === "queued")).toHaveLength(1);
      expect(jobRow(job!)).toMatchObject({ state: "done", attempts: 1 });
      expect(analysesPerJob([job!])).toEqual([1]);
    },
  );

  it(
    "a job that kills the worker every time fails after MAX_ATTEMPTS with a clear error",
    { timeout: 180_000 },
    async () => {
      const { service, engine } = analyzer();
      const [job] = service.enqueue([uids[1]!]);
      service.on((e) => {
        if (e.type === "progress" && e.stage === "localize") process.kill(engine.pid!, "SIGKILL");
      });
      expect(await service.processQueue()).toEqual({ done: 0, failed: 1, cancelled: 0 });
      const row = jobRow(job!);
      expect(row).toMatchObject({ state: "failed", attempts: MAX_ATTEMPTS });
      expect(row.error).toMatch(
        new RegExp(
          // The last kill lands while the worker runs (SIGKILL) or before it read the request
          // (EPIPE): both are a stopped worker; which one depends on timing.
          `^The analysis was interrupted ${MAX_ATTEMPTS} times \\(.*(killed by SIGKILL|stopped before receiving the request).*\\); it is not retried again\\.`,
        ),
      );
      expect(analysesPerJob([job!])).toEqual([1]); // the error result the study shows
    },
  );

  it(
    "a hung inference worker times out, is replaced, and the job finishes",
    { timeout: 120_000 },
    async () => {
      const { service, engine } = analyzer(10_000);
      const [job] = service.enqueue([uids[0]!]);
      let stopped = false;
      service.on((e) => {
        if (!stopped && e.type === "progress" && e.stage === "fuse") {
          stopped = true;
          process.kill(engine.pid!, "SIGSTOP"); // alive but never answers
        }
      });
      expect(await service.processQueue()).toEqual({ done: 1, failed: 0, cancelled: 0 });
      expect(stopped).toBe(true);
      expect(jobRow(job!)).toMatchObject({ state: "done", attempts: 1 });
      expect(analysesPerJob([job!])).toEqual([1]);
    },
  );

  it("a kill between saving the result and finishing the job saves nothing twice", async () => {
    // A child process analyzes one study and is SIGKILLed by a trigger that fires inside the
    // transaction that saves the analysis and finishes the job (after the analysis row is in).
    const script = path.join(REPO, `node_modules/.cache/livercad-tests/kill-${process.pid}.cjs`);
    await build({
      stdin: {
        contents: `
          const path = require("node:path");
          const { Registry } = require("./electron/registry");
          const { InferenceEngine } = require("./electron/inference/engine");
          const { openPipelineModels } = require("./electron/inference/open-models");
          const { AnalysisService } = require("./electron/services/analysis/index");
          const { dataPaths } = require("./electron/services/paths");
          const [dbFile, models, workerPath, config] = process.argv.slice(2);
          const registry = Registry.open(dataPaths(dbFile));
          registry.db.function("die", () => process.kill(process.pid, "SIGKILL"));
          registry.db.exec(\`CREATE TEMP TRIGGER die_on_finish AFTER UPDATE OF state ON jobs
            WHEN NEW.state = 'done' BEGIN SELECT die(); END\`);
          const engine = new InferenceEngine({ workerPath, providers: ["cpu"] });
          const service = new AnalysisService({ registry,
            openModels: () => openPipelineModels(engine, models), config: JSON.parse(config) });
          service.processQueue();
        `,
        resolveDir: REPO,
        loader: "ts",
      },
      outfile: script,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      external: [
        "better-sqlite3",
        "onnxruntime-node",
        "dcmjs",
        "@cornerstonejs/*",
        "jpeg-lossless-decoder-js",
      ],
      logLevel: "warning",
    });
    closers.push(() => fs.rmSync(script, { force: true }));
    const a = analyzer();
    const [job] = a.service.enqueue([uids[1]!]);
    const child = fork(
      script,
      [dbFile, path.join(dir, "models"), worker.path, JSON.stringify(TINY_CONFIG)],
      { stdio: "inherit" },
    );
    const signal = await new Promise<string | null>((resolve) =>
      child.once("exit", (_code, sig) => resolve(sig)),
    );
    expect(signal).toBe("SIGKILL");
    // Rolled back as one: no analysis, the job still running under the dead owner's lease.
    expect(analysesPerJob([job!])).toEqual([0]);
    expect(jobRow(job!)).toMatchObject({ state: "running" });
    // Its lease expires; the next claim re-queues and finishes it, once.
    db()
      .prepare("UPDATE jobs SET lease_expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?")
      .run(job!);
    expect(await a.service.processQueue()).toEqual({ done: 1, failed: 0, cancelled: 0 });
    expect(jobRow(job!)).toMatchObject({ state: "done", attempts: 1 });
    expect(analysesPerJob([job!])).toEqual([1]);
  }, 120_000);
});
