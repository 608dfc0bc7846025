// Deleting studies and the retention limit (issue 13 §7): what the Delete button, `livercad
// delete` and `livercad retention` send and get back. No Node and no DOM (STYLE.md 7).
import { z } from "zod";

/** A deletion's reason is required and kept in the audit log: 1-500 characters, trimmed. */
export const DELETE_REASON = { min: 1, max: 500 } as const;

export const deleteReason = z
  .string()
  .trim()
  .min(DELETE_REASON.min, "give a reason for the deletion (it is kept in the audit log)")
  .max(DELETE_REASON.max, `a reason of at most ${DELETE_REASON.max} characters`);

/** The reason every deletion made by `livercad retention` is audited with. */
export const RETENTION_REASON = "retention";

/**
 * The retention limit (site setting `retentionDays`): studies that arrived more than this many
 * days ago are deleted by `livercad retention`; 0 keeps every study forever (the default).
 * At most 100 years.
 */
export const RETENTION_DAYS = { default: 0, min: 0, max: 36_500 } as const;

export interface StudyDeletionView {
  studyInstanceUid: string;
  series: number;
  instances: number;
  analyses: number;
  /** Files of the managed store removed (images and stored SR / GSPS objects). */
  filesRemoved: number;
  /** Files that were already gone (nothing to remove). */
  filesMissing: number;
  /** Files that could not be removed: reported, not fatal (the rows are gone already). */
  fileErrors: { path: string; reason: string }[];
}
