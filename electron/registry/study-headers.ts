// What an export names a study by (issue 8): its latest analysis' row id and calibrated assessment
// with the patient and study attributes, one statement over studies, patients and analyses (like
// worklist.ts, its own module). The assessment column comes with migration 006 (issue 11): read
// only when present, so exports work on registries of any age.
import type { Assessment } from "../contract/confidence";
import type { Db } from "./open";

export interface StudyHeaderRow {
  /** Row id of the study's latest analysis. */
  analysisId: number;
  studyInstanceUid: string;
  patientName: string;
  birthDate: string;
  sex: string;
  studyDate: string;
  studyTime: string;
  accessionNumber: string;
  description: string;
  assessment: Assessment | null;
}

interface Row {
  id: number;
  uid: string;
  patient_name: string;
  birth_date: string;
  sex: string;
  study_date: string;
  study_time: string;
  accession_number: string;
  description: string;
  assessment_json?: string | null;
}

/** Whether `table` has `column` (PRAGMA table_info). `table` is one of the registry's names. */
function hasColumn(db: Db, table: string, column: string): boolean {
  return db
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
    .all()
    .some((c) => c.name === column);
}

/**
 * A reader of each analyzed study's header by Study Instance UID (null: not stored or never
 * analyzed), prepared once for an export that reads many studies.
 */
export function studyHeaderReader(db: Db): (studyInstanceUid: string) => StudyHeaderRow | null {
  const assessment = hasColumn(db, "analyses", "assessment_json") ? ", a.assessment_json" : "";
  const statement = db.prepare<[string], Row>(
    `SELECT a.id, s.study_instance_uid AS uid, p.patient_name, p.birth_date, p.sex, s.study_date,
            s.study_time, s.accession_number, s.description${assessment}
       FROM studies s JOIN patients p ON p.id = s.patient_ref
       JOIN analyses a ON a.id = (SELECT MAX(x.id) FROM analyses x WHERE x.study_ref = s.id)
      WHERE s.study_instance_uid = ?`,
  );
  return (studyInstanceUid) => {
    const r = statement.get(studyInstanceUid);
    if (!r) return null;
    return {
      analysisId: r.id,
      studyInstanceUid: r.uid,
      patientName: r.patient_name,
      birthDate: r.birth_date,
      sex: r.sex,
      studyDate: r.study_date,
      studyTime: r.study_time,
      accessionNumber: r.accession_number,
      description: r.description,
      assessment: r.assessment_json ? (JSON.parse(r.assessment_json) as Assessment) : null,
    };
  };
}
