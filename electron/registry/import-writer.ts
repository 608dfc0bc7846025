// Writes imported series into the registry. A series and all its new instances go in with one
// transaction (issue 3 §1): a crash either registers the whole batch or none of it. Statements
// are prepared once per import, not per row: at ~1000 files/s the prepare cost would dominate.
import type { Statement } from "better-sqlite3";
import type { PatientInfo, SeriesInfo, StudyInfo } from "../dicom/instance";
import type { Db } from "./open";

export interface InstanceRow {
  sopInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  instanceNumber: number | null;
  frameCount: number;
  rows: number;
  columns: number;
  /** Distinct diffusion b-values of the instance's frames. */
  bValues: number[];
  /** Relative to the store root. */
  storePath: string;
  fileSize: number;
}

export interface SeriesBatch {
  patient: PatientInfo;
  study: StudyInfo;
  series: SeriesInfo;
  sopClassUid: string;
  rows: number;
  columns: number;
  sliceThickness: number | null;
  orientation: [number, number, number, number, number, number] | null;
  instances: InstanceRow[];
}

export type CommitResult =
  | {
      kind: "committed";
      studyRef: number;
      seriesRef: number;
      /** Instances actually added (a concurrent import may have registered some meanwhile). */
      inserted: number;
    }
  | {
      /**
       * The Series Instance UID is already registered under another study (a faulty anonymizer
       * or a UID generator collision): nothing was written, the files do not belong here.
       */
      kind: "series-in-other-study";
      registeredStudyInstanceUid: string;
    };

export class ImportWriter {
  private readonly db: Db;
  private readonly hasSop: Statement<[string], { one: number }>;
  private readonly studyOfSeries: Statement<[string], { uid: string }>;
  private readonly upsertPatient: Statement<unknown[], { id: number }>;
  private readonly upsertStudy: Statement<unknown[], { id: number }>;
  private readonly upsertSeries: Statement<unknown[], { id: number }>;
  private readonly insertInstance: Statement<unknown[]>;

  constructor(db: Db) {
    this.db = db;
    this.hasSop = db.prepare("SELECT 1 AS one FROM instances WHERE sop_instance_uid = ?");
    this.studyOfSeries = db.prepare(
      `SELECT s.study_instance_uid AS uid FROM series se JOIN studies s ON s.id = se.study_ref
        WHERE se.series_instance_uid = ?`,
    );
    // DO UPDATE (not DO NOTHING) so RETURNING yields the existing row's id in one statement.
    this.upsertPatient = db.prepare(`
      INSERT INTO patients (patient_id, patient_name, birth_date, sex, created_at)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (patient_id, patient_name, birth_date) DO UPDATE SET sex = patients.sex
      RETURNING id`);
    this.upsertStudy = db.prepare(`
      INSERT INTO studies (patient_ref, study_instance_uid, study_date, study_time, description,
                           accession_number, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (study_instance_uid) DO UPDATE SET updated_at = excluded.updated_at
      RETURNING id`);
    this.upsertSeries = db.prepare(`
      INSERT INTO series (study_ref, series_instance_uid, modality, series_number, description,
                          sop_class_uid, pixel_rows, pixel_columns, slice_thickness,
                          orientation_json, info_json, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (series_instance_uid) DO UPDATE SET updated_at = excluded.updated_at
      RETURNING id`);
    this.insertInstance = db.prepare(`
      INSERT INTO instances (series_ref, sop_instance_uid, sop_class_uid, transfer_syntax_uid,
                             instance_number, frame_count, pixel_rows, pixel_columns,
                             b_values_json, store_path, file_size, imported_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (sop_instance_uid) DO NOTHING`);
  }

  hasInstance(sopInstanceUid: string): boolean {
    return this.hasSop.get(sopInstanceUid) !== undefined;
  }

  commitSeries(batch: SeriesBatch): CommitResult {
    const now = new Date().toISOString();
    const run = this.db.transaction((): CommitResult => {
      const registered = this.studyOfSeries.get(batch.series.seriesInstanceUid)?.uid;
      if (registered !== undefined && registered !== batch.study.studyInstanceUid) {
        return { kind: "series-in-other-study", registeredStudyInstanceUid: registered };
      }
      const p = batch.patient;
      const patientRef = this.upsertPatient.get(
        p.patientId,
        p.patientName,
        p.birthDate,
        p.sex,
        now,
      )!.id;
      const s = batch.study;
      const studyRef = this.upsertStudy.get(
        patientRef,
        s.studyInstanceUid,
        s.studyDate,
        s.studyTime,
        s.studyDescription,
        s.accessionNumber,
        now,
        now,
      )!.id;
      const se = batch.series;
      const seriesRef = this.upsertSeries.get(
        studyRef,
        se.seriesInstanceUid,
        se.modality,
        se.seriesNumber,
        se.seriesDescription,
        batch.sopClassUid,
        batch.rows,
        batch.columns,
        batch.sliceThickness,
        batch.orientation && JSON.stringify(batch.orientation),
        JSON.stringify(se),
        now,
        now,
      )!.id;
      let inserted = 0;
      for (const i of batch.instances) {
        inserted += this.insertInstance.run(
          seriesRef,
          i.sopInstanceUid,
          i.sopClassUid,
          i.transferSyntaxUid,
          i.instanceNumber,
          i.frameCount,
          i.rows,
          i.columns,
          JSON.stringify(i.bValues),
          i.storePath,
          i.fileSize,
          now,
        ).changes;
      }
      return { kind: "committed", studyRef, seriesRef, inserted };
    });
    return run.immediate();
  }
}
