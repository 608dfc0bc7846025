// The analysis queue is the registry's jobs table (db/003, db/005): rows of kind 'analyze', claimed
// in id order by an owner holding a lease. A row whose owner stopped renewing its lease (killed,
// hung) is re-queued by whichever process claims next (jobs.ts); cancel marks the row and the
// worker (services/analysis/service.ts) stops between stages.
import type { JobState } from "../contract/analysis";
import { UsageError } from "../contract/errors";
import type { JobView } from "../contract/ipc";
import { claimNextJob } from "./jobs";
import type { Db } from "./open";

export interface ClaimedJob {
  jobId: number;
  studyRef: number;
  studyInstanceUid: string;
}

const nowIso = (): string => new Date().toISOString();

/** Queues one job per study that has none queued or running; returns [uid, jobId] of new rows. */
export function enqueueStudies(db: Db, studyInstanceUids: string[]): [string, number][] {
  return db
    .transaction((): [string, number][] => {
      const ref = db.prepare<[string], { id: number }>(
        "SELECT id FROM studies WHERE study_instance_uid = ?",
      );
      const busy = db.prepare<[number], { id: number }>(
        `SELECT id FROM jobs WHERE study_ref = ? AND kind = 'analyze'
            AND state IN ('queued', 'running')`,
      );
      const insert = db.prepare(
        `INSERT INTO jobs (kind, study_ref, state, created_at, updated_at)
         VALUES ('analyze', ?, 'queued', ?, ?)`,
      );
      const out: [string, number][] = [];
      for (const uid of studyInstanceUids) {
        const row = ref.get(uid);
        // A client error (USAGE), not INTERNAL: the caller named a study that is not there.
        if (!row) throw new UsageError(`Study ${uid} is not in the registry; nothing was queued.`);
        if (busy.get(row.id)) continue;
        const now = nowIso();
        out.push([uid, Number(insert.run(row.id, now, now).lastInsertRowid)]);
      }
      return out;
    })
    .immediate();
}

/**
 * Studies that need an analysis: never analyzed (ready, or new/incomplete without any analysis),
 * or whose latest analysis found them incomplete and that are complete now.
 */
export function unanalyzedStudies(db: Db): string[] {
  return db
    .prepare<[], { uid: string }>(
      `SELECT s.study_instance_uid AS uid FROM studies s
         JOIN study_status st ON st.study_ref = s.id
        WHERE st.status = 'ready'
           OR (st.status IN ('new', 'incomplete') AND st.latest_analysis_ref IS NULL)
        ORDER BY s.id`,
    )
    .all()
    .map((r) => r.uid);
}

/** Takes the oldest queued job for `owner` (registry/jobs.ts: owner, lease, expired re-queue). */
export function claimNext(db: Db, owner: string): ClaimedJob | null {
  const row = claimNextJob(db, owner);
  return (
    row && { jobId: row.jobId, studyRef: row.studyRef, studyInstanceUid: row.studyInstanceUid }
  );
}

/** Records a stage's end; returns true when a cancel was asked for meanwhile. */
export function recordProgress(
  db: Db,
  jobId: number,
  /** services/analysis' AnalysisStage: "load", a pipeline stage or "save". */
  stage: string,
  progress: number,
): boolean {
  db.prepare("UPDATE jobs SET stage = ?, progress = ?, updated_at = ? WHERE id = ?").run(
    stage,
    Math.min(1, Math.max(0, progress)),
    nowIso(),
    jobId,
  );
  const row = db
    .prepare<[number], { c: number }>("SELECT cancel_requested AS c FROM jobs WHERE id = ?")
    .get(jobId);
  return row?.c === 1;
}

export function finishJob(
  db: Db,
  jobId: number,
  state: "done" | "failed" | "cancelled",
  error: string | null,
): void {
  const now = nowIso();
  db.prepare(
    `UPDATE jobs SET state = ?, error = ?, finished_at = ?, updated_at = ?,
                     progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END
      WHERE id = ?`,
  ).run(state, error, now, now, state, jobId);
}

/**
 * Asks a job to stop: a queued job is cancelled at once, a running one at its next stage boundary.
 * Returns the job's state after the call, or null when there is no such job.
 */
export function requestCancel(db: Db, jobId: number): JobState | null {
  return db
    .transaction((): JobState | null => {
      const row = db
        .prepare<[number], { state: JobState }>("SELECT state FROM jobs WHERE id = ?")
        .get(jobId);
      if (!row) return null;
      const now = nowIso();
      if (row.state === "queued") {
        db.prepare(
          `UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_at = ?,
                           updated_at = ? WHERE id = ?`,
        ).run(now, now, jobId);
        return "cancelled";
      }
      if (row.state === "running") {
        db.prepare("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?").run(
          now,
          jobId,
        );
      }
      return row.state;
    })
    .immediate();
}

export function jobState(db: Db, jobId: number): JobState | null {
  return (
    db.prepare<[number], { state: JobState }>("SELECT state FROM jobs WHERE id = ?").get(jobId)
      ?.state ?? null
  );
}

/** One more interruption of a job (a crashed or timed-out worker); counted against MAX_ATTEMPTS. */
export function addAttempt(db: Db, jobId: number): void {
  db.prepare("UPDATE jobs SET attempts = attempts + 1 WHERE id = ?").run(jobId);
}

export function jobAttempts(db: Db, jobId: number): number {
  return (
    db.prepare<[number], { a: number }>("SELECT attempts AS a FROM jobs WHERE id = ?").get(jobId)
      ?.a ?? 0
  );
}

/** Analysis jobs that are waiting, running, or finished in the last hour, oldest first. */
export function analyzeJobs(db: Db): JobView[] {
  const since = new Date(Date.now() - 3_600_000).toISOString();
  return db
    .prepare<
      [string],
      {
        id: number;
        state: JobView["state"];
        stage: string | null;
        progress: number;
        uid: string | null;
        error: string | null;
      }
    >(
      `SELECT j.id, j.state, j.stage, j.progress, s.study_instance_uid AS uid, j.error
         FROM jobs j LEFT JOIN studies s ON s.id = j.study_ref
        WHERE j.kind = 'analyze' AND (j.state IN ('queued', 'running') OR j.updated_at >= ?)
        ORDER BY j.id LIMIT 500`,
    )
    .all(since)
    .map((j) => ({
      id: j.id,
      kind: "analyze" as const,
      state: j.state,
      stage: j.stage,
      progress: j.progress,
      studyInstanceUid: j.uid,
      label: "Analysis",
      error: j.error,
      fileErrors: [],
    }));
}
