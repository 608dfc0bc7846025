// Job ownership and leases (issue 12 §3, db/005). A process claims a queued job by writing its
// owner id (pid@host#start-token) and a lease; while it works it renews the lease with a
// heartbeat. Any process may re-queue a running job only once its lease has expired (its owner
// was killed or hung), so two analyzers on one database never take each other's live jobs. Rows
// left running without a lease (older versions) count as expired. A job interrupted MAX_ATTEMPTS
// times is failed with a reason instead of looping.
import crypto from "node:crypto";
import os from "node:os";
import type { Db } from "./open";

/** How long a claim holds without a heartbeat. Stages run seconds; 60 s leaves a wide margin. */
export const LEASE_MS = 60_000;
/** How often the owner renews its lease (and at every stage boundary). */
export const HEARTBEAT_MS = 10_000;
/** Interrupted runs (killed process, expired lease, crashed or hung inference worker) allowed. */
export const MAX_ATTEMPTS = 3;

/** A new owner id for this process: pid, host, and a random token so a reused pid differs. */
export function newJobOwner(): string {
  return `${process.pid}@${os.hostname()}#${crypto.randomBytes(4).toString("hex")}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function interruptedTooOften(attempts: number, last: string): string {
  return (
    `The analysis was interrupted ${attempts} times (${last}); it is not retried again. ` +
    "Check the study's images and the inference worker, then queue it again."
  );
}

/**
 * Re-queues running analyze jobs whose lease expired (or that never had one), and finishes those
 * whose cancel was asked for. Returns how many were re-queued. Safe to call from any process at
 * any time: a live owner's job is left alone.
 */
export function requeueInterruptedJobs(db: Db, nowMs = Date.now()): number {
  const now = iso(nowMs);
  return db
    .transaction(() => {
      const expired = "(lease_expires_at IS NULL OR lease_expires_at < @now)";
      db.prepare(
        `UPDATE jobs SET state = 'cancelled', finished_at = @now, updated_at = @now, owner = NULL,
                         lease_expires_at = NULL
          WHERE state = 'running' AND cancel_requested = 1 AND ${expired}`,
      ).run({ now });
      db.prepare(
        `UPDATE jobs SET state = 'failed', finished_at = @now, updated_at = @now, owner = NULL,
                         lease_expires_at = NULL, attempts = attempts + 1,
                         error = @error
          WHERE state = 'running' AND kind = 'analyze' AND ${expired}
            AND attempts + 1 >= @max`,
      ).run({
        now,
        max: MAX_ATTEMPTS,
        error: interruptedTooOften(MAX_ATTEMPTS, "its process stopped while it ran"),
      });
      return db
        .prepare(
          `UPDATE jobs SET state = 'queued', stage = NULL, progress = 0, started_at = NULL,
                           owner = NULL, lease_expires_at = NULL, attempts = attempts + 1,
                           updated_at = @now
            WHERE state = 'running' AND kind = 'analyze' AND ${expired}`,
        )
        .run({ now }).changes;
    })
    .immediate();
}

export interface ClaimedJobRow {
  jobId: number;
  studyRef: number;
  studyInstanceUid: string;
  attempts: number;
}

/** Re-queues expired jobs, then takes the oldest queued analyze job for `owner`. */
export function claimNextJob(db: Db, owner: string, nowMs = Date.now()): ClaimedJobRow | null {
  return db
    .transaction((): ClaimedJobRow | null => {
      requeueInterruptedJobs(db, nowMs);
      const row = db
        .prepare<[], { id: number; study_ref: number; uid: string; attempts: number }>(
          `SELECT j.id, j.study_ref, s.study_instance_uid AS uid, j.attempts
             FROM jobs j JOIN studies s ON s.id = j.study_ref
            WHERE j.kind = 'analyze' AND j.state = 'queued' AND j.cancel_requested = 0
            ORDER BY j.id LIMIT 1`,
        )
        .get();
      if (!row) return null;
      const now = iso(nowMs);
      db.prepare(
        `UPDATE jobs SET state = 'running', stage = 'load', progress = 0, started_at = ?,
                         updated_at = ?, error = NULL, owner = ?, heartbeat_at = ?,
                         lease_expires_at = ?
          WHERE id = ?`,
      ).run(now, now, owner, now, iso(nowMs + LEASE_MS), row.id);
      return {
        jobId: row.id,
        studyRef: row.study_ref,
        studyInstanceUid: row.uid,
        attempts: row.attempts,
      };
    })
    .immediate();
}

/** Renews `owner`'s lease on a running job; false when the job is no longer this owner's. */
export function renewLease(db: Db, jobId: number, owner: string, nowMs = Date.now()): boolean {
  return (
    db
      .prepare(
        `UPDATE jobs SET heartbeat_at = ?, lease_expires_at = ?
          WHERE id = ? AND owner = ? AND state = 'running'`,
      )
      .run(iso(nowMs), iso(nowMs + LEASE_MS), jobId, owner).changes === 1
  );
}

/** True while `owner` holds the running job (call inside the transaction that finishes it). */
export function holdsJob(db: Db, jobId: number, owner: string): boolean {
  return (
    db
      .prepare<[number, string], { n: number }>(
        "SELECT COUNT(*) AS n FROM jobs WHERE id = ? AND owner = ? AND state = 'running'",
      )
      .get(jobId, owner)?.n === 1
  );
}

/**
 * Puts `owner`'s job back in the queue after an interruption it survived (the inference worker
 * crashed or hung), counting the attempt; fails it with the reason once MAX_ATTEMPTS is reached.
 */
export function retryOrFail(
  db: Db,
  jobId: number,
  owner: string,
  reason: string,
): "queued" | "failed" | "lost" {
  return db
    .transaction((): "queued" | "failed" | "lost" => {
      const row = db
        .prepare<[number, string], { attempts: number }>(
          "SELECT attempts FROM jobs WHERE id = ? AND owner = ? AND state = 'running'",
        )
        .get(jobId, owner);
      if (!row) return "lost";
      const now = new Date().toISOString();
      const attempts = row.attempts + 1;
      if (attempts >= MAX_ATTEMPTS) {
        db.prepare(
          `UPDATE jobs SET state = 'failed', error = ?, attempts = ?, owner = NULL,
                           lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ?`,
        ).run(interruptedTooOften(attempts, reason), attempts, now, now, jobId);
        return "failed";
      }
      db.prepare(
        `UPDATE jobs SET state = 'queued', stage = NULL, progress = 0, started_at = NULL,
                         error = ?, attempts = ?, owner = NULL, lease_expires_at = NULL,
                         updated_at = ? WHERE id = ?`,
      ).run(reason, attempts, now, jobId);
      return "queued";
    })
    .immediate();
}
