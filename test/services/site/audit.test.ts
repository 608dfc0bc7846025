// Audit and accountability (issue 13 §6): study opens (one per minute per user), imports, analysis
// requests and threshold changes are recorded with user and time; review comments stay out of the
// audit text (a reference to the review row instead); filters and a CSV that cannot inject
// formulas into a spreadsheet.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../db/index";
import type { JobView } from "../../../electron/contract/ipc";
import { configure, ImportWriter, migrate, saveReview, type Db } from "../../../electron/registry";
import { auditCsv, queryAudit } from "../../../electron/registry/audit-query";
import {
  auditAnalysisRequest,
  auditImport,
  auditStudyOpen,
  auditThreshold,
} from "../../../electron/services/site/audit-events";
import { batch, tempDir } from "../../registry/helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});
const STUDY = "1.2.826.0.1.3680043.10.1.5";

function setup(): Db {
  const db = new Database(path.join(tempDir(), "registry.sqlite"));
  configure(db);
  open.push(db);
  migrate(db, MIGRATIONS);
  new ImportWriter(db).commitSeries(batch("5", "1", 3));
  return db;
}

describe("audit", () => {
  it("records opens, imports, analysis requests and threshold changes with user and time", () => {
    const db = setup();
    auditStudyOpen(db, "nurse1", STUDY);
    auditStudyOpen(db, "nurse1", STUDY); // a refresh: the same open
    auditStudyOpen(db, "rad1", STUDY);
    const job = { id: -1, state: "failed", summary: null, error: "x" } as unknown as JobView;
    auditImport(db, "nurse1", job, 1);
    auditAnalysisRequest(db, "nurse1", [STUDY], false, 1);
    auditThreshold(db, "nurse1", 70, 70); // not a change
    auditThreshold(db, "nurse1", 70, 50);
    const rows = queryAudit(db);
    expect(rows.map((r) => `${r.actor} ${r.action}`).reverse()).toEqual([
      "nurse1 study.open",
      "rad1 study.open",
      "nurse1 import",
      "nurse1 analysis.request",
      "nurse1 worklist.threshold",
    ]);
    expect(rows.every((r) => /^\d{4}-\d{2}-\d{2}T/.test(r.at))).toBe(true);
    expect(rows[0]!.details).toEqual({ topPercent: { from: 70, to: 50 } });
    expect(queryAudit(db, { actor: "rad1" })).toHaveLength(1);
    expect(queryAudit(db, { action: "study." })).toHaveLength(2);
    expect(queryAudit(db, { studyInstanceUid: STUDY })).toHaveLength(3);
    expect(queryAudit(db, { until: "2000-01-01" })).toHaveLength(0);
  });

  it("keeps the comment text out of the audit log", () => {
    const db = setup();
    const secret = "Mrs Smith's husband called";
    saveReview(db, STUDY, { reviewed: false, urgent: true, comment: secret }, "nurse1");
    const rows = queryAudit(db, { action: "review.update" });
    expect(JSON.stringify(rows)).not.toContain("Smith");
    const ref = db.prepare("SELECT id FROM reviews").get() as { id: number };
    expect(rows[0]!.details).toEqual({
      urgent: true,
      comment: { reviewId: ref.id, characters: secret.length },
    });
  });

  it("writes CSV with a header and formula escaping", () => {
    const db = setup();
    auditThreshold(db, "=cmd|' /C calc'!A0", 70, 60);
    const csv = auditCsv(queryAudit(db));
    expect(csv.startsWith("\ufeffid,at,user,action,study_instance_uid,details\n")).toBe(true);
    expect(csv).toContain("'=cmd");
  });
});
