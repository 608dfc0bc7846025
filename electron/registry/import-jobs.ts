// Import jobs in the `jobs` table (issue 13 §5), as analyses are: a row of kind 'import' per
// import the workstation starts, its paths and label in params_json, its end state and findings
// in import_job_results (db/011). The panel lists them after a reload or a restart. A job holds
// its owner's lease (db/005, registry/jobs.ts) while queued or running; one whose owner died
// (expired lease) is ended "failed" with why, never left "reading files" forever.
import type { ImportJobSummary, JobView } from "../contract/ipc";
import { LEASE_MS } from "./jobs";
import type { Db } from "./open";

export interface ImportJobParams {
  paths: string[];
  label: string;
}

export interface ImportJobEnd {
  state: "done" | "failed" | "cancelled";
  error: string | null;
  summary: ImportJobSummary | null;
  fileErrors: { path: string; reason: string }[];
  studyInstanceUids: string[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Why an import whose process stopped (crash, kill, power cut) ended: the next start says so. */
export const ABANDONED_IMPORT =
  "The workstation stopped during this import; the series stored before it are kept. " +
  "Import the same folder again to add the rest (images already stored are not duplicated).";
export const ABANDONED_QUEUED_IMPORT =
  "The workstation stopped before this import started; nothing was read. Import it again.";

export function createImportJob(
  db: Db,
  params: ImportJobParams,
  owner: string,
  nowMs = Date.now(),
): number {
  const now = iso(nowMs);
  return Number(
    db
      .prepare(
        `INSERT INTO jobs (kind, study_ref, state, params_json, created_at, updated_at, owner,
                           heartbeat_at, lease_expires_at)
         VALUES ('import', NULL, 'queued', ?, ?, ?, ?, ?, ?)`,
      )
      .run(JSON.stringify(params), now, now, owner, now, iso(nowMs + LEASE_MS)).lastInsertRowid,
  );
}

/** Progress of `owner`'s import (stage, fraction); renews its lease. */
export function saveImportProgress(
  db: Db,
  id: number,
  owner: string,
  p: { state: "running"; stage: string | null; progress: number },
  nowMs = Date.now(),
): void {
  const now = iso(nowMs);
  db.prepare(
    `UPDATE jobs SET state = ?, stage = ?, progress = ?, updated_at = ?, heartbeat_at = ?,
                     lease_expires_at = ?, started_at = COALESCE(started_at, ?)
      WHERE id = ? AND kind = 'import' AND owner = ?`,
  ).run(
    p.state,
    p.stage,
    Math.min(1, Math.max(0, p.progress)),
    now,
    now,
    iso(nowMs + LEASE_MS),
    now,
    id,
    owner,
  );
}

/** Renews the lease of every unfinished import `owner` holds (its queue's heartbeat). */
export function renewImportLeases(db: Db, owner: string, nowMs = Date.now()): number {
  return db
    .prepare(
      `UPDATE jobs SET heartbeat_at = ?, lease_expires_at = ?
        WHERE kind = 'import' AND owner = ? AND state IN ('queued', 'running')`,
    )
    .run(iso(nowMs), iso(nowMs + LEASE_MS), owner).changes;
}

/** The job's end and what the import found, in one transaction. */
export function finishImportJob(db: Db, id: number, end: ImportJobEnd, nowMs = Date.now()): void {
  const now = iso(nowMs);
  db.transaction(() => {
    db.prepare(
      `UPDATE jobs SET state = ?, error = ?, stage = NULL, progress = 1, finished_at = ?,
                       updated_at = ?, owner = NULL, lease_expires_at = NULL
        WHERE id = ? AND kind = 'import'`,
    ).run(end.state, end.error, now, now, id);
    db.prepare(
      `INSERT INTO import_job_results (job_ref, summary_json, file_errors_json, studies_json)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (job_ref) DO UPDATE SET summary_json = excluded.summary_json,
         file_errors_json = excluded.file_errors_json, studies_json = excluded.studies_json`,
    ).run(
      id,
      end.summary === null ? null : JSON.stringify(end.summary),
      JSON.stringify(end.fileErrors),
      JSON.stringify(end.studyInstanceUids),
    );
  })();
}

/**
 * Ends import jobs whose owner stopped (lease expired, or none): a running one "failed" with
 * ABANDONED_IMPORT, a queued one with ABANDONED_QUEUED_IMPORT, one whose cancel was asked
 * "cancelled". Returns how many. Safe from any process: a live owner's jobs keep their lease.
 */
export function endAbandonedImports(db: Db, nowMs = Date.now()): number {
  const now = iso(nowMs);
  // Read first: the panel lists jobs often, and a write lock for nothing would queue behind an
  // import worker's commits.
  const any = db
    .prepare<[string], { id: number }>(
      `SELECT id FROM jobs WHERE kind = 'import' AND state IN ('queued', 'running')
          AND (lease_expires_at IS NULL OR lease_expires_at < ?) LIMIT 1`,
    )
    .get(now);
  if (!any) return 0;
  return db
    .transaction(() => {
      const expired = "(lease_expires_at IS NULL OR lease_expires_at < @now)";
      let n = 0;
      for (const [state, error] of [
        ["running", ABANDONED_IMPORT],
        ["queued", ABANDONED_QUEUED_IMPORT],
      ] as const) {
        n += db
          .prepare(
            `UPDATE jobs SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'failed' END,
                             error = CASE WHEN cancel_requested = 1 THEN NULL ELSE @error END,
                             stage = NULL, finished_at = @now, updated_at = @now, owner = NULL,
                             lease_expires_at = NULL
              WHERE kind = 'import' AND state = @state AND ${expired}`,
          )
          .run({ now, state, error }).changes;
      }
      return n;
    })
    .immediate();
}

interface Row {
  id: number;
  state: JobView["state"];
  stage: string | null;
  progress: number;
  error: string | null;
  params_json: string;
  created_at: string;
  finished_at: string | null;
  summary_json: string | null;
  file_errors_json: string | null;
  studies_json: string | null;
}

const SELECT = `SELECT j.id, j.state, j.stage, j.progress, j.error, j.params_json, j.created_at,
                       j.finished_at, r.summary_json, r.file_errors_json, r.studies_json
                  FROM jobs j LEFT JOIN import_job_results r ON r.job_ref = j.id
                 WHERE j.kind = 'import'`;

function view(r: Row): JobView {
  const params = JSON.parse(r.params_json) as Partial<ImportJobParams>;
  const studies = r.studies_json === null ? [] : (JSON.parse(r.studies_json) as string[]);
  return {
    id: r.id,
    kind: "import",
    state: r.state,
    stage: r.stage,
    progress: r.progress,
    studyInstanceUid: studies[0] ?? null,
    label: params.label ?? `Import ${r.id}`,
    error: r.error,
    fileErrors:
      r.file_errors_json === null ? [] : (JSON.parse(r.file_errors_json) as JobView["fileErrors"]),
    summary: r.summary_json === null ? null : (JSON.parse(r.summary_json) as ImportJobSummary),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

/** The newest `limit` import jobs, oldest first (the panel's order). */
export function recentImportJobs(db: Db, limit = 20): JobView[] {
  return db
    .prepare<[number], Row>(`${SELECT} ORDER BY j.id DESC LIMIT ?`)
    .all(limit)
    .reverse()
    .map(view);
}

export function importJob(db: Db, id: number): JobView | null {
  const row = db.prepare<[number], Row>(`${SELECT} AND j.id = ?`).get(id);
  return row ? view(row) : null;
}

/** The paths an import job was started with (for the panel and the CLI; never for logs). */
export function importJobPaths(db: Db, id: number): string[] {
  const row = db
    .prepare<[number], { params_json: string }>(
      "SELECT params_json FROM jobs WHERE id = ? AND kind = 'import'",
    )
    .get(id);
  return row ? ((JSON.parse(row.params_json) as Partial<ImportJobParams>).paths ?? []) : [];
}
