// What sequence assignment takes and gives: one candidate per series in, the chosen series per
// sequence, the missing sequences and the set-aside series out. Its own file so that index.ts,
// candidates.ts and t1-phases.ts all import it without importing each other in a circle.
import type { SequenceId } from "../../contract/domain";
import type { SeriesInfo } from "../instance";

export interface SeriesCandidate {
  info: SeriesInfo;
  sopClassUid: string;
  instanceCount: number;
  /** Image frames of the whole series (instances x frames per instance). */
  frameCount: number;
  rows: number;
  columns: number;
  sliceThickness: number | null;
  /** Distinct b-values over the series' instances and frames, when they differ (DWI series). */
  bValues?: number[];
  /** ImageOrientationPatient of the series' first frame; decides axial vs not when present. */
  imageOrientationPatient?: [number, number, number, number, number, number] | null;
}

export interface SequenceAssignment {
  sequence: SequenceId;
  seriesInstanceUid: string;
  /** Id of the rule (sequence-rules.json, or a selection rule of this file) that made it. */
  rule: string;
  detail: string;
  /** DWI only: the b-value whose images form the sequence; null when unknown. */
  bValue?: number | null;
}

export interface SeriesExclusion {
  seriesInstanceUid: string;
  rule: string;
  reason: string;
}

export interface AssignmentResult {
  assignments: SequenceAssignment[];
  missing: SequenceId[];
  excluded: SeriesExclusion[];
}
