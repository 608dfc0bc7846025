// The study view's "Results in DICOM" list (issue 15 §1): the SR and presentation state of each
// analysis as stored objects in the managed store (db/010 result_objects). Shared with the
// renderer: no Node, no DOM.

/** stored: current and on disk; superseded: a later analysis replaced it (kept, not sent by
 * default); missing: recorded but the file is gone; pending: not written yet (first export or
 * send writes it). */
export type ResultObjectState = "stored" | "superseded" | "missing" | "pending";

export interface ResultObjectView {
  kind: "sr" | "gsps";
  /** written here, or imported (an SR from another workstation that restored the analysis). */
  origin: "written" | "imported";
  state: ResultObjectState;
  analysisId: number;
  sopInstanceUid: string | null;
  seriesInstanceUid: string | null;
  /** ISO 8601, when the file was stored; null while pending. */
  createdAt: string | null;
  supersededAt: string | null;
  sizeBytes: number | null;
}

/** What the study view's Export (to a folder) and Send (to a configured node) answer. */
export interface ResultObjectsOutcome {
  /** Files written to the folder, or SOP Instance UIDs stored by the node. */
  done: string[];
  failed: { item: string; reason: string }[];
}
