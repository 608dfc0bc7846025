// Migration 005 (job owner, lease, heartbeat) on a database at v4 holding real job rows: the rows
// survive without an owner or lease, and a row left running by an older version counts as expired
// (re-queued), while a leased running job is left to its owner.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../db/index";
import {
  claimNextJob,
  configure,
  ImportWriter,
  migrate,
  requeueInterruptedJobs,
  schemaVersion,
  type Db,
} from "../../electron/registry";
import { batch, tempDir } from "./helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

describe("migration 005", () => {
  it("adds owner, lease and heartbeat to existing jobs; legacy running rows are re-queued", () => {
    const db = new Database(path.join(tempDir(), "registry.sqlite"));
    open.push(db);
    configure(db);
    migrate(db, MIGRATIONS, 4);
    new ImportWriter(db).commitSeries(batch("1", "1", 2));
    const now = new Date().toISOString();
    const add = db.prepare(
      `INSERT INTO jobs (kind, study_ref, state, created_at, updated_at)
       VALUES ('analyze', 1, ?, ?, ?)`,
    );
    add.run("running", now, now);
    add.run("done", now, now);
    migrate(db, MIGRATIONS, 5);
    expect(schemaVersion(db)).toBe(5);
    const rows = db
      .prepare("SELECT state, owner, lease_expires_at, heartbeat_at FROM jobs ORDER BY id")
      .all();
    expect(rows).toEqual([
      { state: "running", owner: null, lease_expires_at: null, heartbeat_at: null },
      { state: "done", owner: null, lease_expires_at: null, heartbeat_at: null },
    ]);
    expect(requeueInterruptedJobs(db)).toBe(1);
    const claimed = claimNextJob(db, "me@host#1");
    expect(claimed).toMatchObject({ jobId: 1, studyRef: 1, attempts: 1 });
    const row = db.prepare("SELECT owner, lease_expires_at FROM jobs WHERE id = 1").get() as {
      owner: string;
      lease_expires_at: string;
    };
    expect(row.owner).toBe("me@host#1");
    expect(Date.parse(row.lease_expires_at)).toBeGreaterThan(Date.now());
    // A live lease is not taken by the next claim.
    expect(claimNextJob(db, "other@host#2")).toBeNull();
  });
});
