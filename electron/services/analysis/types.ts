// The analysis service's public vocabulary: job events for the UI's analysis queue and the result
// document that `livercad analyze --json` writes (issue 4 §4 fixes its field names).
import type { ConfidenceScores } from "../../contract/calibration";
import type { Assessment } from "../../contract/confidence";
import type { LesionClass, SequenceId, Vec3 } from "../../contract/domain";
import type { StageName } from "../../pipeline/run";

/** Where a job is: reading the five series, one of the six pipeline stages, or saving. */
export type AnalysisStage = "load" | StageName | "save";
export type AnalysisStatus = "analyzed" | "no-roi" | "incomplete" | "error";
export type JobState = "queued" | "running" | "done" | "failed" | "cancelled";

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

/** One ROI of out.json. box_px: the reference series' pixels on slice sliceIndex. */
export interface RoiRecord {
  seriesInstanceUid: string;
  sequence: SequenceId;
  sliceIndex: number;
  box_px: [number, number, number, number];
  center_mm: Vec3;
  score: number;
  probabilities: Record<LesionClass, number>;
  rank: number;
  /** Per-class Monte-Carlo mean and variance of this ROI (T samples). */
  mc: { variance: number; samples: number; classVariances: Record<LesionClass, number> };
}

export interface ModelRecord {
  id: string;
  version: string;
  task: "detector" | "classifier";
  sequence?: SequenceId;
  /** sha256 of the model's first file (the UI shows one); all files are in `files`. */
  sha256: string;
  files: { role: string; path: string; sha256: string }[];
  provider: string;
}

/** One study of out.json (names fixed by issue 4 §4: other tools read them). */
export interface StudyResult {
  studyInstanceUid: string;
  patientId: string;
  status: AnalysisStatus;
  error: string | null;
  prediction: LesionClass | null;
  probabilities: Record<LesionClass, number> | null;
  confidence: number | null;
  uncertainty: number | null;
  /**
   * The five candidate confidence scores (issue 11 §3); absent on analyses stored before them and
   * on studies that were not analyzed.
   */
  scores?: ConfidenceScores;
  /** The calibrated reading; absent when the classifier had no calibration (or older analyses). */
  assessment?: Assessment;
  sequences: Record<SequenceId, string | null>;
  rois: RoiRecord[];
  model: { models: ModelRecord[]; config: unknown };
  provider: string;
  timings_ms: Record<string, number>;
  analyzedAt: string;
}

export interface ResultsDocument {
  studies: StudyResult[];
}
