// Triage that fits a nurse's day (issue 13 §4): the worklist's date filter on the study or the
// arrival date, "unreviewed only", the overdue flag after the site's limit (and how many overdue
// studies sit below the confidence cut), "urgent first", time in queue; the contract refuses a
// backwards range; a row's flag set from the worklist keeps the comment and the other flag and is
// audited; the index reads arrival, reviewed time and comment from the registry.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../db/index";
import type { WorklistQuery } from "../../../electron/contract/ipc";
import {
  configure,
  ImportWriter,
  migrate,
  saveReview,
  worklistIndexRows,
  type Db,
  type WorklistIndexRow,
} from "../../../electron/registry";
import { queryAudit } from "../../../electron/registry/audit-query";
import { setReviewFlag } from "../../../electron/registry/review-flags";
import {
  readSiteSettings,
  parseSiteSetting,
  writeSiteSetting,
} from "../../../electron/registry/site-settings";
import { auditThreshold } from "../../../electron/services/site/audit-events";
import { dispatch } from "../../../electron/services/workstation/dispatch";
import type { Handlers } from "../../../electron/services/workstation/service";
import {
  isOverdue,
  localDay,
  passesTriage,
  queueMinutes,
  triageClock,
} from "../../../electron/services/workstation/triage";
import { WorklistIndex } from "../../../electron/services/workstation/worklist";
import { batch, tempDir } from "../../registry/helpers";

const HOUR = 3_600_000;
/** The clock of every index test: noon local time on 2026-03-10. */
const NOW = new Date(2026, 2, 10, 12, 0, 0).getTime();
const ago = (hours: number) => new Date(NOW - hours * HOUR).toISOString();

function row(ref: number, extra: Partial<WorklistIndexRow> = {}): WorklistIndexRow {
  return {
    ref,
    studyInstanceUid: `1.2.${ref}`,
    patientName: `PAT^${ref}`,
    patientId: `ID${ref}`,
    studyDate: "20260310",
    studyTime: "080000",
    description: "",
    status: "analyzed",
    prediction: "HCC",
    probabilitiesJson: '{"HCC":0.6,"ICC":0.3,"metastasis":0.1}',
    confidence: 0.9 - ref / 100,
    reviewed: false,
    urgent: false,
    arrivedAt: ago(1),
    reviewedAt: null,
    comment: "",
    ...extra,
  };
}

const q = (over: Partial<WorklistQuery> = {}): WorklistQuery => ({
  queue: "all",
  topPercent: 50,
  sort: "confidence",
  descending: true,
  search: "",
  status: "",
  offset: 0,
  limit: 100,
  ...over,
});
const uids = (p: { rows: { studyInstanceUid: string }[] }) => p.rows.map((r) => r.studyInstanceUid);

// Ranked by confidence 1 > 2 > ... > 6; the 50% cut keeps 1-3.
// 1: study today, arrived 1 h ago.           4: study 2026-03-01, arrived 30 h ago (overdue).
// 2: study 2026-03-05, reviewed, arrived 50 h. 5: study 2026-03-09, arrived 2 h ago, urgent.
// 3: study 2026-03-10, arrived 26 h (overdue). 6: no study date, arrived 100 h ago (overdue), urgent.
const cohort = () => [
  row(1),
  row(2, { studyDate: "20260305", reviewed: true, arrivedAt: ago(50), reviewedAt: ago(49) }),
  row(3, { arrivedAt: ago(26) }),
  row(4, { studyDate: "20260301", arrivedAt: ago(30) }),
  row(5, { studyDate: "20260309", arrivedAt: ago(2), urgent: true, comment: "call Dr A" }),
  row(6, { studyDate: "", arrivedAt: ago(100), urgent: true }),
];
const clock = triageClock(24, NOW);

