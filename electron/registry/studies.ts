// Study-level reads for the worklist and `livercad list`: status comes from the study_status
// view (db/004), sequences from the effective assignments.
import { SEQUENCES, type SequenceId, type StudyStatus } from "../contract/domain";
import { UsageError } from "../contract/errors";
import { effectiveAssignments } from "./assignments";
import type { Db } from "./open";
import type { SequenceAssignmentRecord, StudySummary } from "./types";

interface StudyRow {
  study_instance_uid: string;
  patient_id: string;
  patient_name: string;
  study_date: string;
  study_time: string;
  description: string;
  accession_number: string;
  status: StudyStatus;
  series_count: number;
  instance_count: number;
}

const STUDY_SQL = `
  SELECT s.study_instance_uid, p.patient_id, p.patient_name, s.study_date, s.study_time,
         s.description, s.accession_number, st.status,
         (SELECT COUNT(*) FROM series se WHERE se.study_ref = s.id) AS series_count,
         (SELECT COUNT(*) FROM instances i JOIN series se ON se.id = i.series_ref
           WHERE se.study_ref = s.id) AS instance_count
    FROM studies s
    JOIN patients p ON p.id = s.patient_ref
    JOIN study_status st ON st.study_ref = s.id`;

function summarize(row: StudyRow, assigned: SequenceAssignmentRecord[]): StudySummary {
  const sequences = Object.fromEntries(SEQUENCES.map((q) => [q, null])) as Record<
    SequenceId,
    SequenceAssignmentRecord | null
  >;
  for (const a of assigned) sequences[a.sequence] = a;
  return {
    studyInstanceUid: row.study_instance_uid,
    patientId: row.patient_id,
    patientName: row.patient_name,
    studyDate: row.study_date,
    studyTime: row.study_time,
    description: row.description,
    accessionNumber: row.accession_number,
    status: row.status,
    seriesCount: row.series_count,
    instanceCount: row.instance_count,
    sequences,
    missing: SEQUENCES.filter((q) => sequences[q] === null),
  };
}

/** Every study, newest first. */
export function listStudies(db: Db): StudySummary[] {
  const rows = db
    .prepare<[], StudyRow>(`${STUDY_SQL} ORDER BY s.study_date DESC, s.study_time DESC, s.id`)
    .all();
  const assigned = effectiveAssignments(db);
  return rows.map((r) => summarize(r, assigned.get(r.study_instance_uid) ?? []));
}

export function getStudy(db: Db, studyInstanceUid: string): StudySummary | null {
  const row = db
    .prepare<[string], StudyRow>(`${STUDY_SQL} WHERE s.study_instance_uid = ?`)
    .get(studyInstanceUid);
  if (!row) return null;
  return summarize(row, effectiveAssignments(db, studyInstanceUid).get(studyInstanceUid) ?? []);
}

/** The store path (relative to the store root) of every instance of a series, in instance order. */
export function instanceFilesOfSeries(db: Db, seriesInstanceUid: string): string[] {
  return db
    .prepare<[string], { store_path: string }>(
      `SELECT i.store_path FROM instances i JOIN series se ON se.id = i.series_ref
        WHERE se.series_instance_uid = ? ORDER BY i.instance_number, i.id`,
    )
    .all(seriesInstanceUid)
    .map((r) => r.store_path);
}

/** The row id of a study, or null when it is not in the registry. */
export function findStudyRef(db: Db, studyInstanceUid: string): number | null {
  const row = db
    .prepare<[string], { id: number }>("SELECT id FROM studies WHERE study_instance_uid = ?")
    .get(studyInstanceUid);
  return row?.id ?? null;
}

export function studyRefOf(db: Db, studyInstanceUid: string): number {
  const ref = findStudyRef(db, studyInstanceUid);
  if (ref === null) throw new UsageError(`No study ${studyInstanceUid} in the registry.`);
  return ref;
}

/** Patient ID (PS3.3 C.7.1.1) of a study's patient, or null when the study is not stored. */
export function patientIdOfStudy(db: Db, studyInstanceUid: string): string | null {
  const row = db
    .prepare<[string], { patient_id: string }>(
      `SELECT p.patient_id FROM studies s JOIN patients p ON p.id = s.patient_ref
        WHERE s.study_instance_uid = ?`,
    )
    .get(studyInstanceUid);
  return row?.patient_id ?? null;
}

/** How many studies the registry holds (backup and restore report it). */
export function studyCount(db: Db): number {
  return db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM studies").get()!.n;
}
