// What an analysis stores and gives back (db/003 analyses + rois, jobs): the study result of
// out.json (field names fixed by issue 4 §4), its ROIs and models, and the states of a stored
// analysis and of an analysis job. Below the registry, which writes and reads them, and the
// services, the CLI and the exports that use them.
import type { ConfidenceScores } from "./calibration";
import type { Assessment } from "./confidence";
import type { LesionClass, SequenceId, Vec3 } from "./domain";

export type AnalysisStatus = "analyzed" | "no-roi" | "incomplete" | "error";
export type JobState = "queued" | "running" | "done" | "failed" | "cancelled";

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
  /**
   * A classifier with a rejection output ("not a lesion"): its mean probability for this ROI, and
   * whether that left the ROI out of the study's mean (rejectThreshold). Absent otherwise.
   */
  reject?: { probability: number; rejected: boolean };
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
