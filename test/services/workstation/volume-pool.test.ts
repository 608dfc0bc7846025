// The viewer's volume workers (services/workstation/volume-pool.ts) on the workers' RPC helper:
// a series decodes in a worker thread to the same volume as in this thread, a decoding error
// arrives with the same code and message, concurrent loads spread over the pool, and the worker
// script started on its own stops with a WorkerSetupError (issue 12 §5).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../electron/contract/errors";
import { loadSeries } from "../../../electron/dicom/load-series";
import {
  findVolumeWorker,
  VolumeWorkerPool,
} from "../../../electron/services/workstation/volume-pool";
import { REPO } from "../../inference/helpers";
import { tempDir } from "../../registry/helpers";
import { writeSeries } from "../import/fixtures";

let script: string;
let files: string[];
let pool: VolumeWorkerPool;
beforeAll(() => {
  const found = findVolumeWorker();
  if (found === null)
    throw new Error("dist/volume-worker.cjs is missing: run node scripts/build.mjs");
  script = found;
  files = writeSeries(tempDir("volpool-"), {
    study: 1,
    series: 1,
    slices: 4,
    description: "AX T2",
  });
  pool = new VolumeWorkerPool(script, 2);
});
afterAll(() => pool.close());

describe("volume worker pool", () => {
  it("decodes a series in a worker to the volume this thread decodes", async () => {
    const [inWorker, here] = await Promise.all([
      pool.load(files, null),
      loadSeries(files, { bValue: null }),
    ]);
    expect(inWorker.geometry).toEqual(here.volume.geometry);
    expect(inWorker.data).toBeInstanceOf(Float32Array);
    expect(inWorker.data).toEqual(here.volume.data);
  });

  it("answers concurrent loads, and a decoding error with its code and message", async () => {
    const bad = path.join(tempDir("volpool-bad-"), "not-dicom.dcm");
    fs.writeFileSync(bad, "not a DICOM file at all");
    const expected = await loadSeries([bad], { bValue: null }).then(
      () => null,
      (e: AppError) => e,
    );
    expect(expected).toBeInstanceOf(AppError);
    const [a, b, err] = await Promise.all([
      pool.load(files, null),
      pool.load(files.slice(0, 2), null),
      pool.load([bad], null).then(
        () => null,
        (e: AppError) => e,
      ),
    ]);
    expect(a.geometry.slices).toBe(4);
    expect(b.geometry.slices).toBe(2);
    expect(err).toBeInstanceOf(AppError);
    expect({ code: err!.code, message: err!.message }).toEqual({
      code: expected!.code,
      message: expected!.message,
    });
  });

  it("an idle pool does not keep a CLI process alive", async () => {
    const bundle = path.join(
      REPO,
      `node_modules/.cache/livercad-tests/idle-pool-${process.pid}.cjs`,
    );
    await build({
      stdin: {
        contents: `
          const { VolumeWorkerPool } = require("./electron/services/workstation/volume-pool");
          const [script, ...files] = process.argv.slice(2);
          new VolumeWorkerPool(script, 2).load(files, null).then((v) => {
            console.log("slices=" + v.geometry.slices); // and no close(): the process must end
          });
        `,
        resolveDir: REPO,
        loader: "ts",
      },
      outfile: bundle,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      logLevel: "warning",
    });
    try {
      const run = spawnSync(process.execPath, [bundle, script, ...files], {
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(run.signal).toBeNull(); // not killed by the timeout
      expect(run.status).toBe(0);
      expect(run.stdout.trim()).toBe("slices=4");
    } finally {
      fs.rmSync(bundle, { force: true });
    }
  });

  it("the worker script run on its own stops with a WorkerSetupError naming it", () => {
    const run = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 20_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("WorkerSetupError");
    expect(run.stderr).toContain("The volume worker must be started by the application");
  });
});
