// Migration 010 (result_objects, issue 15 §1) on a database at v9 holding a study with two
// analyses: the rows survive, objects can be recorded once per analysis and kind, a stale
// analysis' objects are marked superseded by the latest, and deleting an analysis removes its rows.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../db/index";
import { configure, ImportWriter, migrate, schemaVersion, type Db } from "../../electron/registry";
import {
  insertResultObject,
  resultObjectOf,
  resultObjectsOfStudy,
  supersedeStale,
  type NewResultObject,
} from "../../electron/registry/result-objects";
import { batch, tempDir } from "./helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function analysis(db: Db): number {
  const now = "2026-01-01T00:00:00.000Z";
  return Number(
    db
      .prepare(
        `INSERT INTO analyses (study_ref, status, prediction, probabilities_json, confidence,
           uncertainty, mc_stats_json, sequences_json, models_json, provider, parameters_json,
           timings_json, app_version, started_at, finished_at)
         VALUES (1, 'analyzed', 'HCC', '{"HCC":0.7,"ICC":0.2,"metastasis":0.1}', 0.9, 0.1, '{}',
           '{}', '[]', 'cpu', '{}', '{}', '0.1.0', ?, ?)`,
      )
      .run(now, now).lastInsertRowid,
  );
}

const object = (analysisId: number, kind: "sr" | "gsps", n: number): NewResultObject => ({
  studyRef: 1,
  analysisId,
  kind,
  origin: "written",
  sopClassUid: kind === "sr" ? "1.2.840.10008.5.1.4.1.1.88.33" : "1.2.840.10008.5.1.4.1.1.11.1",
  seriesInstanceUid: `2.25.${n}0`,
  sopInstanceUid: `2.25.${n}`,
  storePath: `1.2.3/2.25.${n}0/2.25.${n}.dcm`,
  sha256: "a".repeat(64),
  sizeBytes: 1000 + n,
  createdAt: "2026-01-02T00:00:00.000Z",
});

describe("migration 010", () => {
  it("adds result_objects; objects are recorded once per analysis and kind, stale ones superseded", () => {
    const db = new Database(path.join(tempDir(), "registry.sqlite"));
    open.push(db);
    configure(db);
    migrate(db, MIGRATIONS, 9);
    new ImportWriter(db).commitSeries(batch("1", "1", 2));
    const first = analysis(db);
    migrate(db, MIGRATIONS, 10);
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(10);
    expect(db.prepare("SELECT COUNT(*) AS n FROM analyses").get()).toEqual({ n: 1 });

    const sr = insertResultObject(db, object(first, "sr", 1));
    expect(sr).toMatchObject({ analysisId: first, kind: "sr", supersededAt: null });
    // The same object again (a second writer racing): ignored, the first row is answered.
    expect(insertResultObject(db, object(first, "sr", 1)).id).toBe(sr.id);
    insertResultObject(db, object(first, "gsps", 2));
    // A second SR for the same analysis is refused by the schema.
    expect(() =>
      db
        .prepare(
          `INSERT INTO result_objects (study_ref, analysis_ref, kind, origin, sop_class_uid,
             series_instance_uid, sop_instance_uid, store_path, sha256, size_bytes, created_at)
           VALUES (1, ?, 'sr', 'written', 'x', 'y', '2.25.9', 'p9', ?, 1, 'now')`,
        )
        .run(first, "b".repeat(64)),
    ).toThrow(/UNIQUE/);
    expect(() =>
      db.prepare("UPDATE result_objects SET kind = 'seg' WHERE id = ?").run(sr.id),
    ).toThrow(/CHECK/);

    // Nothing is stale while the first analysis is the latest.
    expect(supersedeStale(db, 1, "2026-01-03T00:00:00.000Z")).toBe(0);
    const second = analysis(db);
    expect(supersedeStale(db, 1, "2026-01-03T00:00:00.000Z")).toBe(2);
    expect(supersedeStale(db, 1, "2026-01-04T00:00:00.000Z")).toBe(0);
    const rows = resultObjectsOfStudy(db, 1);
    expect(rows.map((r) => [r.kind, r.supersededBy, r.supersededAt])).toEqual([
      ["sr", second, "2026-01-03T00:00:00.000Z"],
      ["gsps", second, "2026-01-03T00:00:00.000Z"],
    ]);
    insertResultObject(db, object(second, "sr", 3));
    expect(resultObjectOf(db, second, "sr")?.supersededAt).toBeNull();

    // Deleting an analysis removes its objects' rows (ON DELETE CASCADE).
    db.prepare("DELETE FROM analyses WHERE id = ?").run(first);
    expect(resultObjectsOfStudy(db, 1).map((r) => r.analysisId)).toEqual([second]);
  });
});
