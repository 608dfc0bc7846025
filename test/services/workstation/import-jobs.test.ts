// Import jobs in the jobs table (issue 13 §5): the workstation's import queue writes each job as a
// `jobs` row of kind 'import' with its end state and findings (db/011); after a restart (a new
// store over the same registry, another owner) the past imports are listed with their summaries
// and reasons; an import whose process died ends "failed" with why, never "reading files"; a live
// owner's job is left alone. Migration 011 on a v9 database with rows keeps them.
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../db/index";
import {
  configure,
  ImportWriter,
  migrate,
  Registry,
  schemaVersion,
} from "../../../electron/registry";
import {
  ABANDONED_IMPORT,
  ABANDONED_QUEUED_IMPORT,
  createImportJob,
  recentImportJobs,
  saveImportProgress,
} from "../../../electron/registry/import-jobs";
import { claimNextJob, requeueInterruptedJobs } from "../../../electron/registry/jobs";
import { dataPaths } from "../../../electron/services/paths";
import { importer } from "../../../electron/services/workstation/index";
import { registryImportStore } from "../../../electron/services/workstation/import-store";
import { ImportQueue } from "../../../electron/services/workstation/imports";
import { batch, tempDir } from "../../registry/helpers";

const dir = tempDir("livercad-import-jobs-");
const registry = Registry.open(dataPaths(path.join(dir, "data", "registry.sqlite")));
afterAll(() => registry.close());

describe("import jobs live in the jobs table", () => {
  it("keeps each import's end state, summary and rejected files across a restart", async () => {
    const missing = path.join(dir, "no-such-folder");
    const empty = path.join(dir, "empty");
    fs.mkdirSync(empty);
    const txt = path.join(dir, "notes.txt");
    fs.writeFileSync(txt, "not an image\n");

    const q = new ImportQueue(
      importer(registry),
      () => undefined,
      registryImportStore(registry.db),
    );
    const started = [q.start([missing]), q.start([empty]), q.start([txt])];
    expect(started.every((j) => j.id > 0)).toBe(true);
    await q.idle();

    const rows = registry.db
      .prepare("SELECT kind, state, owner, finished_at FROM jobs WHERE kind = 'import' ORDER BY id")
      .all() as { kind: string; state: string; owner: string | null; finished_at: string }[];
    expect(rows.map((r) => r.state)).toEqual(["failed", "failed", "failed"]);
    expect(rows.every((r) => r.owner === null && r.finished_at !== null)).toBe(true);

    // "Restart": a new store (new owner) over the same registry lists what happened.
    const after = new ImportQueue(
      importer(registry),
      () => undefined,
      registryImportStore(registry.db),
    );
    const listed = after.list();
    expect(listed.map((j) => [j.id, j.kind, j.state, j.label])).toEqual([
      [started[0]!.id, "import", "failed", missing],
      [started[1]!.id, "import", "failed", empty],
      [started[2]!.id, "import", "failed", txt],
    ]);
    expect(listed[0]!.error).toBe(
      `Nothing imported: ${missing} does not exist (check that the disc or drive is mounted and the path is spelled right).`,
    );
    expect(listed[1]!.error).toBe(`Nothing imported: no files found in ${empty}.`);
    expect(listed[2]!.error).toContain("1 file(s) rejected (first: notes.txt:");
    expect(listed[2]!.summary).toMatchObject({ files: 1, imported: 0, rejected: 1, studies: 0 });
    expect(listed[2]!.fileErrors).toEqual([
      { path: txt, reason: expect.stringMatching(/.+/) as unknown as string },
    ]);
    expect(listed.every((j) => j.stage === null && j.progress === 1 && j.finishedAt)).toBe(true);
    // A past import "cancelled" after the restart is returned as it is, not touched.
    expect(after.cancel(started[0]!.id)?.state).toBe("failed");
  });

  it("ends an import whose process died, leaves a live owner's alone, and never feeds the analyzer", () => {
    const db = registry.db;
    const long = Date.now() - 10 * 60_000;
    const dead = createImportJob(
      db,
      { paths: ["/media/cd"], label: "/media/cd" },
      "1@x#dead",
      long,
    );
    saveImportProgress(
      db,
      dead,
      "1@x#dead",
      { state: "running", stage: "3 / 9 files", progress: 0.3 },
      long,
    );
    const deadQueued = createImportJob(db, { paths: ["/b"], label: "/b" }, "1@x#dead", long);
    const live = createImportJob(db, { paths: ["/c"], label: "/c" }, "2@x#live");
    // The analysis queue neither re-queues nor claims import jobs.
    expect(requeueInterruptedJobs(db)).toBe(0);
    expect(claimNextJob(db, "3@x#analyzer")).toBeNull();

    registryImportStore(db); // a start-up
    const byId = new Map(recentImportJobs(db).map((j) => [j.id, j]));
    expect(byId.get(dead)).toMatchObject({ state: "failed", error: ABANDONED_IMPORT, stage: null });
    expect(byId.get(deadQueued)).toMatchObject({ state: "failed", error: ABANDONED_QUEUED_IMPORT });
    expect(byId.get(live)).toMatchObject({ state: "queued", error: null });
  });

  it("a cancelled queued job is stored cancelled", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const q = new ImportQueue(
      async () => {
        await gate;
        return { studyInstanceUids: [], fileErrors: [] };
      },
      () => undefined,
      registryImportStore(registry.db),
    );
    q.start(["/slow"]);
    const queued = q.start(["/later"]);
    expect(q.cancel(queued.id)?.state).toBe("cancelled");
    release();
    await q.idle();
    const stored = recentImportJobs(registry.db).find((j) => j.id === queued.id);
    expect(stored?.state).toBe("cancelled");
  });
});

describe("migration 011", () => {
  it("moves a v9 database with jobs to v11; its jobs stay", () => {
    const db = new Database(path.join(tempDir(), "registry.sqlite"));
    configure(db);
    try {
      migrate(db, MIGRATIONS, 9);
      new ImportWriter(db).commitSeries(batch("11", "1", 2));
      db.prepare(
        `INSERT INTO jobs (kind, study_ref, state, created_at, updated_at)
         VALUES ('analyze', 1, 'done', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
      ).run();
      migrate(db, MIGRATIONS, 11);
      expect(schemaVersion(db)).toBe(11);
      expect(db.prepare("SELECT kind, state FROM jobs").all()).toEqual([
        { kind: "analyze", state: "done" },
      ]);
      expect(recentImportJobs(db)).toEqual([]);
      const id = createImportJob(db, { paths: ["/x"], label: "/x" }, "1@x#a");
      expect(() =>
        db
          .prepare("INSERT INTO import_job_results (job_ref, file_errors_json) VALUES (?, 'nope')")
          .run(id),
      ).toThrow(/CHECK/);
    } finally {
      db.close();
    }
  });
});
