// `livercad delete` and `livercad retention` (issue 13 §7) through the built CLI: key=value lines,
// a reason required, an unknown study and a busy one refused by name with nothing changed, the
// audit entry, the admin role under requireSignIn, and retention's dry run vs the real run.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ImportWriter,
  Registry,
  writeSiteSetting,
  type SeriesBatch,
} from "../../electron/registry";
import { addUser } from "../../electron/services/users/accounts";
import { dataPaths } from "../../electron/services/paths";
import { runCli } from "../helpers/cli";
import { batch } from "../registry/helpers";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-delete-cli-"));
const db = path.join(dir, "registry.sqlite");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const OS_USER = os.userInfo().username;
const uidOf = (n: string): string => `1.2.826.0.1.3680043.10.1.${n}`;
const cli = (args: string[]) => runCli([...args, "--db", db]);

function withDb<T>(f: (r: Registry) => T): T {
  const r = Registry.open(dataPaths(db));
  try {
    return f(r);
  } finally {
    r.close();
  }
}

function store(r: Registry, b: SeriesBatch): void {
  new ImportWriter(r.db).commitSeries(b);
  for (const i of b.instances) {
    const file = path.join(r.paths.store, ...i.storePath.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "x");
  }
}

describe("livercad delete", () => {
  it("needs a study and a reason, refuses unknown and busy studies, deletes with an audit entry", () => {
    withDb((r) => {
      store(r, batch("1", "1", 3));
      store(r, batch("2", "1", 2));
    });
    let res = cli(["delete", "--study", uidOf("1")]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      "[USAGE]: --reason TEXT refused: give a reason for the deletion (it is kept in the audit log).",
    );
    res = cli(["delete", "--study", uidOf("1"), "--reason", "x".repeat(501)]);
    expect(res.stderr).toContain("--reason TEXT refused: a reason of at most 500 characters");
    res = cli(["delete", "--reason", "dup"]);
    expect(res.stderr).toContain("--study UID is required");
    res = cli(["delete", "--study", uidOf("9"), "--reason", "dup"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      `[USAGE]: No study ${uidOf("9")} in the registry; nothing was deleted.`,
    );
    withDb((r) =>
      r.db
        .prepare(
          `INSERT INTO jobs (kind, study_ref, state, created_at, updated_at, owner, lease_expires_at)
           VALUES ('analyze', 1, 'running', 'x', 'x', 'o', ?)`,
        )
        .run(new Date(Date.now() + 60_000).toISOString()),
    );
    res = cli(["delete", "--study", uidOf("1"), "--reason", "dup"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      `[BUSY]: Study ${uidOf("1")} was not deleted: the study is being analyzed; cancel the analysis first`,
    );
    withDb((r) => r.db.prepare("DELETE FROM jobs").run());

    res = cli(["delete", "--study", uidOf("1"), "--reason", "sent to the wrong workstation"]);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout.trim().split("\n")).toEqual([
      `deleted=${uidOf("1")}`,
      "series=1",
      "instances=3",
      "analyses=0",
      "files_removed=3",
      "files_missing=0",
      "file_errors=0",
    ]);
    withDb((r) => {
      expect(r.db.prepare("SELECT COUNT(*) AS n FROM studies").get()).toEqual({ n: 1 });
      expect(fs.readdirSync(r.paths.store)).toEqual([uidOf("2")]);
      const a = r.db
        .prepare<[], { actor: string; study_ref: null; d: string }>(
          "SELECT actor, study_ref, details_json AS d FROM audit_log WHERE action = 'study.delete'",
        )
        .all();
      expect(a).toHaveLength(1);
      expect(a[0]!.actor).toBe(OS_USER);
      expect(JSON.parse(a[0]!.d)).toMatchObject({
        studyInstanceUid: uidOf("1"),
        reason: "sent to the wrong workstation",
        via: "cli",
        series: 1,
        instances: 3,
      });
    });
  });

  it("needs the admin role when the site requires sign-in", () => {
    withDb((r) => {
      addUser(
        r.db,
        { username: "siteit", displayName: "IT", role: "admin", password: "long password 1" },
        "x",
      );
      addUser(
        r.db,
        { username: OS_USER, displayName: "Shell", role: "nurse", password: "long password 2" },
        "x",
      );
      writeSiteSetting(r.db, "requireSignIn", true, "siteit");
    });
    const res = cli(["delete", "--study", uidOf("2"), "--reason", "dup"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      `[FORBIDDEN]: Deleting studies needs the admin role; ${OS_USER} is signed in as nurse.`,
    );
    // A dry run only lists: allowed; the real run is refused the same way.
    expect(cli(["retention", "--dry-run"]).status).toBe(0);
    expect(cli(["retention"]).stderr).toContain(
      "[FORBIDDEN]: Deleting studies needs the admin role",
    );
    withDb((r) => {
      expect(r.db.prepare("SELECT COUNT(*) AS n FROM studies").get()).toEqual({ n: 1 });
      writeSiteSetting(r.db, "requireSignIn", false, "siteit");
    });
  });
});

describe("livercad retention", () => {
  it("does nothing at 0, lists with --dry-run, deletes old studies and keeps unreviewed ones", () => {
    withDb((r) => {
      store(r, batch("3", "1", 2));
      store(r, batch("4", "1", 1));
      // 2 and 3 arrived 40 days ago; 4 today. 3 has an analysis nobody reviewed.
      r.db
        .prepare("UPDATE studies SET created_at = ? WHERE study_instance_uid IN (?, ?)")
        .run(new Date(Date.now() - 40 * 86_400_000).toISOString(), uidOf("2"), uidOf("3"));
      r.db
        .prepare(
          `INSERT INTO analyses (study_ref, status, sequences_json, models_json, provider,
             parameters_json, timings_json, app_version, started_at, finished_at)
           SELECT id, 'no-roi', '{}', '[]', 'cpu', '{}', '{}', '0.1.0', 'x', 'x' FROM studies
            WHERE study_instance_uid = ?`,
        )
        .run(uidOf("3"));
    });
    let res = cli(["retention"]);
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("retention_days=0\n");
    expect(res.stdout).toContain("deleted=0\n");
    expect(cli(["settings", "retentionDays=-1"]).stderr).toContain(
      'Site setting retentionDays="-1" refused: days (0-36500, 0 = keep forever)',
    );
    expect(cli(["settings", "retentionDays=30"]).stdout).toContain("retentionDays=30");

    res = cli(["retention", "--dry-run"]);
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split("\n");
    expect(lines.slice(0, 2)).toEqual(["retention_days=30", "dry_run=true"]);
    expect(lines[2]).toMatch(
      new RegExp(
        `^would-delete ${uidOf("2").replace(/\./g, "\\.")} arrived=\\S+ series=1 instances=2$`,
      ),
    );
    expect(lines[3]).toMatch(/^kept \S+ arrived=\S+ why=its CAD result is not marked reviewed$/);
    expect(lines.slice(4)).toEqual([
      "would_delete=1",
      "kept=1",
      "failed=0",
      "files_removed=0",
      "file_errors=0",
      "orphan_files=0",
      "orphan_files_removed=0",
    ]);
    withDb((r) =>
      expect(r.db.prepare("SELECT COUNT(*) AS n FROM studies").get()).toEqual({ n: 3 }),
    );

    res = cli(["retention"]);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(
      new RegExp(
        `^deleted ${uidOf("2").replace(/\./g, "\\.")} arrived=\\S+ series=1 instances=2 files_removed=2$`,
        "m",
      ),
    );
    expect(res.stdout).toContain("\ndeleted=1\nkept=1\nfailed=0\nfiles_removed=2\nfile_errors=0\n");
    withDb((r) => {
      const left = r.db
        .prepare<[], { u: string }>("SELECT study_instance_uid AS u FROM studies ORDER BY id")
        .all()
        .map((s) => s.u);
      expect(left).toEqual([uidOf("3"), uidOf("4")]);
      const reasons = r.db
        .prepare<[], { d: string }>(
          "SELECT details_json AS d FROM audit_log WHERE action = 'study.delete' ORDER BY id",
        )
        .all()
        .map((a) => (JSON.parse(a.d) as { reason: string; via: string }).via);
      expect(reasons).toEqual(["cli", "retention"]);
      // Each real run is audited with its counts (the app's daily schedule counts from it).
      const runs = r.db
        .prepare<[], { d: string }>(
          "SELECT details_json AS d FROM audit_log WHERE action = 'retention.run' ORDER BY id",
        )
        .all()
        .map((a) => JSON.parse(a.d) as Record<string, unknown>);
      expect(runs.map((x) => [x.via, x.retentionDays, x.deleted])).toEqual([
        ["cli", 0, 0],
        ["cli", 30, 1],
      ]);
      expect(runs[1]).toMatchObject({ state: "done", kept: 1, failed: 0, filesRemoved: 2 });
    });
  });
});
