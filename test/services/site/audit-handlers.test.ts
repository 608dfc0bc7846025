// The Audit screen's channels (issue 13 §6) through the validating dispatcher: filters by user,
// action (or prefix), time and study; choices for the filter; bad dates, an empty range and a
// relative folder refused with the reason; the CSV export escapes formulas, is the CLI's format,
// and is itself audited without the folder's name.
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../db/index";
import {
  configure,
  ImportWriter,
  migrate,
  type Db,
  type Registry,
} from "../../../electron/registry";
import { appendAudit } from "../../../electron/registry/audit";
import { queryAudit } from "../../../electron/registry/audit-query";
import { auditHandlers } from "../../../electron/services/site/audit-handlers";
import { auditStudyOpen, auditThreshold } from "../../../electron/services/site/audit-events";
import { dispatch } from "../../../electron/services/workstation/dispatch";
import type { Handlers } from "../../../electron/services/workstation/service";
import { batch, tempDir } from "../../registry/helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});
const STUDY = "1.2.826.0.1.3680043.10.1.5";

function setup() {
  const dir = tempDir("livercad-audit-screen-");
  const db = new Database(path.join(dir, "registry.sqlite"));
  configure(db);
  open.push(db);
  migrate(db, MIGRATIONS);
  new ImportWriter(db).commitSeries(batch("5", "1", 3));
  auditStudyOpen(db, "nurse1", STUDY);
  auditThreshold(db, '=HYPERLINK("http://x")', 70, 50);
  appendAudit(db, {
    actor: "rad1",
    action: "review.update",
    studyRef: 1,
    details: { urgent: true },
  });
  db.prepare("UPDATE audit_log SET at = '2020-01-02T10:00:00.000Z' WHERE actor = 'rad1'").run();
  const handlers = auditHandlers(() => ({
    registry: { db } as unknown as Registry,
    actor: () => "coord1",
  })) as unknown as Handlers;
  return { db, dir, call: (c: string, p: unknown) => dispatch(handlers, c, p) };
}

describe("audit:query", () => {
  it("filters by user, action, prefix, time and study and lists the choices", async () => {
    const { call } = setup();
    const all = await call("audit:query", {});
    expect(all).toMatchObject({ ok: true, value: { total: 3 } });
    const v = (all as { value: { users: string[]; actions: string[]; rows: unknown[] } }).value;
    expect(v.users).toEqual(['=HYPERLINK("http://x")', "nurse1", "rad1"]);
    expect(v.actions).toEqual(["review.update", "study.open", "worklist.threshold"]);
    const count = async (p: object) =>
      ((await call("audit:query", p)) as { value: { total: number; rows: unknown[] } }).value;
    expect((await count({ user: "nurse1" })).total).toBe(1);
    expect((await count({ action: "review." })).total).toBe(1);
    expect((await count({ studyInstanceUid: STUDY })).total).toBe(2);
    expect((await count({ since: "2020-01-01", until: "2020-01-03" })).total).toBe(1);
    expect((await count({ until: "2020-01-02" })).total).toBe(1); // the whole day
    expect((await count({ since: "2020-01-02T11:00:00+01:00", until: "2020-01-02" })).total).toBe(
      1,
    );
    const limited = await count({ limit: 1 });
    expect([limited.total, limited.rows.length]).toEqual([3, 1]);
  });

  it("refuses a bad date and an empty range with the reason", async () => {
    const { call } = setup();
    expect(await call("audit:query", { since: "yesterday-ish" })).toMatchObject({
      ok: false,
      error: {
        code: "INVALID_REQUEST",
        message: expect.stringContaining("at since: a date or time"),
      },
    });
    expect(await call("audit:query", { since: "2026-02-01", until: "2026-01-01" })).toMatchObject({
      ok: false,
      error: { code: "USAGE", message: expect.stringContaining("The date range is empty") },
    });
    expect(await call("audit:query", { studyInstanceUid: "Robert'); DROP" })).toMatchObject({
      ok: false,
      error: { code: "INVALID_REQUEST" },
    });
  });
});

describe("audit:export", () => {
  it("writes the filtered CSV with formulas escaped and audits the export", async () => {
    const { call, db, dir } = setup();
    const outDir = path.join(dir, "SMITH_audit");
    const r = (await call("audit:export", { outDir, action: "worklist.threshold" })) as {
      ok: true;
      value: { file: string; rows: number };
    };
    expect(r.ok).toBe(true);
    expect(r.value.rows).toBe(1);
    expect(path.dirname(r.value.file)).toBe(outDir);
    expect(path.basename(r.value.file)).toMatch(/^audit-\d{8}-\d{6}\.csv$/);
    const csv = fs.readFileSync(r.value.file, "utf8");
    expect(csv.startsWith("\ufeffid,at,user,action,study_instance_uid,details\n")).toBe(true);
    expect(csv).toContain("'=HYPERLINK");
    expect(csv.split("\n").filter(Boolean)).toHaveLength(2);
    const [entry] = queryAudit(db, { action: "audit.export" });
    expect(entry).toMatchObject({
      actor: "coord1",
      details: { rows: 1, filter: { action: "worklist.threshold" } },
    });
    expect(JSON.stringify(entry)).not.toContain("SMITH");
  });

  it("refuses a relative folder", async () => {
    const { call } = setup();
    expect(await call("audit:export", { outDir: "audit/out" })).toMatchObject({
      ok: false,
      error: { code: "USAGE", message: expect.stringContaining('not "audit/out"') },
    });
  });
});
