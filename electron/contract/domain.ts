// Domain vocabulary shared by every layer: the main process, the CLI, the pipeline and the renderer.
// No Node built-ins and no DOM here (STYLE.md 7); tsconfig enforces it.

/** The five MRI sequences of the paper ("Data Collection and Imaging Acquisition"). */
export const SEQUENCES = ["T1_pre", "T2", "T1_arterial", "T1_venous", "DWI"] as const;
export type SequenceId = (typeof SEQUENCES)[number];

export const SEQUENCE_LABELS: Record<SequenceId, string> = {
  T1_pre: "T1 pre-contrast",
  T2: "T2",
  T1_arterial: "T1 arterial",
  T1_venous: "T1 portal-venous",
  DWI: "DWI",
};

/** Lesion classes in the order the paper reports them (Table 3). Models declare their own order. */
export const LESION_CLASSES = ["HCC", "ICC", "metastasis"] as const;
export type LesionClass = (typeof LESION_CLASSES)[number];

/** A point or direction in DICOM patient coordinates (LPS, millimetres). */
export type Vec3 = [number, number, number];

/**
 * A study's state on the worklist, as the registry's study_status view (db/004) derives it. One
 * list for the IPC schema, the worklist's status filter and the labels. The view's 'importing'
 * branch (a running job of kind 'import' on the study) is never reached: no code writes such jobs
 * (imports run in the import worker, not as study jobs), so it is not a status here.
 */
export const STUDY_STATUSES = [
  "new",
  "incomplete",
  "ready",
  "queued",
  "analyzing",
  "analyzed",
  "no-roi",
  "error",
] as const;
export type StudyStatus = (typeof STUDY_STATUSES)[number];
