import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  auditForStudy,
  getStudy,
  ImportWriter,
  openDatabase,
  overrideAssignment,
  requeueInterruptedJobs,
  saveAutoAssignments,
  seriesRecordsForStudy,
  type Db,
} from "../../electron/registry";
import { batch, tempDir } from "./helpers";

const STUDY = "1.2.826.0.1.3680043.10.1.7";
let db: Db;
beforeEach(() => {
  db = openDatabase(path.join(tempDir(), "r.sqlite"));
  const w = new ImportWriter(db);
  for (const k of [1, 2, 3, 4, 6]) w.commitSeries(batch("7", String(k), 4));
  const dwi = batch("7", "5", 4, "ep2d diff b50 b800");
  dwi.instances.forEach((inst, k) => (inst.bValues = [k % 2 === 0 ? 50 : 800]));
  w.commitSeries(dwi);
  w.commitSeries(batch("8", "1", 2));
  saveAutoAssignments(db, STUDY, {
    assignments: [
      { sequence: "T1_pre", seriesInstanceUid: `${STUDY}.1`, rule: "ge-lava-pre", detail: "d" },
      { sequence: "T2", seriesInstanceUid: `${STUDY}.2`, rule: "ge-ssfse", detail: "d" },
      { sequence: "T1_arterial", seriesInstanceUid: `${STUDY}.3`, rule: "time-order", detail: "" },
      { sequence: "T1_venous", seriesInstanceUid: `${STUDY}.4`, rule: "time-order", detail: "" },
    ],
    excluded: [{ seriesInstanceUid: `${STUDY}.6`, rule: "localizer", reason: "3-plane loc" }],
  });
});
afterEach(() => db.close());

describe("sequence assignments", () => {
  it("stores the rules' result with each rule and says what is missing", () => {
    const s = getStudy(db, STUDY)!;
    expect(s.status).toBe("incomplete");
    expect(s.missing).toEqual(["DWI"]);
    expect(s.sequences.T2).toMatchObject({ seriesInstanceUid: `${STUDY}.2`, rule: "ge-ssfse" });
    expect(s.seriesCount).toBe(6);
    expect(s.instanceCount).toBe(24);
    const records = seriesRecordsForStudy(db, STUDY);
    expect(records).toHaveLength(6);
    expect(records[0]).toMatchObject({ instanceCount: 4, frameCount: 4, rows: 64 });
    expect(records[0]!.info.seriesInstanceUid).toBe(`${STUDY}.1`);
    expect(records[0]!.imageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
    const dwi = records.find((r) => r.info.seriesInstanceUid === `${STUDY}.5`)!;
    expect(dwi.bValues).toEqual([50, 800]);
    expect(records[0]!.bValues).toEqual([]);
  });

  it("keeps a manual override across re-runs of the rules, audits it, and clears it", () => {
    const after = overrideAssignment(db, {
      studyInstanceUid: STUDY,
      sequence: "DWI",
      seriesInstanceUid: `${STUDY}.5`,
      actor: "radiographer",
      reason: "b800 series named oddly",
    });
    expect(after).toMatchObject({ source: "manual", rule: "manual-override" });
    expect(getStudy(db, STUDY)!.status).toBe("ready");
    overrideAssignment(db, {
      studyInstanceUid: STUDY,
      sequence: "T2",
      seriesInstanceUid: `${STUDY}.5`,
      actor: "radiographer",
    });
    // Rules run again (a later import): the overrides stay effective.
    saveAutoAssignments(db, STUDY, {
      assignments: [
        { sequence: "T2", seriesInstanceUid: `${STUDY}.2`, rule: "ge-ssfse", detail: "d" },
      ],
      excluded: [],
    });
    let s = getStudy(db, STUDY)!;
    expect(s.sequences.T2!.seriesInstanceUid).toBe(`${STUDY}.5`);
    expect(s.sequences.DWI!.source).toBe("manual");
    expect(s.missing).toEqual(["T1_pre", "T1_arterial", "T1_venous"]);
    overrideAssignment(db, {
      studyInstanceUid: STUDY,
      sequence: "T2",
      seriesInstanceUid: null,
      actor: "radiographer",
    });
    s = getStudy(db, STUDY)!;
    expect(s.sequences.T2).toMatchObject({ seriesInstanceUid: `${STUDY}.2`, source: "auto" });
    const audit = auditForStudy(db, STUDY);
    expect(audit.map((a) => a.action)).toEqual([
      "assignment.override",
      "assignment.override",
      "assignment.clear-override",
    ]);
    expect(audit[1]!.details).toMatchObject({
      sequence: "T2",
      from: { seriesInstanceUid: `${STUDY}.2`, source: "auto" },
      to: { seriesInstanceUid: `${STUDY}.5`, source: "manual" },
    });
    expect(audit[0]!.actor).toBe("radiographer");
  });

  it("refuses a series from another study and leaves no audit row", () => {
    expect(() =>
      overrideAssignment(db, {
        studyInstanceUid: STUDY,
        sequence: "DWI",
        seriesInstanceUid: "1.2.826.0.1.3680043.10.1.8.1",
        actor: "x",
      }),
    ).toThrow(/not part of study/);
    expect(auditForStudy(db, STUDY)).toEqual([]);
  });
});

describe("jobs", () => {
  it("re-queues jobs a killed process left running, and finishes cancelled ones", () => {
    const now = new Date().toISOString();
    const add = db.prepare(
      `INSERT INTO jobs (kind, study_ref, state, cancel_requested, progress, created_at, updated_at)
       VALUES ('analyze', 1, ?, ?, 0.5, ?, ?)`,
    );
    add.run("running", 0, now, now);
    add.run("running", 1, now, now);
    add.run("done", 0, now, now);
    expect(requeueInterruptedJobs(db)).toBe(1);
    const rows = db.prepare("SELECT state, attempts, progress FROM jobs ORDER BY id").all();
    expect(rows).toEqual([
      { state: "queued", attempts: 1, progress: 0 },
      { state: "cancelled", attempts: 0, progress: 0.5 },
      { state: "done", attempts: 0, progress: 0.5 },
    ]);
  });
});