describe("triage rules", () => {
  it("counts time in queue until reviewed, or until now", () => {
    expect(queueMinutes(ago(2), null, NOW)).toBe(120);
    expect(queueMinutes(ago(50), ago(49), NOW)).toBe(60);
    expect(queueMinutes(undefined, null, NOW)).toBeNull();
    expect(queueMinutes("not a time", null, NOW)).toBeNull();
  });

  it("flags a study overdue only past the limit and only while unreviewed", () => {
    expect(isOverdue(row(1, { arrivedAt: ago(24.01) }), clock)).toBe(true);
    expect(isOverdue(row(1, { arrivedAt: ago(23.99) }), clock)).toBe(false);
    expect(isOverdue(row(1, { arrivedAt: ago(48), reviewed: true }), clock)).toBe(false);
    expect(isOverdue(row(1, { arrivedAt: ago(5) }), triageClock(4, NOW))).toBe(true);
    expect(isOverdue(row(1, { arrivedAt: undefined }), clock)).toBe(false);
  });

  it("reads the arrival day in local time and refuses rows without the date asked for", () => {
    expect(localDay(new Date(2026, 0, 31, 23, 59).toISOString())).toBe("20260131");
    expect(localDay("garbage")).toBe("");
    const noDate = row(1, { studyDate: "" });
    expect(passesTriage(noDate, q({ dateFrom: "20000101" }), false, () => "")).toBe(false);
    expect(passesTriage(noDate, q(), false, () => "")).toBe(true);
  });
});

describe("worklist index with triage filters", () => {
  it("filters on the study date: today, a week, a range with one open end", () => {
    const idx = new WorklistIndex(cohort());
    expect(uids(idx.page(q({ dateFrom: "20260310", dateTo: "20260310" }), clock))).toEqual([
      "1.2.1",
      "1.2.3",
    ]);
    expect(uids(idx.page(q({ dateFrom: "20260304", dateTo: "20260310" }), clock))).toEqual([
      "1.2.1",
      "1.2.2",
      "1.2.3",
      "1.2.5",
    ]);
    expect(uids(idx.page(q({ dateTo: "20260301" }), clock))).toEqual(["1.2.4"]);
  });

  it("filters on the arrival date when asked, in the workstation's local days", () => {
    const idx = new WorklistIndex(cohort());
    const today = localDay(new Date(NOW).toISOString());
    const arrivedToday = cohort()
      .filter((r) => localDay(r.arrivedAt!) === today)
      .map((r) => r.studyInstanceUid);
    const page = idx.page(q({ dateField: "arrival", dateFrom: today, dateTo: today }), clock);
    expect(uids(page)).toEqual(arrivedToday);
    // Study 6 has no study date but did arrive: the arrival filter finds it, the study one not.
    const day6 = localDay(ago(100));
    expect(
      uids(idx.page(q({ dateField: "arrival", dateFrom: day6, dateTo: day6 }), clock)),
    ).toContain("1.2.6");
    expect(uids(idx.page(q({ dateFrom: day6, dateTo: day6 }), clock))).not.toContain("1.2.6");
  });

  it("keeps unreviewed only, overdue only, and the queue and search still apply", () => {
    const idx = new WorklistIndex(cohort());
    expect(uids(idx.page(q({ unreviewedOnly: true }), clock))).not.toContain("1.2.2");
    expect(uids(idx.page(q({ overdueOnly: true }), clock))).toEqual(["1.2.3", "1.2.4", "1.2.6"]);
    expect(uids(idx.page(q({ overdueOnly: true, queue: "confident" }), clock))).toEqual(["1.2.3"]);
    expect(uids(idx.page(q({ overdueOnly: true, search: "id4" }), clock))).toEqual(["1.2.4"]);
    // A changed site limit applies at once.
    expect(uids(idx.page(q({ overdueOnly: true }), triageClock(48, NOW)))).toEqual(["1.2.6"]);
  });

  it("says how many overdue studies wait below the confidence cut", () => {
    const idx = new WorklistIndex(cohort());
    const page = idx.page(q({ queue: "confident" }), clock);
    // 6 is not analyzed-without-score here (it has a confidence), so the cut keeps 1-3: overdue
    // 3 is inside, 4 and 6 below.
    expect(page.overdue).toEqual({ limitHours: 24, total: 3, belowCut: 2 });
    expect(idx.page(q({ queue: "confident", topPercent: 100 }), clock).overdue!.belowCut).toBe(0);
    const shown = page.rows.find((r) => r.studyInstanceUid === "1.2.3")!;
    expect(shown.overdue).toBe(true);
    expect(shown.queueMinutes).toBe(26 * 60);
  });

  it("puts urgent studies first, then overdue ones, each in the chosen sort", () => {
    const idx = new WorklistIndex(cohort());
    expect(uids(idx.page(q({ urgentFirst: true }), clock))).toEqual([
      "1.2.5",
      "1.2.6",
      "1.2.3",
      "1.2.4",
      "1.2.1",
      "1.2.2",
    ]);
    expect(
      uids(idx.page(q({ urgentFirst: true, sort: "patientId", descending: false }), clock)),
    ).toEqual(["1.2.5", "1.2.6", "1.2.3", "1.2.4", "1.2.1", "1.2.2"]);
    // Next / previous study follow the same order.
    expect(idx.neighbour("1.2.6", "next", q({ urgentFirst: true }), clock)).toBe("1.2.3");
    expect(idx.neighbour("1.2.2", "next", q({ urgentFirst: true }), clock)).toBeNull();
  });

  it("shows the comment and the reviewed time on the row", () => {
    const idx = new WorklistIndex(cohort());
    const rows = idx.page(q(), clock).rows;
    expect(rows.find((r) => r.studyInstanceUid === "1.2.5")!.comment).toBe("call Dr A");
    const reviewed = rows.find((r) => r.studyInstanceUid === "1.2.2")!;
    expect(reviewed.reviewedAt).toBe(ago(49));
    expect(reviewed.queueMinutes).toBe(60);
    expect(reviewed.overdue).toBe(false);
  });

  it("searches rows added after the index was built (search text rebuilt)", () => {
    const idx = new WorklistIndex(cohort());
    expect(idx.page(q({ search: "id1" }), clock).total).toBe(1);
    idx.replace([row(7, { patientId: "NEW7" })]);
    expect(uids(idx.page(q({ search: "new7" }), clock))).toEqual(["1.2.7"]);
  });
});

