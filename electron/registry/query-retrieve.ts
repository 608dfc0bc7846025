// The registry as our Query/Retrieve SCP sees it (issue 14 §4: a PACS or a second workstation
// queries and pulls what this workstation holds): the study, series and instance rows with the
// attributes C-FIND returns (PS3.4 C.6.1.1 / C.6.2.1 key tables), and the store paths C-MOVE /
// C-GET send. UID lists are pushed into SQL (the common case: "the series of this study");
// matching on every other key is done by the caller (services/network/qr-match.ts).
import type { Db } from "./open";

export interface QrStudyRow {
  /** patients.id: groups studies into patients for Patient Root PATIENT level. */
  patientRef: number;
  patientId: string;
  patientName: string;
  birthDate: string;
  sex: string;
  studyInstanceUid: string;
  studyDate: string;
  studyTime: string;
  accessionNumber: string;
  description: string;
  /** Distinct Modality values of the study's series, backslash-separated (VR CS, VM 1-n). */
  modalities: string;
  seriesCount: number;
  instanceCount: number;
}

export interface QrSeriesRow {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  seriesNumber: number | null;
  description: string;
  instanceCount: number;
}

export interface QrInstanceRow {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  instanceNumber: number | null;
  /** Relative to the managed store root. */
  storePath: string;
}

/** UID lists per level; an absent (or empty) list does not restrict. */
export interface QrUidFilter {
  studyUids?: string[];
  seriesUids?: string[];
  sopUids?: string[];
  /** Patient Root: the Patient IDs of the PATIENT level unique key. */
  patientIds?: string[];
}

/** `WHERE col IN (?, ...) AND ...` for the columns given values (nothing when none is), and its arguments. */
function uidWhere(lists: [column: string, values: string[] | undefined][]): {
  clause: string;
  args: string[];
} {
  const where: string[] = [];
  const args: string[] = [];
  for (const [column, values] of lists) {
    if (!values || values.length === 0) continue;
    where.push(`${column} IN (${values.map(() => "?").join(", ")})`);
    args.push(...values);
  }
  return { clause: where.length > 0 ? `WHERE ${where.join(" AND ")}` : "", args };
}

export function qrStudies(db: Db, filter: QrUidFilter = {}): QrStudyRow[] {
  const { clause, args } = uidWhere([
    ["s.study_instance_uid", filter.studyUids],
    ["p.patient_id", filter.patientIds],
  ]);
  const rows = db
    .prepare<
      string[],
      {
        patient_ref: number;
        patient_id: string;
        patient_name: string;
        birth_date: string;
        sex: string;
        study_instance_uid: string;
        study_date: string;
        study_time: string;
        accession_number: string;
        description: string;
        modalities: string | null;
        series_count: number;
        instance_count: number;
      }
    >(
      `SELECT p.id AS patient_ref, p.patient_id, p.patient_name, p.birth_date, p.sex,
              s.study_instance_uid, s.study_date, s.study_time, s.accession_number, s.description,
              (SELECT group_concat(m, '\\') FROM
                 (SELECT DISTINCT se.modality AS m FROM series se
                   WHERE se.study_ref = s.id AND se.modality <> '' ORDER BY se.modality))
                AS modalities,
              (SELECT COUNT(*) FROM series se WHERE se.study_ref = s.id) AS series_count,
              (SELECT COUNT(*) FROM instances i JOIN series se ON se.id = i.series_ref
                WHERE se.study_ref = s.id) AS instance_count
         FROM studies s JOIN patients p ON p.id = s.patient_ref
        ${clause}
        ORDER BY s.study_date, s.study_time, s.id`,
    )
    .all(...args);
  return rows.map((r) => ({
    patientRef: r.patient_ref,
    patientId: r.patient_id,
    patientName: r.patient_name,
    birthDate: r.birth_date,
    sex: r.sex,
    studyInstanceUid: r.study_instance_uid,
    studyDate: r.study_date,
    studyTime: r.study_time,
    accessionNumber: r.accession_number,
    description: r.description,
    modalities: r.modalities ?? "",
    seriesCount: r.series_count,
    instanceCount: r.instance_count,
  }));
}

