// Sequence assignment as a service: the rules run over a study's stored series after each import,
// and a person can override one sequence (CLI `livercad assign`, the study view in the app).
import { SEQUENCES, type SequenceId } from "../../contract/domain";
import { UsageError } from "../../contract/errors";
import {
  getStudy,
  isSequenceId,
  overrideAssignment,
  saveAutoAssignments,
  seriesRecordsForStudy,
  type AssignmentToStore,
  type Registry,
  type SequenceAssignmentRecord,
  type SeriesRecord,
} from "../../registry";
import type { StudyReport } from "./report";

/** Runs the rules over every stored series of the study and stores the result with its rules. */
export function runAssignment(
  registry: Registry,
  studyInstanceUid: string,
  assign: (series: SeriesRecord[]) => AssignmentToStore,
): void {
  const series = seriesRecordsForStudy(registry.db, studyInstanceUid);
  saveAutoAssignments(registry.db, studyInstanceUid, assign(series));
}

export function parseSequence(value: string): SequenceId {
  if (!isSequenceId(value)) {
    throw new UsageError(`Unknown sequence "${value}". Use one of: ${SEQUENCES.join(", ")}.`);
  }
  return value;
}

/** Manual override of one sequence (seriesInstanceUid null: back to the rules' choice). */
export function overrideSequence(
  registry: Registry,
  req: {
    studyInstanceUid: string;
    sequence: string;
    seriesInstanceUid: string | null;
    actor: string;
    reason?: string;
  },
): SequenceAssignmentRecord | null {
  return overrideAssignment(registry.db, { ...req, sequence: parseSequence(req.sequence) });
}

export function studyReport(
  registry: Registry,
  studyInstanceUid: string,
  importedInstances: number,
  error: string | null,
): StudyReport | null {
  const s = getStudy(registry.db, studyInstanceUid);
  if (!s) return null;
  const pick = <T>(f: (a: SequenceAssignmentRecord) => T) =>
    Object.fromEntries(
      SEQUENCES.map((q) => [q, s.sequences[q] ? f(s.sequences[q]!) : null]),
    ) as Record<SequenceId, T | null>;
  return {
    studyInstanceUid,
    status: s.status,
    complete: s.missing.length === 0,
    sequences: pick((a) => a.seriesInstanceUid),
    rules: pick((a) => a.rule),
    missing: s.missing,
    seriesCount: s.seriesCount,
    instanceCount: s.instanceCount,
    importedInstances,
    error,
  };
}