describe("contract", () => {
  const handlers = {
    "worklist:page": async () => ({ ok: true }),
    "site:set": async (r: unknown) => r,
  } as unknown as Handlers;

  it("refuses a range that ends before it starts and dates that are not YYYYMMDD", async () => {
    const bad = await dispatch(handlers, "worklist:page", {
      ...q(),
      dateFrom: "20260310",
      dateTo: "20260301",
    });
    expect(bad).toEqual({
      ok: false,
      error: {
        code: "INVALID_REQUEST",
        message:
          "Invalid worklist:page request at dateTo: the date range ends before it starts (dateFrom after dateTo).",
      },
    });
    const format = await dispatch(handlers, "worklist:page", { ...q(), dateFrom: "2026-03-10" });
    expect(format.ok).toBe(false);
    if (!format.ok) expect(format.error.message).toContain("dateFrom: a date YYYYMMDD");
    const ok = await dispatch(handlers, "worklist:page", { ...q(), dateFrom: "20260310" });
    expect(ok.ok).toBe(true);
  });

  it("refuses an overdue limit outside 1-720 hours and an empty site:set", async () => {
    expect((await dispatch(handlers, "site:set", { overdueHours: 0 })).ok).toBe(false);
    expect((await dispatch(handlers, "site:set", { overdueHours: 721 })).ok).toBe(false);
    expect((await dispatch(handlers, "site:set", {})).ok).toBe(false);
    expect(await dispatch(handlers, "site:set", { overdueHours: 12 })).toEqual({
      ok: true,
      value: { overdueHours: 12 },
    });
  });
});

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

