// The import report: one entry per file and one per study touched. `--json` writes exactly
// {"files": [...], "studies": [...]} (issue 3 §1); the summary is for the console.
import type { SequenceId, StudyStatus } from "../../contract/domain";

export type FileOutcomeKind = "imported" | "skipped" | "rejected";

export interface FileOutcome {
  path: string;
  outcome: FileOutcomeKind;
  /** Why a file was skipped or rejected; null when imported. */
  reason: string | null;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  sopInstanceUid: string | null;
}

export interface StudyReport {
  studyInstanceUid: string;
  status: StudyStatus;
  /** All five sequences assigned (automatically or by a manual override). */
  complete: boolean;
  /** Series UID per sequence; null where missing. */
  sequences: Record<SequenceId, string | null>;
  /** The rule that chose each assigned series ("manual-override" for overrides). */
  rules: Record<SequenceId, string | null>;
  missing: SequenceId[];
  seriesCount: number;
  instanceCount: number;
  /** Instances this import added to the study. */
  importedInstances: number;
  /** Set when sequence assignment failed for this study; the import itself still counts. */
  error: string | null;
}

export interface ImportSummary {
  files: number;
  imported: number;
  /** Skipped files other than duplicates (not MR images, DICOMDIRs ...). */
  skipped: number;
  rejected: number;
  /** Instances already in the registry (same SOP Instance UID): stored once, reported skipped. */
  duplicates: number;
  studies: number;
  complete: number;
  incomplete: number;
  seconds: number;
}

export interface ImportReport {
  files: FileOutcome[];
  studies: StudyReport[];
  summary: ImportSummary;
}

export interface ImportProgress {
  done: number;
  total: number;
  imported: number;
  skipped: number;
  rejected: number;
  duplicates: number;
}

export const DUPLICATE_REASON = "duplicate: this SOP Instance UID is already in the registry";

/** The `--json` document. */
export function reportDocument(report: ImportReport): Pick<ImportReport, "files" | "studies"> {
  return { files: report.files, studies: report.studies };
}
