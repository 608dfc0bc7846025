// v5: job owners and leases (issue 12 §3). A running job names the process that claimed it
// (pid@host#start-token) and holds a lease the owner renews with a heartbeat; another process
// re-queues it only once the lease has expired, so a second `livercad analyze` (or the app starting
// while the CLI works) no longer takes over a live job. Rows left running by an older version have
// no lease and count as expired. Only adds columns to jobs, whatever else ran before it.
import type { Migration } from "./migration";

export const migration005: Migration = {
  version: 5,
  name: "job owner, lease, heartbeat",
  up(db) {
    db.exec(`
      ALTER TABLE jobs ADD COLUMN owner TEXT;
      ALTER TABLE jobs ADD COLUMN lease_expires_at TEXT;
      ALTER TABLE jobs ADD COLUMN heartbeat_at TEXT;
    `);
  },
};
