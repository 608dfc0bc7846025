// Sequence override safety (issue 13 §2): a reason is required, localizers / derived maps /
// non-axial stacks cannot be chosen (with the reason shown), and a study whose assignment changed
// after its analysis reports the stale sequences.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../db/index";
import {
  configure,
  ImportWriter,
  migrate,
  overrideAssignment,
  saveAutoAssignments,
  type Db,
} from "../../../electron/registry";
import { staleSequences, unusableSeries } from "../../../electron/registry/series-usability";
import { checkOverride } from "../../../electron/services/site/override";
import { batch, tempDir } from "../../registry/helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

const STUDY = "1.2.826.0.1.3680043.10.1.9";
const FIVE = ["T1_pre", "T2", "T1_arterial", "T1_venous", "DWI"] as const;

function setup(): Db {
  const db = new Database(path.join(tempDir(), "registry.sqlite"));
  configure(db);
  open.push(db);
  migrate(db, MIGRATIONS);
  const w = new ImportWriter(db);
  for (let k = 1; k <= 5; k++) w.commitSeries(batch("9", String(k), 6));
  w.commitSeries(batch("9", "6", 6, "3-plane loc"));
  const coronal = batch("9", "7", 6, "cor t2");
  w.commitSeries({ ...coronal, orientation: [1, 0, 0, 0, 0, -1] });
  w.commitSeries(batch("9", "8", 6, "ax t1 delayed"));
  saveAutoAssignments(db, STUDY, {
    assignments: FIVE.map((q, k) => ({
      sequence: q,
      seriesInstanceUid: `${STUDY}.${k + 1}`,
      rule: "test-rule",
      detail: q,
    })),
    excluded: [
      { seriesInstanceUid: `${STUDY}.6`, rule: "localizer-name", reason: "localizer scan" },
      { seriesInstanceUid: `${STUDY}.8`, rule: "delayed-phase", reason: "later than portal" },
    ],
  });
  return db;
}

const req = (seriesInstanceUid: string | null, reason = "arterial timing wrong") => ({
  studyInstanceUid: STUDY,
  sequence: "T1_arterial" as const,
  seriesInstanceUid,
  reason,
});

describe("override safety", () => {
  it("lists localizers and non-axial stacks as unusable, with the reason", () => {
    const db = setup();
    const unusable = unusableSeries(db, 1);
    expect(Object.fromEntries(unusable)).toEqual({
      [`${STUDY}.6`]: "localizer scan",
      [`${STUDY}.7`]: "not an axial stack (coronal or sagittal images)",
    });
  });

  it("refuses an override without a reason, or to an unusable series; allows a ranked-lower one", () => {
    const db = setup();
    expect(() => checkOverride(db, req(`${STUDY}.8`, " "))).toThrow(
      "Give a reason for changing T1 arterial (at least 3 characters); it is kept in the audit log.",
    );
    expect(() => checkOverride(db, req(`${STUDY}.6`))).toThrow(
      "Series 1 '3-plane loc' cannot be used for T1 arterial: localizer scan. Choose an axial",
    );
    expect(() => checkOverride(db, req(`${STUDY}.7`))).toThrow("not an axial stack");
    expect(() => checkOverride(db, req(`${STUDY}.8`))).not.toThrow();
    expect(() => checkOverride(db, req(null))).not.toThrow();
  });

  it("reports the sequences reassigned after the latest analysis", () => {
    const db = setup();
    expect(staleSequences(db, 1, STUDY)).toEqual([]);
    const used = Object.fromEntries(FIVE.map((q, k) => [q, `${STUDY}.${k + 1}`]));
    db.prepare(
      `INSERT INTO analyses (study_ref, status, sequences_json, models_json, provider,
         parameters_json, timings_json, app_version, started_at, finished_at)
       VALUES (1, 'analyzed', ?, '[]', 'cpu', '{}', '{}', '0.1.0', 'x', 'x')`,
    ).run(JSON.stringify(used));
    expect(staleSequences(db, 1, STUDY)).toEqual([]);
    overrideAssignment(db, { ...req(`${STUDY}.8`), actor: "rad1" });
    expect(staleSequences(db, 1, STUDY)).toEqual(["T1_arterial"]);
    overrideAssignment(db, { ...req(null), actor: "rad1" });
    expect(staleSequences(db, 1, STUDY)).toEqual([]);
  });
});
