// The workstation's own housekeeping (issue 13 §7): the files an interrupted deletion left are
// swept when the app opens (audited as store.sweep only when there were any); the retention limit
// runs inside the app once a day only when the site set both `retentionInApp` and
// `retentionDays`, each deletion audited as `livercad retention`'s are and the run as
// retention.run; the day counts from the last run of any workstation or the CLI; the timer wired
// into openWorkstation deletes and rebuilds the worklist. Generated rows only (STYLE.md 11).
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ServiceEvent } from "../../../electron/contract/ipc";
import {
  deleteStudyRecords,
  ImportWriter,
  Registry,
  writeSiteSetting,
  type Db,
  type SeriesBatch,
} from "../../../electron/registry";
import { applyRetention } from "../../../electron/services/site/deletion";
import {
  auditRetentionRun,
  claimScheduledRetention,
  RETENTION_PERIOD_MS,
  runScheduledRetention,
  startRetentionSchedule,
  sweepAtStart,
} from "../../../electron/services/site/maintenance";
import { dataPaths } from "../../../electron/services/paths";
import { openWorkstation } from "../../../electron/services/workstation/index";
import { batch, tempDir } from "../../registry/helpers";

const uidOf = (n: string): string => `1.2.826.0.1.3680043.10.1.${n}`;
const DAY = 86_400_000;
const open: Registry[] = [];
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

function registry(dbFile = path.join(tempDir("livercad-maint-"), "registry.sqlite")): Registry {
  const r = Registry.open(dataPaths(dbFile));
  open.push(r);
  return r;
}

function storeSeries(reg: Registry, b: SeriesBatch): void {
  new ImportWriter(reg.db).commitSeries(b);
  for (const i of b.instances) {
    const file = path.join(reg.paths.store, ...i.storePath.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `pixels of ${i.sopInstanceUid}`);
  }
}

/** Study 1 arrived 400 days ago, study 2 ten days ago; neither analyzed. */
function cohort(reg: Registry, nowMs: number): void {
  storeSeries(reg, batch("1", "1", 2));
  storeSeries(reg, batch("2", "1", 2));
  const arrived = reg.db.prepare("UPDATE studies SET created_at = ? WHERE study_instance_uid = ?");
  arrived.run(new Date(nowMs - 400 * DAY).toISOString(), uidOf("1"));
  arrived.run(new Date(nowMs - 10 * DAY).toISOString(), uidOf("2"));
}

const studies = (db: Db): string[] =>
  db
    .prepare<[], { u: string }>("SELECT study_instance_uid AS u FROM studies ORDER BY id")
    .all()
    .map((s) => s.u);

const audit = (db: Db, action: string): { actor: string; d: Record<string, unknown> }[] =>
  db
    .prepare<[string], { actor: string; d: string }>(
      "SELECT actor, details_json AS d FROM audit_log WHERE action = ? ORDER BY id",
    )
    .all(action)
    .map((a) => ({ actor: a.actor, d: JSON.parse(a.d) as Record<string, unknown> }));

