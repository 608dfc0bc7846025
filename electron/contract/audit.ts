// The Audit screen's contract (issue 13 §6): the filter it sends and the rows it gets back. The
// log holds UIDs, counts and references, never names or comments (registry/audit.ts). No Node and
// no DOM (STYLE.md 7).
import { z } from "zod";

const instant = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), "a date or time (ISO 8601, e.g. 2026-12-05)");

export const auditFilter = z.object({
  /** Bounds of the entry's time, inclusive (ISO; a bare YYYY-MM-DD "until" takes the whole day). */
  since: instant.optional(),
  until: instant.optional(),
  /** One user's entries. */
  user: z.string().min(1).max(200).optional(),
  /** One action, or a prefix ending in "." ("review." matches review.update). */
  action: z.string().min(1).max(100).optional(),
  studyInstanceUid: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[0-9.]+$/, "a DICOM UID (digits and dots)")
    .optional(),
});

export type AuditFilterRequest = z.infer<typeof auditFilter>;

export interface AuditRowView {
  id: number;
  at: string;
  actor: string;
  action: string;
  studyInstanceUid: string | null;
  details: Record<string, unknown>;
}

export interface AuditPageView {
  /** Newest first, at most the request's limit. */
  rows: AuditRowView[];
  /** Rows matching the filter (all of them go into the CSV). */
  total: number;
  /** Every user and action in the log, for the filter's choices. */
  users: string[];
  actions: string[];
}
