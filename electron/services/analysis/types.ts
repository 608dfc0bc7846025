// The analysis service's public vocabulary: job events for the UI's analysis queue and the result
// document that `livercad analyze --json` writes (issue 4 §4 fixes its field names).
import type { AnalysisStatus, JobState, StudyResult } from "../../contract/analysis";
import type { StageName } from "../../pipeline/run";

// What is stored (analyses, rois, jobs) is named in contract/analysis.ts, below the registry that
// writes it; re-exported here for the service's callers.
export type {
  AnalysisStatus,
  JobState,
  ModelRecord,
  RoiRecord,
  StudyResult,
} from "../../contract/analysis";

/** Where a job is: reading the five series, one of the six pipeline stages, or saving. */
export type AnalysisStage = "load" | StageName | "save";

export type AnalysisEvent =
  | { type: "queued"; jobId: number; studyInstanceUid: string }
  | { type: "started"; jobId: number; studyInstanceUid: string }
  | {
      type: "progress";
      jobId: number;
      studyInstanceUid: string;
      stage: AnalysisStage;
      /** Fraction of the job done when this stage ended, 0..1. */
      progress: number;
      /** How long the stage took. */
      ms: number;
    }
  | {
      type: "finished";
      jobId: number;
      studyInstanceUid: string;
      state: Exclude<JobState, "queued" | "running">;
      /** The stored analysis' status; null when the job was cancelled (nothing stored). */
      status: AnalysisStatus | null;
      analysisId: number | null;
      error: string | null;
    };

export type AnalysisListener = (event: AnalysisEvent) => void;

export interface ResultsDocument {
  studies: StudyResult[];
}
