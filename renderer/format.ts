// Display formats shared by the screens. DICOM values arrive as stored (PS3.5 6.2: PN with ^
// between components, DA as YYYYMMDD); the screens show them the way PACS viewers do.
import type { StudyStatus } from "../electron/contract/domain";
import { formatPersonName, type PatientIdentity } from "../electron/contract/identity";

/** Every component and group of a PN (issue 13 §1): "DOE^JANE^A^DR" -> "DOE, DR JANE A". */
export function formatName(pn: string): string {
  return formatPersonName(pn);
}

/** "1961-03-02 (63 y) F": birth date, age at the study and sex, each left out when unknown. */
export function formatBirthAgeSex(id: PatientIdentity): string {
  const parts = [
    id.birthDate === "" ? "" : formatDate(id.birthDate),
    id.age === "" ? "" : `(${id.age})`,
    id.sex,
  ].filter((p) => p !== "");
  return parts.length === 0 ? "—" : parts.join(" ");
}

/** "20240131" -> "2024-01-31"; anything else unchanged. */
export function formatDate(da: string): string {
  return /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : da;
}

const STATUS_LABELS: Record<StudyStatus, string> = {
  new: "New",
  incomplete: "Incomplete",
  ready: "Ready",
  queued: "Queued",
  analyzing: "Analyzing",
  analyzed: "Analyzed",
  "no-roi": "No lesion localized",
  error: "Error",
};

export function statusLabel(s: StudyStatus): string {
  return STATUS_LABELS[s];
}

export function percent(p: number, digits = 0): string {
  return `${(p * 100).toFixed(digits)}%`;
}