export function qrSeries(db: Db, filter: QrUidFilter = {}): QrSeriesRow[] {
  const { clause, args } = uidWhere([
    ["s.study_instance_uid", filter.studyUids],
    ["se.series_instance_uid", filter.seriesUids],
    ["p.patient_id", filter.patientIds],
  ]);
  return db
    .prepare<
      string[],
      {
        study_instance_uid: string;
        series_instance_uid: string;
        modality: string;
        series_number: number | null;
        description: string;
        instance_count: number;
      }
    >(
      `SELECT s.study_instance_uid, se.series_instance_uid, se.modality, se.series_number,
              se.description,
              (SELECT COUNT(*) FROM instances i WHERE i.series_ref = se.id) AS instance_count
         FROM series se JOIN studies s ON s.id = se.study_ref
         JOIN patients p ON p.id = s.patient_ref
        ${clause}
        ORDER BY s.id, se.series_number, se.id`,
    )
    .all(...args)
    .map((r) => ({
      studyInstanceUid: r.study_instance_uid,
      seriesInstanceUid: r.series_instance_uid,
      modality: r.modality,
      seriesNumber: r.series_number,
      description: r.description,
      instanceCount: r.instance_count,
    }));
}

export function qrInstances(db: Db, filter: QrUidFilter = {}): QrInstanceRow[] {
  const { clause, args } = uidWhere([
    ["s.study_instance_uid", filter.studyUids],
    ["se.series_instance_uid", filter.seriesUids],
    ["i.sop_instance_uid", filter.sopUids],
    ["p.patient_id", filter.patientIds],
  ]);
  return db
    .prepare<
      string[],
      {
        study_instance_uid: string;
        series_instance_uid: string;
        sop_instance_uid: string;
        sop_class_uid: string;
        transfer_syntax_uid: string;
        instance_number: number | null;
        store_path: string;
      }
    >(
      `SELECT s.study_instance_uid, se.series_instance_uid, i.sop_instance_uid, i.sop_class_uid,
              i.transfer_syntax_uid, i.instance_number, i.store_path
         FROM instances i JOIN series se ON se.id = i.series_ref
         JOIN studies s ON s.id = se.study_ref JOIN patients p ON p.id = s.patient_ref
        ${clause}
        ORDER BY s.id, se.series_number, se.id, i.instance_number, i.id`,
    )
    .all(...args)
    .map((r) => ({
      studyInstanceUid: r.study_instance_uid,
      seriesInstanceUid: r.series_instance_uid,
      sopInstanceUid: r.sop_instance_uid,
      sopClassUid: r.sop_class_uid,
      transferSyntaxUid: r.transfer_syntax_uid,
      instanceNumber: r.instance_number,
      storePath: r.store_path,
    }));
}

/**
 * What the store folder of a study holds besides its registered images: the series UIDs of the
 * registry (their folders hold images only) and the store paths of superseded result objects
 * (kept for the record, not offered to peers, as `livercad send --study` does).
 */
export function qrStudyFolderIndex(
  db: Db,
  studyInstanceUid: string,
): { imageSeries: Set<string>; superseded: Set<string> } {
  const imageSeries = new Set(
    db
      .prepare<[string], { uid: string }>(
        `SELECT se.series_instance_uid AS uid FROM series se JOIN studies s ON s.id = se.study_ref
          WHERE s.study_instance_uid = ?`,
      )
      .all(studyInstanceUid)
      .map((r) => r.uid),
  );
  const superseded = new Set(
    db
      .prepare<[string], { store_path: string }>(
        `SELECT r.store_path FROM result_objects r JOIN studies s ON s.id = r.study_ref
          WHERE s.study_instance_uid = ? AND r.superseded_at IS NOT NULL`,
      )
      .all(studyInstanceUid)
      .map((r) => r.store_path),
  );
  return { imageSeries, superseded };
}
