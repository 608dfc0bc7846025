// The study header's identity line (issue 13 §1): every component of the name, patient ID, birth
// date with the age at the study, sex, accession number, study date and description, so a
// radiologist can check the patient before reading.
import type { StudyDetail } from "../../electron/contract/ipc";
import { formatBirthAgeSex, formatDate } from "../format";

export function PatientBanner({ detail }: { detail: StudyDetail }) {
  const id = detail.identity;
  const parts: [string, string][] = [
    ["ID", detail.patientId],
    ["Born", formatBirthAgeSex(id)],
    ["Acc", id.accession],
    ["Study", formatDate(detail.studyDate)],
    ["", detail.description],
  ];
  return (
    <span className="patient-banner" data-testid="patient-banner">
      <strong title={id.name}>{id.displayName}</strong>
      {parts
        .filter(([, v]) => v !== "" && v !== "—")
        .map(([k, v]) => (
          <span key={k + v}>
            {" · "}
            {k !== "" && <span className="muted">{k} </span>}
            {v}
          </span>
        ))}
    </span>
  );
}
