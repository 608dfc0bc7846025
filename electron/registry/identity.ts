// A study's patient identity for the study header (issue 13 §1): the stored name, birth date,
// sex and accession number, formatted by the contract's shared rules.
import { UsageError } from "../contract/errors";
import { identityOf, type PatientIdentity } from "../contract/identity";
import type { Db } from "./open";

export function studyIdentity(db: Db, studyInstanceUid: string): PatientIdentity {
  const row = db
    .prepare<
      [string],
      {
        patient_name: string;
        birth_date: string;
        sex: string;
        accession_number: string;
        study_date: string;
      }
    >(
      `SELECT p.patient_name, p.birth_date, p.sex, s.accession_number, s.study_date
         FROM studies s JOIN patients p ON p.id = s.patient_ref
        WHERE s.study_instance_uid = ?`,
    )
    .get(studyInstanceUid);
  if (!row) throw new UsageError(`No study ${studyInstanceUid} in the registry.`);
  return identityOf({
    patientName: row.patient_name,
    birthDate: row.birth_date,
    sex: row.sex,
    accession: row.accession_number,
    studyDate: row.study_date,
  });
}
