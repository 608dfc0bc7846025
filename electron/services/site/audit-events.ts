// The workstation's audited events beyond overrides and review flags (issue 13 §6): study opens,
// imports (app and CLI), analysis requests and results, and the worklist's confidence threshold.
// Details carry UIDs, counts and values, never names, paths or comments.
import type { JobView } from "../../contract/ipc";
import type { AnalysisEvent } from "../analysis/types";
import type { ImportReport } from "../import/report";
import { appendAudit, lastAuditAt, studyRefOf, type Db } from "../../registry";

/** A study re-read within this time by the same user (a refresh after a change) is one open. */
const OPEN_DEDUPE_MS = 60_000;

export function auditStudyOpen(db: Db, actor: string, studyInstanceUid: string): void {
  const ref = studyRefOf(db, studyInstanceUid);
  const last = lastAuditAt(db, ref, actor, "study.open");
  if (last !== null && Date.now() - Date.parse(last) < OPEN_DEDUPE_MS) return;
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

/**
 * An analysis job's end (the enqueue is `analysis.request`): its state, the stored status and
 * analysis id, for the app's and the CLI's analysis service alike. Errors are not copied (they
 * can quote series descriptions): the job row keeps them.
 */
export function auditAnalysisResults(
  db: Db,
  actor: () => string,
  service: { on(listener: (e: AnalysisEvent) => void): unknown },
): void {
  service.on((e) => {
    if (e.type !== "finished") return;
    try {
      appendAudit(db, {
        actor: actor(),
        action: "analysis.result",
        studyRef: studyRefOf(db, e.studyInstanceUid),
        details: {
          job: e.jobId,
          state: e.state,
          status: e.status,
          analysis: e.analysisId,
          error: e.error === null ? null : "see the analysis job",
        },
      });
    } catch {
      // The analysis is stored; a failed audit write must not turn it into an error.
    }
  });
}

/** An import run by `livercad import` / `analyze <dir>`: counts, never the paths. */
export function auditCliImport(
  db: Db,
  actor: string,
  command: string,
  inputs: number,
  report: ImportReport,
): void {
  const s = report.summary;
  appendAudit(db, {
    actor,
    action: "import",
    studyRef:
      report.studies.length === 1 ? studyRefOf(db, report.studies[0]!.studyInstanceUid) : null,
    details: {
      via: command,
      state: s.imported === 0 && s.duplicates === 0 ? "failed" : "done",
      inputs,
      summary: {
        files: s.files,
        imported: s.imported,
        duplicates: s.duplicates,
        skipped: s.skipped,
        rejected: s.rejected,
        studies: s.studies,
        complete: s.complete,
        incomplete: s.incomplete,
      },
    },
  });
}

/** An export run by `livercad export` (the dialog's are audited by export/jobs.ts alike). */
export function auditCliExport(
  db: Db,
  actor: string,
  e: {
    format: string;
    studies: number;
    written: number;
    errors: number;
    key: boolean;
    selected: boolean;
  },
): void {
  appendAudit(db, {
    actor,
    action: "export",
    studyRef: null,
    details: {
      via: "export",
      format: e.format,
      state: "done",
      studies: e.studies,
      selection: e.selected ? "selected" : "all-analyzed",
      written: e.written,
      errors: e.errors,
      key: e.key,
    },
  });
}
