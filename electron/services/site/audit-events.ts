// The workstation's audited events beyond overrides and review flags (issue 13 §6): study opens,
// imports, analysis requests and the worklist's confidence threshold. Details carry UIDs, counts
// and values, never names, paths or comments.
import type { JobView } from "../../contract/ipc";
import { appendAudit, type Db } from "../../registry";
import { studyRefOf } from "../../registry";

/** A study re-read within this time by the same user (a refresh after a change) is one open. */
const OPEN_DEDUPE_MS = 60_000;

export function auditStudyOpen(db: Db, actor: string, studyInstanceUid: string): void {
  const ref = studyRefOf(db, studyInstanceUid);
  const last = db
    .prepare<[number, string], { at: string }>(
      `SELECT at FROM audit_log WHERE study_ref = ? AND actor = ? AND action = 'study.open'
        ORDER BY id DESC LIMIT 1`,
    )
    .get(ref, actor);
  if (last && Date.now() - Date.parse(last.at) < OPEN_DEDUPE_MS) return;
  appendAudit(db, { actor, action: "study.open", studyRef: ref, details: {} });
}

export function auditImport(db: Db, actor: string, job: JobView, inputs: number): void {
  appendAudit(db, {
    actor,
    action: "import",
    studyRef: null,
    details: {
      job: job.id,
      state: job.state,
      inputs,
      summary: job.summary ?? null,
      error: job.error === null ? null : "see the import job",
    },
  });
}

export function auditAnalysisRequest(
  db: Db,
  actor: string,
  studyInstanceUids: string[],
  unanalyzed: boolean,
  queued: number,
): void {
  const ref = studyInstanceUids.length === 1 ? studyRefOf(db, studyInstanceUids[0]!) : null;
  appendAudit(db, {
    actor,
    action: "analysis.request",
    studyRef: ref,
    details: { studies: studyInstanceUids.length, unanalyzed, queued },
  });
}

/**
 * The worklist's confidence cut (issue 13 §4): the slider's percentage and, when it changes, the
 * fixed calibrated threshold mode (minProbCorrect; null = the percentage rule). The renderer
 * saves once per drag, so one drag is one entry.
 */
export function auditThreshold(
  db: Db,
  actor: string,
  from: number,
  to: number,
  minProbCorrect?: { from: number | null; to: number | null },
): void {
  const details: Record<string, unknown> = {};
  if (from !== to) details.topPercent = { from, to };
  if (minProbCorrect !== undefined && minProbCorrect.from !== minProbCorrect.to) {
    details.minProbCorrect = minProbCorrect;
  }
  if (Object.keys(details).length === 0) return;
  appendAudit(db, { actor, action: "worklist.threshold", studyRef: null, details });
}