describe("the sweep at app start", () => {
  it("removes the files an interrupted deletion left when the workstation opens, audited once", async () => {
    const dbFile = path.join(tempDir("livercad-maint-"), "db", "registry.sqlite");
    const reg = Registry.open(dataPaths(dbFile));
    storeSeries(reg, batch("7", "1", 2));
    storeSeries(reg, batch("8", "1", 1));
    // A crash between the deletion's commit and its unlinks: rows gone, files left.
    deleteStudyRecords(reg.db, {
      studyInstanceUid: uidOf("7"),
      actor: "a",
      reason: "duplicate",
      via: "app",
    });
    const dir7 = path.join(reg.paths.store, uidOf("7"), `${uidOf("7")}.1`);
    const old = (Date.now() - 2 * 3_600_000) / 1000;
    for (const f of fs.readdirSync(dir7)) fs.utimesSync(path.join(dir7, f), old, old);
    const store = reg.paths.store;
    reg.close();

    const ws = openWorkstation({ dbFile, transport: "bridge", actor: "osuser" });
    try {
      expect(fs.existsSync(path.join(store, uidOf("7")))).toBe(false);
      expect(fs.readdirSync(path.join(store, uidOf("8"), `${uidOf("8")}.1`))).toHaveLength(1);
      expect(audit(ws.registry.db, "store.sweep")).toEqual([
        {
          actor: "osuser",
          d: { via: "app-start", found: 2, removed: 2, missing: 0, errors: 0 },
        },
      ]);
    } finally {
      await ws.close();
    }
    // Nothing left to sweep: no second entry.
    const again = openWorkstation({ dbFile, transport: "bridge", actor: "osuser" });
    try {
      expect(audit(again.registry.db, "store.sweep")).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it("keeps young files (an import writing) and answers how many it found", () => {
    const reg = registry();
    storeSeries(reg, batch("7", "1", 2));
    deleteStudyRecords(reg.db, {
      studyInstanceUid: uidOf("7"),
      actor: "a",
      reason: "r",
      via: "app",
    });
    expect(sweepAtStart(reg, "osuser")).toEqual({ found: 0, removed: 0, missing: 0, errors: [] });
    expect(fs.readdirSync(path.join(reg.paths.store, uidOf("7"), `${uidOf("7")}.1`))).toHaveLength(
      2,
    );
    expect(audit(reg.db, "store.sweep")).toEqual([]);
    // Three hours later they are a deletion's leftovers.
    const later = Date.now() + 3 * 3_600_000;
    expect(sweepAtStart(reg, "osuser", later)).toMatchObject({ found: 2, removed: 2 });
  });
});

describe("retention inside the app", () => {
  const NOW = Date.now();

  it("deletes nothing unless the site set both retentionInApp and retentionDays", () => {
    const reg = registry();
    cohort(reg, NOW);
    expect(claimScheduledRetention(reg.db, "osuser", NOW)).toEqual({
      due: false,
      why: "retentionInApp is off",
    });
    writeSiteSetting(reg.db, "retentionDays", 365, "it.admin");
    expect(runScheduledRetention(reg, { actor: "osuser", nowMs: NOW })).toBeNull();
    writeSiteSetting(reg.db, "retentionDays", 0, "it.admin");
    writeSiteSetting(reg.db, "retentionInApp", true, "it.admin");
    expect(claimScheduledRetention(reg.db, "osuser", NOW)).toEqual({
      due: false,
      why: "retentionDays=0 keeps every study",
    });
    expect(runScheduledRetention(reg, { actor: "osuser", nowMs: NOW })).toBeNull();
    expect(studies(reg.db)).toEqual([uidOf("1"), uidOf("2")]);
    expect(audit(reg.db, "retention.run")).toEqual([]);
    expect(audit(reg.db, "study.delete")).toEqual([]);
  });

  it("runs once a day: deletions audited as livercad retention's, the run with its counts", () => {
    const reg = registry();
    cohort(reg, NOW);
    writeSiteSetting(reg.db, "retentionDays", 365, "it.admin");
    writeSiteSetting(reg.db, "retentionInApp", true, "it.admin");
    const report = runScheduledRetention(reg, { actor: "osuser", nowMs: NOW });
    expect(report?.studies.map((s) => [s.studyInstanceUid, s.outcome])).toEqual([
      [uidOf("1"), "deleted"],
    ]);
    expect(studies(reg.db)).toEqual([uidOf("2")]);
    expect(fs.existsSync(path.join(reg.paths.store, uidOf("1")))).toBe(false);
    expect(audit(reg.db, "study.delete").map((a) => [a.actor, a.d.reason, a.d.via])).toEqual([
      ["osuser", "retention", "retention"],
    ]);
    const runs = audit(reg.db, "retention.run");
    expect(runs.map((r) => r.d)).toEqual([
      { via: "app", state: "started", retentionDays: 365 },
      {
        via: "app",
        state: "done",
        retentionDays: 365,
        dryRun: false,
        deleted: 1,
        kept: 0,
        failed: 0,
        filesRemoved: 2,
        fileErrors: 0,
        orphanFiles: 0,
        orphanFilesRemoved: 0,
      },
    ]);
    // Not again the same day; the next day it runs (nothing left to delete).
    expect(claimScheduledRetention(reg.db, "osuser", NOW + 3_600_000)).toMatchObject({
      due: false,
    });
    expect(runScheduledRetention(reg, { actor: "osuser", nowMs: NOW + 3_600_000 })).toBeNull();
    const next = runScheduledRetention(reg, {
      actor: "osuser",
      nowMs: NOW + RETENTION_PERIOD_MS + 60_000,
    });
    expect(next?.studies).toEqual([]);
    expect(audit(reg.db, "retention.run")).toHaveLength(4);
  });

  it("counts its day from a livercad retention run too", () => {
    const reg = registry();
    cohort(reg, NOW);
    writeSiteSetting(reg.db, "retentionDays", 365, "it.admin");
    writeSiteSetting(reg.db, "retentionInApp", true, "it.admin");
    const cron = applyRetention(reg, { actor: "cron", dryRun: false });
    auditRetentionRun(reg.db, "cron", "cli", cron);
    expect(claimScheduledRetention(reg.db, "osuser", Date.now())).toMatchObject({ due: false });
  });

  it("the timer runs a due retention, tells the worklist, and stops", async () => {
    const reg = registry();
    cohort(reg, Date.now());
    writeSiteSetting(reg.db, "retentionDays", 365, "it.admin");
    writeSiteSetting(reg.db, "retentionInApp", true, "it.admin");
    const changed: string[][] = [];
    const schedule = startRetentionSchedule(reg, {
      actor: () => "osuser",
      changed: (uids) => changed.push(uids),
      firstCheckMs: 5,
      checkMs: 60_000,
    });
    try {
      await expect.poll(() => changed, { timeout: 5_000 }).toEqual([[uidOf("1")]]);
    } finally {
      schedule.stop();
    }
    expect(studies(reg.db)).toEqual([uidOf("2")]);
  });

  it("openWorkstation starts the schedule: the old study goes and the worklist is rebuilt", async () => {
    const dbFile = path.join(tempDir("livercad-maint-"), "db", "registry.sqlite");
    const reg = Registry.open(dataPaths(dbFile));
    cohort(reg, Date.now());
    writeSiteSetting(reg.db, "retentionDays", 365, "it.admin");
    writeSiteSetting(reg.db, "retentionInApp", true, "it.admin");
    reg.close();
    const ws = openWorkstation({
      dbFile,
      transport: "bridge",
      actor: "osuser",
      retentionCheckMs: { first: 20, every: 60_000 },
    });
    const events: ServiceEvent[] = [];
    ws.service.onEvent((e) => events.push(e));
    try {
      await expect.poll(() => studies(ws.registry.db), { timeout: 10_000 }).toEqual([uidOf("2")]);
      await expect
        .poll(() => events.some((e) => e.type === "registry-changed"), { timeout: 5_000 })
        .toBe(true);
      expect(audit(ws.registry.db, "retention.run").map((r) => r.d.state)).toEqual([
        "started",
        "done",
      ]);
    } finally {
      await ws.close();
    }
  });
});
