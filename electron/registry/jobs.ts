// Job queue housekeeping that must hold for every job kind. A process killed mid-job leaves its
// row "running" with nobody working on it; at start-up the owner puts such rows back in the queue
// (issue 4 §3: a job killed mid-way is re-queued on restart), unless a cancel had been asked for.
import type { Db } from "./open";

/** Re-queues interrupted jobs; returns how many. Call once at start-up, before claiming work. */
export function requeueInterruptedJobs(db: Db): number {
  const now = new Date().toISOString();
  return db.transaction(() => {
    db.prepare(
      `UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ?
          WHERE state = 'running' AND cancel_requested = 1`,
    ).run(now, now);
    const requeued = db
      .prepare(
        `UPDATE jobs SET state = 'queued', stage = NULL, progress = 0, started_at = NULL,
                         attempts = attempts + 1, updated_at = ?
          WHERE state = 'running'`,
      )
      .run(now).changes;
    return requeued;
  })();
}
