// One test per migration (STYLE.md 5): a database at version N-1 holding real rows is moved to N,
// and the rows must survive and work with the new schema.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../db/index";
import { RegistryError } from "../../electron/contract/errors";
import {
  configure,
  ImportWriter,
  listStudies,
  migrate,
  openDatabase,
  saveAutoAssignments,
  schemaVersion,
  SCHEMA_VERSION,
  type Db,
} from "../../electron/registry";
import { batch, tempDir } from "./helpers";

const open: Db[] = [];
function dbAt(version: number): Db {
  const db = new Database(path.join(tempDir(), "registry.sqlite"));
  configure(db);
  migrate(db, MIGRATIONS, version);
  expect(schemaVersion(db)).toBe(version);
  open.push(db);
  return db;
}
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

const count = (db: Db, table: string): number =>
  (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

const FIVE = ["T1_pre", "T2", "T1_arterial", "T1_venous", "DWI"] as const;
function assignAll(db: Db, study: string, missing: string[] = []): void {
  const studyUid = `1.2.826.0.1.3680043.10.1.${study}`;
  saveAutoAssignments(db, studyUid, {
    assignments: FIVE.filter((q) => !missing.includes(q)).map((q, k) => ({
      sequence: q,
      seriesInstanceUid: `${studyUid}.${k + 1}`,
      rule: "test-rule",
      detail: q,
    })),
    excluded: [],
  });
}
function importStudy(db: Db, study: string, seriesCount = 5): void {
  const w = new ImportWriter(db);
  for (let k = 1; k <= seriesCount; k++) w.commitSeries(batch(study, String(k), 3));
}

describe("registry migrations", () => {
  it("v1 creates the core tables; a series commits with its instances", () => {
    const db = dbAt(0);
    migrate(db, MIGRATIONS, 1);
    importStudy(db, "1", 2);
    expect(count(db, "patients")).toBe(1);
    expect(count(db, "studies")).toBe(1);
    expect(count(db, "series")).toBe(2);
    expect(count(db, "instances")).toBe(6);
    // STRICT: a string in an INTEGER column is an error, not silently stored.
    expect(() =>
      db.prepare("UPDATE instances SET frame_count = 'many' WHERE id = 1").run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    // Foreign keys are enforced.
    expect(() => db.prepare("DELETE FROM studies").run()).toThrow(/FOREIGN KEY/);
  });

  it("v2 keeps imported studies as not yet assigned and stores assignments", () => {
    const db = dbAt(1);
    importStudy(db, "1");
    importStudy(db, "2");
    migrate(db, MIGRATIONS, 2);
    expect(count(db, "instances")).toBe(30);
    expect(db.prepare("SELECT COUNT(*) AS n FROM studies WHERE assigned_at IS NULL").get()).toEqual(
      { n: 2 },
    );
    assignAll(db, "1", ["DWI"]);
    expect(count(db, "effective_assignments")).toBe(4);
    expect(() =>
      db
        .prepare(
          `INSERT INTO sequence_assignments VALUES (1, 'FLAIR', 'auto', 1, 'r', '', NULL, 'now', 'x')`,
        )
        .run(),
    ).toThrow(/CHECK constraint/);
  });

  it("v3 adds jobs, analyses and ROIs that reference existing studies and series", () => {
    const db = dbAt(2);
    importStudy(db, "1");
    assignAll(db, "1");
    migrate(db, MIGRATIONS, 3);
    expect(count(db, "sequence_assignments")).toBe(5);
    const now = "2026-01-01T00:00:00.000Z";
    db.prepare(
      `INSERT INTO jobs (kind, study_ref, state, created_at, updated_at)
       VALUES ('analyze', 1, 'done', ?, ?)`,
    ).run(now, now);
    const a = db
      .prepare(
        `INSERT INTO analyses (study_ref, job_ref, status, prediction, probabilities_json,
           confidence, uncertainty, mc_stats_json, sequences_json, models_json, provider,
           parameters_json, timings_json, app_version, started_at, finished_at)
         VALUES (1, 1, 'analyzed', 'HCC', '{"HCC":0.7,"ICC":0.2,"metastasis":0.1}', 0.9, 0.1,
           '{}', '{}', '[{"id":"cls","version":"1","sha256":"ab"}]', 'cpu', '{"T":100}',
           '{"classify":12}', '0.1.0', ?, ?)`,
      )
      .run(now, now);
    const roi = db.prepare(
      `INSERT INTO rois (analysis_ref, rank, series_ref, sequence, slice_index, box_x0, box_y0,
         box_x1, box_y1, center_x_mm, center_y_mm, center_z_mm, score, probabilities_json,
         mc_stats_json)
       VALUES (?, ?, 1, 'T1_pre', 3, 10, 10, 20, 20, 1.5, -2.5, 30, 0.8, '{}', '{}')`,
    );
    roi.run(a.lastInsertRowid, 1);
    roi.run(a.lastInsertRowid, 2);
    expect(() => roi.run(a.lastInsertRowid, 2)).toThrow(/UNIQUE/);
    expect(() => db.prepare("UPDATE analyses SET prediction = 'cyst' WHERE id = 1").run()).toThrow(
      /CHECK constraint/,
    );
    db.prepare("DELETE FROM analyses WHERE id = 1").run();
    expect(count(db, "rois")).toBe(0);
  });

  it("v4 derives each study's status from assignments, jobs and analyses", () => {
    const db = dbAt(3);
    importStudy(db, "1"); // complete -> ready
    importStudy(db, "2"); // lacks DWI -> incomplete
    importStudy(db, "3"); // never assigned -> new
    importStudy(db, "4"); // analysis job running -> analyzing
    importStudy(db, "5"); // analyzed
    for (const s of ["1", "4", "5"]) assignAll(db, s);
    assignAll(db, "2", ["DWI"]);
    const now = "2026-01-01T00:00:00.000Z";
    db.prepare(
      `INSERT INTO jobs (kind, study_ref, state, created_at, updated_at)
       VALUES ('analyze', 4, 'running', ?, ?)`,
    ).run(now, now);
    db.prepare(
      `INSERT INTO analyses (study_ref, status, sequences_json, models_json, provider,
         parameters_json, timings_json, app_version, started_at, finished_at)
       VALUES (5, 'analyzed', '{}', '[]', 'cpu', '{}', '{}', '0.1.0', ?, ?)`,
    ).run(now, now);
    migrate(db, MIGRATIONS, 4);
    const status = Object.fromEntries(
      listStudies(db).map((s) => [s.studyInstanceUid.split(".").at(-1), s.status]),
    );
    expect(status).toEqual({
      "1": "ready",
      "2": "incomplete",
      "3": "new",
      "4": "analyzing",
      "5": "analyzed",
    });
    db.prepare(
      `INSERT INTO reviews (study_ref, reviewed, urgent, comment, actor, at)
       VALUES (5, 1, 0, 'seen', 'nurse', ?)`,
    ).run(now);
    expect(count(db, "reviews")).toBe(1);
  });

  it("v6 adds scores and assessment to analyses; earlier analyses keep theirs and read null", () => {
    const db = dbAt(4);
    importStudy(db, "1");
    const now = "2026-01-01T00:00:00.000Z";
    db.prepare(
      `INSERT INTO analyses (study_ref, status, prediction, confidence, sequences_json,
         models_json, provider, parameters_json, timings_json, app_version, started_at,
         finished_at)
       VALUES (1, 'analyzed', 'HCC', 0.9991, '{}', '[]', 'cpu', '{}', '{}', '0.1.0', ?, ?)`,
    ).run(now, now);
    migrate(db, MIGRATIONS, 6);
    expect(schemaVersion(db)).toBe(6);
    const row = db
      .prepare("SELECT confidence, scores_json, assessment_json FROM analyses WHERE id = 1")
      .get();
    expect(row).toEqual({ confidence: 0.9991, scores_json: null, assessment_json: null });
    db.prepare("UPDATE analyses SET scores_json = ?, assessment_json = ? WHERE id = 1").run(
      '{"paper":0.9991}',
      '{"probCorrect":0.8}',
    );
    expect(listStudies(db)[0]!.status).toBe("analyzed");
  });

  it("refuses a database written by a newer app, leaving it untouched", () => {
    const file = path.join(tempDir(), "registry.sqlite");
    const db = openDatabase(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(RegistryError);
    expect(() => openDatabase(file)).toThrow(/newer version of LiverCAD/);
    const again = new Database(file);
    expect(again.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION + 1);
    again.close();
  });

  it("rolls a failed migration back whole and keeps the previous version", () => {
    const db = dbAt(1);
    importStudy(db, "1", 1);
    const broken = [
      MIGRATIONS[0]!,
      {
        version: 2,
        name: "broken",
        up(d: Db) {
          d.exec("CREATE TABLE half_done (x INTEGER) STRICT");
          d.exec("INSERT INTO no_such_table VALUES (1)");
        },
      },
    ];
    expect(() => migrate(db, broken)).toThrow(/unchanged at v1/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBe(
      undefined,
    );
    expect(count(db, "instances")).toBe(3);
  });

  it("opens in WAL mode with foreign keys on", () => {
    const db = openDatabase(path.join(tempDir(), "r.sqlite"));
    open.push(db);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
  });
});