describe("registry", () => {
  it("reads arrival, the start of the current reviewed run and the latest comment", () => {
    const db = setup();
    const [before] = worklistIndexRows(db);
    expect(Date.parse(before!.arrivedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(before!.reviewedAt).toBeNull();
    expect(before!.comment).toBe("");
    const at = (iso: string, id: number) =>
      db.prepare("UPDATE reviews SET at = ? WHERE id = ?").run(iso, id);
    saveReview(db, STUDY, { reviewed: true, urgent: false, comment: "" }, "n1");
    at("2026-03-01T08:00:00.000Z", 1);
    saveReview(db, STUDY, { reviewed: false, urgent: false, comment: "" }, "n1");
    at("2026-03-01T09:00:00.000Z", 2);
    saveReview(db, STUDY, { reviewed: true, urgent: false, comment: "ok" }, "n1");
    at("2026-03-01T10:00:00.000Z", 3);
    saveReview(db, STUDY, { reviewed: true, urgent: true, comment: "seen, call" }, "n2");
    at("2026-03-01T11:00:00.000Z", 4);
    const [after] = worklistIndexRows(db);
    // Un-reviewed at 09:00 and reviewed again from 10:00: the queue time ends at 10:00.
    expect(after!.reviewedAt).toBe("2026-03-01T10:00:00.000Z");
    expect(after!.comment).toBe("seen, call");
  });

  it("sets one flag from the row, keeping the other flag and the comment, audited", () => {
    const db = setup();
    saveReview(db, STUDY, { reviewed: false, urgent: true, comment: "see prior" }, "n1");
    const state = setReviewFlag(db, STUDY, "reviewed", true, "n2");
    expect(state).toMatchObject({
      reviewed: true,
      urgent: true,
      comment: "see prior",
      actor: "n2",
    });
    setReviewFlag(db, STUDY, "urgent", false, "n2");
    const [r] = worklistIndexRows(db);
    expect({ reviewed: r!.reviewed, urgent: r!.urgent, comment: r!.comment }).toEqual({
      reviewed: true,
      urgent: false,
      comment: "see prior",
    });
    const audit = queryAudit(db, { action: "review.update", actor: "n2" });
    expect(audit.map((a) => a.details).reverse()).toEqual([{ reviewed: true }, { urgent: false }]);
    expect(() => setReviewFlag(db, "1.2.3.404", "urgent", true, "n2")).toThrow(
      /No study 1.2.3.404/,
    );
  });

  it("keeps the overdue limit as a site setting: default 24 h, bounded, audited", () => {
    const db = setup();
    expect(readSiteSettings(db).overdueHours).toBe(24);
    expect(() => parseSiteSetting("overdueHours", "0")).toThrow(/overdueHours="0" refused: hours/);
    expect(() => parseSiteSetting("overdueHours", "many")).toThrow(/refused/);
    writeSiteSetting(db, "overdueHours", parseSiteSetting("overdueHours", "12"), "admin");
    expect(readSiteSettings(db)).toMatchObject({ incompleteSeries: "block", overdueHours: 12 });
    const [entry] = queryAudit(db, { action: "site-setting" });
    expect(entry!.details).toEqual({ key: "overdueHours", from: 24, to: 12 });
  });

  it("audits the slider's percentage and the threshold mode, not a non-change", () => {
    const db = setup();
    auditThreshold(db, "n1", 70, 70, { from: null, to: null });
    auditThreshold(db, "n1", 70, 70, { from: null, to: 0.9 });
    auditThreshold(db, "n1", 70, 60, { from: 0.9, to: 0.9 });
    const rows = queryAudit(db, { action: "worklist.threshold" });
    expect(rows.map((r) => r.details).reverse()).toEqual([
      { minProbCorrect: { from: null, to: 0.9 } },
      { topPercent: { from: 70, to: 60 } },
    ]);
  });
});
