// The reads the exporters, restore, audit events and analytics moved into the registry (issue 12
// §5), each on a temp registry: study refs and patient IDs (studies.ts), the latest analysis'
// parameters and ROI count (analyses.ts), the export header (study-headers.ts), the latest review
// (reviews.ts), effective DWI b-value and sequence (assignments.ts), the last audit entry
// (audit.ts) and superseded result objects (result-objects.ts).
import Database from "better-sqlite3";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../db/index";
import {
  appendAudit,
  configure,
  migrate,
  dwiBValueOfStudy,
  effectiveSequenceOfSeries,
  findStudyRef,
  ImportWriter,
  insertResultObject,
  lastAuditAt,
  latestAnalysis,
  latestAnalysisParameters,
  latestAnalysisRoiCount,
  latestReviewReader,
  patientIdOfStudy,
  saveAutoAssignments,
  saveReview,
  studyHeaderReader,
  studyRefOf,
  studyResults,
  supersedeStale,
  supersededStorePaths,
  type Db,
} from "../../electron/registry";
import { analyze, ASSESSMENT, closeLater, freshRegistry, studyUid } from "./fixture-rows";
import { batch, tempDir } from "./helpers";

function twoStudies(): Db {
  const { db } = freshRegistry();
  const w = new ImportWriter(db);
  w.commitSeries(batch("1", "1", 2));
  w.commitSeries(batch("1", "2", 2, "ax dwi"));
  w.commitSeries(batch("2", "1", 1));
  return db;
}

describe("study reads", () => {
  it("keep a ROI's rejection reading (a classifier with a not-a-lesion output) through the registry", () => {
    const db = twoStudies();
    analyze(db, "1", {
      rois: 3,
      reject: [
        { probability: 0.1, rejected: false },
        undefined,
        { probability: 0.9, rejected: true },
      ],
    });
    const [result] = studyResults(db, [studyUid("1")]);
    expect(result!.rois.map((r) => r.reject ?? null)).toEqual([
      { probability: 0.1, rejected: false },
      null,
      { probability: 0.9, rejected: true },
    ]);
    // The study view's ROI list (the side panel) gets it too.
    const view = latestAnalysis(db, studyRefOf(db, studyUid("1")))!;
    expect(view.rois.map((r) => r.reject ?? null)).toEqual([
      { probability: 0.1, rejected: false },
      null,
      { probability: 0.9, rejected: true },
    ]);
  });

  it("findStudyRef answers null where studyRefOf throws; patientIdOfStudy likewise", () => {
    const db = twoStudies();
    expect(findStudyRef(db, studyUid("1"))).toBe(studyRefOf(db, studyUid("1")));
    expect(findStudyRef(db, studyUid("2"))).not.toBe(findStudyRef(db, studyUid("1")));
    expect(findStudyRef(db, studyUid("9"))).toBeNull();
    expect(() => studyRefOf(db, studyUid("9"))).toThrow(
      `No study ${studyUid("9")} in the registry.`,
    );
    expect(patientIdOfStudy(db, studyUid("2"))).toBe("PAT2");
    expect(patientIdOfStudy(db, studyUid("9"))).toBeNull();
  });
});

describe("latest analysis reads", () => {
  it("answer the newest analysis' id, parameters and ROI count; null before any", () => {
    const db = twoStudies();
    const ref = studyRefOf(db, studyUid("1"));
    expect(latestAnalysisParameters(db, ref)).toBeNull();
    expect(latestAnalysisRoiCount(db, ref)).toBeNull();
    const first = analyze(db, "1", { rois: 3, parameters: { run: 1 } });
    expect(latestAnalysisRoiCount(db, ref)).toEqual({ id: first, rois: 3 });
    const second = analyze(db, "1", {
      rois: 0,
      parameters: { importedFromSr: { sopInstanceUid: "1.2.3" } },
    });
    expect(latestAnalysisParameters(db, ref)).toEqual({
      id: second,
      parameters: { importedFromSr: { sopInstanceUid: "1.2.3" } },
    });
    expect(latestAnalysisRoiCount(db, ref)).toEqual({ id: second, rois: 0 });
    // The other study's analyses are its own.
    expect(latestAnalysisRoiCount(db, studyRefOf(db, studyUid("2")))).toBeNull();
  });

  it("studyHeaderReader: the latest analysis with patient, study and assessment; null when unanalyzed", () => {
    const db = twoStudies();
    analyze(db, "1", { rois: 1 });
    const latest = analyze(db, "1", { rois: 2, assessment: ASSESSMENT });
    const read = studyHeaderReader(db);
    expect(read(studyUid("1"))).toEqual({
      analysisId: latest,
      studyInstanceUid: studyUid("1"),
      patientName: "Phantom^1",
      birthDate: "",
      sex: "O",
      studyDate: "20260101",
      studyTime: "101010",
      accessionNumber: "",
      description: "LIVER",
      assessment: ASSESSMENT,
    });
    expect(read(studyUid("2"))).toBeNull();
    expect(read(studyUid("9"))).toBeNull();
    analyze(db, "2");
    expect(read(studyUid("2"))!.assessment).toBeNull();
  });
});

