// What the registry hands back to services, the CLI and (through the IPC contract) the worklist.
import type { SequenceId, StudyStatus } from "../contract/domain";
import type { SeriesInfo } from "../dicom/instance";

export type AssignmentSource = "auto" | "manual";

export interface SequenceAssignmentRecord {
  sequence: SequenceId;
  seriesInstanceUid: string;
  source: AssignmentSource;
  rule: string;
  detail: string;
  /** DWI: the b-value whose images form the sequence. */
  bValue: number | null;
  assignedAt: string;
  assignedBy: string;
}

export interface StudySummary {
  studyInstanceUid: string;
  patientId: string;
  patientName: string;
  studyDate: string;
  studyTime: string;
  description: string;
  accessionNumber: string;
  status: StudyStatus;
  seriesCount: number;
  instanceCount: number;
  /** Effective assignment per sequence (a manual override wins over the rules). */
  sequences: Record<SequenceId, SequenceAssignmentRecord | null>;
  missing: SequenceId[];
}

/**
 * One stored series as sequence assignment sees it; structurally the `SeriesCandidate` of
 * dicom/assign, rebuilt from the registry so re-assignment never re-reads files.
 */
export interface SeriesRecord {
  info: SeriesInfo;
  sopClassUid: string;
  instanceCount: number;
  frameCount: number;
  rows: number;
  columns: number;
  sliceThickness: number | null;
  /** Distinct b-values over the series' instances and frames. */
  bValues: number[];
  imageOrientationPatient: [number, number, number, number, number, number] | null;
}

/** The part of dicom/assign's AssignmentResult that the registry stores. */
export interface AssignmentToStore {
  assignments: {
    sequence: SequenceId;
    seriesInstanceUid: string;
    rule: string;
    detail: string;
    bValue?: number | null;
  }[];
  excluded: { seriesInstanceUid: string; rule: string; reason: string }[];
}
