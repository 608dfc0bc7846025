// Cancelling a running export (issue 15): from the service (AbortSignal), from the dialog's
// channel (export:cancel -> job "cancelled", audited) and from the CLI (SIGINT -> exit 130). In
// every case the files the run wrote are removed (the folder holds nothing that looks like a
// complete export) and the registry and its store are untouched.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../../electron/registry";
import { ExportJobs } from "../../electron/services/export/jobs";
import { ExportCancelledError, exportStudies } from "../../electron/services/export/service";
import { dataPaths } from "../../electron/services/paths";
import { CLI } from "../helpers/cli";
import { copyFixture, exportFixture, tempOut } from "./fixture";

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

describe("export cancel", () => {
  let dbFile: string;
  let reg: Registry;
  let storeFiles: number;
  let instances: number;

  beforeAll(() => {
    dbFile = copyFixture(exportFixture());
    reg = Registry.open(dataPaths(dbFile));
    storeFiles = filesUnder(reg.paths.store).length;
    instances = (reg.db.prepare("SELECT COUNT(*) AS n FROM instances").get() as { n: number }).n;
  }, 900_000);
  afterAll(() => reg?.close());

  function registryIntact(): void {
    expect(reg.db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect((reg.db.prepare("SELECT COUNT(*) AS n FROM instances").get() as { n: number }).n).toBe(
      instances,
    );
    // Only complete result objects (SR / GSPS, each with its row) may have been added.
    const objects = (
      reg.db.prepare("SELECT COUNT(*) AS n FROM result_objects").get() as { n: number }
    ).n;
    expect(filesUnder(reg.paths.store).length).toBe(storeFiles + objects);
  }

  it("de-identified export stopped after 5 files: rejected as cancelled, every written file removed", async () => {
    const out = path.join(tempOut(), "deid");
    const stop = new AbortController();
    let seen = 0;
    const run = exportStudies(reg, {
      format: "deid",
      out,
      signal: stop.signal,
      onProgress: () => {
        seen++;
        if (seen === 5) stop.abort();
      },
    });
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExportCancelledError);
    expect((err as ExportCancelledError).removed).toBeGreaterThanOrEqual(5);
    expect((err as Error).message).toMatch(/^Export cancelled: \d+ partial files removed from /);
    expect(filesUnder(out)).toEqual([]);
    registryIntact();
  });

  it("PDF case sheets stopped after the first study: no per-study PDF and no batch PDF left", async () => {
    const out = tempOut();
    const stop = new AbortController();
    const err = await exportStudies(reg, {
      format: "pdf",
      out,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExportCancelledError);
    expect((err as ExportCancelledError).removed).toBe(1);
    expect(filesUnder(out)).toEqual([]);
    registryIntact();
  });

  it("an SR folder export stopped after one study keeps the stored objects complete", async () => {
    const out = tempOut();
    const stop = new AbortController();
    const err = await exportStudies(reg, {
      format: "sr",
      out,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExportCancelledError);
    expect(filesUnder(out)).toEqual([]);
    registryIntact();
  });

  it("the dialog's export:cancel ends the job 'cancelled', audited; a finished job is answered as it is", async () => {
    const jobs = new ExportJobs(reg, () => "tester");
    const out = path.join(tempOut(), "dialog");
    const job = jobs.start({ format: "deid", outDir: out, studyInstanceUids: [] });
    // Cancel as soon as the first file is reported.
    while (jobs.status(job.id).done === 0 && jobs.status(job.id).state === "running") {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(jobs.cancel(job.id).id).toBe(job.id);
    await jobs.idle();
    const s = jobs.status(job.id);
    expect(s.state).toBe("cancelled");
    expect(s.error).toMatch(/^Export cancelled: \d+ partial files? removed/);
    expect(filesUnder(out)).toEqual([]);
    expect(jobs.cancel(job.id).state).toBe("cancelled");
    const audit = reg.db
      .prepare<[], { details_json: string }>(
        "SELECT details_json FROM audit_log WHERE action = 'export' ORDER BY id DESC LIMIT 1",
      )
      .get()!;
    expect(JSON.parse(audit.details_json)).toMatchObject({ job: job.id, state: "cancelled" });
    expect(() => jobs.cancel(999)).toThrow(/No export 999/);
    registryIntact();
  });

  it("CLI: SIGINT during `livercad export --format deid` exits 130, prints cancelled=1, leaves no file", async () => {
    const out = path.join(tempOut(), "cli");
    const child = spawn(
      process.execPath,
      [CLI, "export", "--format", "deid", "--out", out, "--db", dbFile],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    // Interrupt once the export has written its first files.
    const deadline = Date.now() + 300_000;
    while (filesUnder(out).length < 3 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGINT");
    const code = await exited;
    expect(code, `${stdout}\n${stderr}`).toBe(130);
    expect(stdout).toMatch(/^cancelled=1 removed=\d+ format=deid out=/m);
    expect(stderr).toContain("stopping after the current file (SIGINT)");
    expect(filesUnder(out)).toEqual([]);
    registryIntact();
  }, 400_000);
});
