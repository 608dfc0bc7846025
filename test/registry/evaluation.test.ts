// Migration 009 and the ground-truth / reader storage (issue 16 §1): a v6 database with studies
// moves to v9; a truth file is stored all or nothing; a later file or an edit replaces a diagnosis
// and the audit log keeps the previous one; cohorts by import batch and by search.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../db/index";
import {
  auditForStudy,
  cohortReads,
  cohortTruth,
  configure,
  evaluationImports,
  ImportWriter,
  migrate,
  registryLookup,
  saveReadersImport,
  saveTruthImport,
  schemaVersion,
  setTruth,
  truthOf,
  type Db,
} from "../../electron/registry";
import { validateTruthCsv } from "../../electron/evaluation/index";
import { batch, tempDir } from "./helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});
const uid = (n: string): string => `1.2.826.0.1.3680043.10.1.${n}`;

function dbWithStudies(version: number, studies: string[]): Db {
  const db = new Database(path.join(tempDir(), "registry.sqlite"));
  configure(db);
  open.push(db);
  migrate(db, MIGRATIONS, version);
  const w = new ImportWriter(db);
  for (const s of studies) w.commitSeries(batch(s, "1", 2));
  return db;
}

describe("migration 009: ground truth and reader reads", () => {
  it("moves a database with studies from the version before to v9; the studies stay", () => {
    const before = MIGRATIONS.filter((m) => m.version < 9).at(-1)!.version;
    const db = dbWithStudies(before, ["1", "2"]);
    migrate(db, MIGRATIONS, 9);
    expect(schemaVersion(db)).toBe(9);
    const id = saveTruthImport(
      db,
      "t.csv",
      [{ studyInstanceUid: uid("1"), label: "HCC", largestLesionMm: 12, lesions: null }],
      "coordinator",
    );
    expect(truthOf(db, uid("1"))).toMatchObject({
      label: "HCC",
      largestLesionMm: 12,
      source: "file",
    });
    expect(cohortTruth(db, { importId: id })).toHaveLength(1);
    expect(() =>
      db
        .prepare(
          "INSERT INTO ground_truth (study_ref, label, source, actor, at) VALUES (2, 'cyst', 'manual', 'x', 'y')",
        )
        .run(),
    ).toThrow(/CHECK constraint/);
  });
});

describe("storing truth and reads", () => {
  it("a file naming a study that vanished stores nothing (one transaction)", () => {
    const db = dbWithStudies(9, ["1", "2"]);
    expect(() =>
      saveTruthImport(
        db,
        "t.csv",
        [
          { studyInstanceUid: uid("1"), label: "HCC", largestLesionMm: null, lesions: null },
          { studyInstanceUid: uid("99"), label: "ICC", largestLesionMm: null, lesions: null },
        ],
        "c",
      ),
    ).toThrow(/No study/);
    expect(cohortTruth(db)).toEqual([]);
    expect(evaluationImports(db)).toEqual([]);
  });

  it("resolves CSV keys against the registry: accession, patient id, ambiguity", () => {
    const db = dbWithStudies(9, ["1", "2"]);
    db.prepare("UPDATE studies SET accession_number = 'A' || id").run();
    const lookup = registryLookup(db);
    expect(lookup("accession", "A1")).toBe(uid("1"));
    expect(lookup("patient_id", "PAT2")).toBe(uid("2"));
    expect(lookup("study_uid", "1.2.3")).toEqual({
      error: 'unknown study: no study with study_uid "1.2.3"',
    });
    const v = validateTruthCsv("accession,label\nA1,ICC\nA2,metastasis\n", lookup);
    expect(v.entries.map((e) => e.studyInstanceUid)).toEqual([uid("1"), uid("2")]);
  });

  it("a later file and an edit replace the diagnosis; the audit log keeps the previous one", () => {
    const db = dbWithStudies(9, ["1", "2"]);
    const first = saveTruthImport(
      db,
      "a.csv",
      [
        { studyInstanceUid: uid("1"), label: "HCC", largestLesionMm: 15, lesions: null },
        { studyInstanceUid: uid("2"), label: "ICC", largestLesionMm: 30, lesions: null },
      ],
      "c1",
    );
    const second = saveTruthImport(
      db,
      "b.csv",
      [{ studyInstanceUid: uid("1"), label: "metastasis", largestLesionMm: 15, lesions: null }],
      "c2",
    );
    expect(cohortTruth(db, { importId: first }).map((t) => t.studyInstanceUid)).toEqual([uid("2")]);
    expect(cohortTruth(db, { importId: second })[0]!.label).toBe("metastasis");
    expect(auditForStudy(db, uid("1")).map((a) => [a.action, a.details])).toEqual([
      ["truth-replaced", { from: "HCC", to: "metastasis", import: second }],
    ]);
    const edited = setTruth(db, uid("2"), { label: "HCC", largestLesionMm: 18 }, "radiologist");
    expect(edited).toMatchObject({
      label: "HCC",
      largestLesionMm: 18,
      source: "manual",
      actor: "radiologist",
    });
    expect(
      setTruth(db, uid("2"), { label: null, largestLesionMm: null }, "radiologist"),
    ).toBeNull();
    expect(auditForStudy(db, uid("2")).map((a) => a.details)).toEqual([
      { from: { label: "ICC", largestLesionMm: 30 }, to: { label: "HCC", largestLesionMm: 18 } },
      { from: { label: "HCC", largestLesionMm: 18 }, to: null },
    ]);
    expect(cohortTruth(db, { search: "pat1" }).map((t) => t.studyInstanceUid)).toEqual([uid("1")]);
  });

  it("a reader's second read of a study replaces the first", () => {
    const db = dbWithStudies(9, ["1"]);
    saveReadersImport(
      db,
      "r.csv",
      [{ reader: "R1", studyInstanceUid: uid("1"), diagnosis: "HCC", confidence: 2 }],
      "c",
    );
    saveReadersImport(
      db,
      "r2.csv",
      [{ reader: "R1", studyInstanceUid: uid("1"), diagnosis: "ICC", confidence: 5 }],
      "c",
    );
    expect(cohortReads(db, [uid("1")])).toEqual([
      { reader: "R1", studyInstanceUid: uid("1"), diagnosis: "ICC", confidence: 5 },
    ]);
    expect(evaluationImports(db).map((i) => [i.kind, i.fileName, i.rowCount])).toEqual([
      ["readers", "r.csv", 1],
      ["readers", "r2.csv", 1],
    ]);
  });
});