describe("study header on a registry from before migration 006", () => {
  it("reads the header without the assessment column (exports work on registries of any age)", () => {
    const db = closeLater(new Database(path.join(tempDir(), "registry.sqlite")));
    configure(db);
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version <= 5),
    );
    // Rows as a version-5 app wrote them (its SQL, not today's registry functions).
    db.exec(`
      INSERT INTO patients (patient_id, patient_name, birth_date, sex, created_at)
        VALUES ('PAT7', 'Phantom^7', '19700101', 'F', 'now');
      INSERT INTO studies (patient_ref, study_instance_uid, study_date, study_time, description,
          accession_number, created_at, updated_at)
        VALUES (1, '${studyUid("7")}', '20250101', '090000', 'OLD', 'A7', 'now', 'now');
      INSERT INTO analyses (study_ref, status, sequences_json, models_json, provider,
          parameters_json, timings_json, app_version, started_at, finished_at)
        VALUES (1, 'no-roi', '{}', '[]', 'old', '{}', '{}', '0.1.0', 'then', 'then');
    `);
    expect(studyHeaderReader(db)(studyUid("7"))).toEqual({
      analysisId: 1,
      studyInstanceUid: studyUid("7"),
      patientName: "Phantom^7",
      birthDate: "19700101",
      sex: "F",
      studyDate: "20250101",
      studyTime: "090000",
      accessionNumber: "A7",
      description: "OLD",
      assessment: null,
    });
  });
});

describe("review, assignment, audit and result-object reads", () => {
  it("latestReviewReader answers the newest review by Study Instance UID, null before any", () => {
    const db = twoStudies();
    const read = latestReviewReader(db);
    expect(read(studyUid("1"))).toBeNull();
    saveReview(db, studyUid("1"), { reviewed: true, urgent: false, comment: "first" }, "nurse");
    saveReview(db, studyUid("1"), { reviewed: true, urgent: true, comment: "second" }, "admin");
    const r = read(studyUid("1"))!;
    expect(r).toMatchObject({ reviewed: true, urgent: true, comment: "second", actor: "admin" });
    expect(Number.isNaN(Date.parse(r.at))).toBe(false);
    expect(read(studyUid("2"))).toBeNull();
  });

  it("dwiBValueOfStudy and effectiveSequenceOfSeries follow the effective assignments", () => {
    const db = twoStudies();
    const s1 = studyUid("1");
    const ref = studyRefOf(db, s1);
    expect(dwiBValueOfStudy(db, s1)).toBeNull();
    expect(effectiveSequenceOfSeries(db, ref, `${s1}.2`)).toBeNull();
    saveAutoAssignments(db, s1, {
      assignments: [
        { sequence: "T1_venous", seriesInstanceUid: `${s1}.1`, rule: "test", detail: "" },
        { sequence: "DWI", seriesInstanceUid: `${s1}.2`, rule: "test", detail: "", bValue: 800 },
      ],
      excluded: [],
    });
    expect(dwiBValueOfStudy(db, s1)).toBe(800);
    expect(effectiveSequenceOfSeries(db, ref, `${s1}.2`)).toBe("DWI");
    expect(effectiveSequenceOfSeries(db, ref, `${s1}.1`)).toBe("T1_venous");
    // A series of another study is not this study's sequence.
    expect(effectiveSequenceOfSeries(db, ref, `${studyUid("2")}.1`)).toBeNull();
  });

  it("lastAuditAt answers the newest time one actor did one action on one study", () => {
    const db = twoStudies();
    const ref = studyRefOf(db, studyUid("1"));
    expect(lastAuditAt(db, ref, "nurse", "study.open")).toBeNull();
    appendAudit(db, { actor: "nurse", action: "study.open", studyRef: ref, details: {} });
    const at = lastAuditAt(db, ref, "nurse", "study.open");
    expect(Number.isNaN(Date.parse(at!))).toBe(false);
    expect(lastAuditAt(db, ref, "admin", "study.open")).toBeNull();
    expect(lastAuditAt(db, ref, "nurse", "review.update")).toBeNull();
    expect(lastAuditAt(db, studyRefOf(db, studyUid("2")), "nurse", "study.open")).toBeNull();
  });

  it("supersededStorePaths lists the objects a newer analysis superseded", () => {
    const db = twoStudies();
    const s1 = studyUid("1");
    const ref = studyRefOf(db, s1);
    const object = (analysisId: number, n: number) =>
      insertResultObject(db, {
        studyRef: ref,
        analysisId,
        kind: "sr",
        origin: "written",
        sopClassUid: "1.2.840.10008.5.1.4.1.1.88.33",
        seriesInstanceUid: `${s1}.99`,
        sopInstanceUid: `${s1}.99.${n}`,
        storePath: `${s1}/${s1}.99/${n}.dcm`,
        sha256: "0".repeat(64),
        sizeBytes: 10,
        createdAt: "2026-01-01T00:00:00.000Z",
      });
    object(analyze(db, "1", { rois: 1 }), 1);
    expect(supersededStorePaths(db, s1)).toEqual([]);
    object(analyze(db, "1", { rois: 1 }), 2);
    expect(supersedeStale(db, ref, "2026-01-02T00:00:00.000Z")).toBe(1);
    expect(supersededStorePaths(db, s1)).toEqual([`${s1}/${s1}.99/1.dcm`]);
    expect(supersededStorePaths(db, studyUid("2"))).toEqual([]);
  });
});
