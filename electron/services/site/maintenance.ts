// Housekeeping the running workstation does itself (issue 13 §7), beside what `livercad
// retention` does from cron / Task Scheduler:
// - at start: the files an interrupted deletion left in the store are swept (the same
//   sweepDeletedStudyFiles as `livercad retention`: unregistered .dcm files older than an hour,
//   only under folders of studies no longer in the registry);
// - once a day, when the site turned it on (`retentionInApp`) and set a limit (`retentionDays` >
//   0): the retention limit is applied as `livercad retention` applies it, each deletion audited
//   as `study.delete` (via retention), the run itself as `retention.run`.
// Nothing is deleted without both settings. The day is counted from the last `retention.run`
// entry of the audit log, whichever workstation or CLI wrote it, so several workstations on one
// shared registry (the per-machine data folder) and a nightly `livercad retention` make one run
// a day between them; the claim is an IMMEDIATE transaction, so two starting together do not
// both run.
import { errorMessage } from "../../contract/errors";
import {
  appendAudit,
  lastActionAt,
  readSiteSettings,
  type Db,
  type Registry,
} from "../../registry";
import { applyRetention, sweepDeletedStudyFiles, type RetentionReport } from "./deletion";

/** The audit action of a retention run (app or CLI); its `at` times the next scheduled run. */
export const RETENTION_RUN_ACTION = "retention.run";
/** The audit action of the start-up sweep, written only when it found files. */
export const STORE_SWEEP_ACTION = "store.sweep";
/** A day between scheduled runs. */
export const RETENTION_PERIOD_MS = 24 * 3_600_000;
/** The schedule looks every hour whether a run is due (a workstation left on for days). */
export const RETENTION_CHECK_MS = 3_600_000;
/** The first look waits until start-up work (worklist index, listener) is done. */
export const RETENTION_FIRST_CHECK_MS = 5 * 60_000;

/** Files an interrupted deletion left: swept at start; audited when there were any. */
export function sweepAtStart(
  registry: Registry,
  actor: string,
  nowMs?: number,
): ReturnType<typeof sweepDeletedStudyFiles> {
  const sweep = sweepDeletedStudyFiles(registry, {
    dryRun: false,
    ...(nowMs !== undefined ? { nowMs } : {}),
  });
  if (sweep.found > 0) {
    appendAudit(registry.db, {
      actor,
      action: STORE_SWEEP_ACTION,
      studyRef: null,
      details: {
        via: "app-start",
        found: sweep.found,
        removed: sweep.removed,
        missing: sweep.missing,
        // Store paths are UID segments (no names); the count is enough for the log.
        errors: sweep.errors.length,
      },
    });
  }
  return sweep;
}

/** When the last retention run (app or CLI) started or ended, or null if there was none. */
export function lastRetentionRun(db: Db): string | null {
  return lastActionAt(db, RETENTION_RUN_ACTION);
}

export type RetentionClaim = { due: true; retentionDays: number } | { due: false; why: string };

/**
 * Whether a scheduled run is due now; when it is, the run is claimed (its `retention.run` start
 * entry written) in the same IMMEDIATE transaction.
 */
export function claimScheduledRetention(db: Db, actor: string, nowMs: number): RetentionClaim {
  return db
    .transaction((): RetentionClaim => {
      const settings = readSiteSettings(db);
      if (!settings.retentionInApp) return { due: false, why: "retentionInApp is off" };
      if (settings.retentionDays === 0) {
        return { due: false, why: "retentionDays=0 keeps every study" };
      }
      const last = lastRetentionRun(db);
      if (last !== null && nowMs - Date.parse(last) < RETENTION_PERIOD_MS) {
        return { due: false, why: `the last run was at ${last}` };
      }
      appendAudit(db, {
        actor,
        action: RETENTION_RUN_ACTION,
        studyRef: null,
        details: { via: "app", state: "started", retentionDays: settings.retentionDays },
      });
      return { due: true, retentionDays: settings.retentionDays };
    })
    .immediate();
}

/** The counts of a run, as `livercad retention` prints them (no UIDs: they are in study.delete). */
export function retentionRunDetails(report: RetentionReport): Record<string, number | boolean> {
  const count = (o: string): number => report.studies.filter((s) => s.outcome === o).length;
  const fileErrors =
    report.studies.reduce((n, s) => n + (s.deletion?.fileErrors.length ?? 0), 0) +
    report.sweep.errors.length;
  return {
    retentionDays: report.retentionDays,
    dryRun: report.dryRun,
    deleted: count("deleted"),
    kept: count("kept"),
    failed: count("failed"),
    filesRemoved: report.studies.reduce((n, s) => n + (s.deletion?.filesRemoved ?? 0), 0),
    fileErrors,
    orphanFiles: report.sweep.found,
    orphanFilesRemoved: report.sweep.removed,
  };
}

/**
 * One scheduled run if due: the limit applied (each deletion audited), then the run's counts
 * audited as `retention.run` {via: "app", state: "done"}. Returns null when not due.
 */
export function runScheduledRetention(
  registry: Registry,
  options: { actor: string; nowMs?: number },
): RetentionReport | null {
  const nowMs = options.nowMs ?? Date.now();
  const claim = claimScheduledRetention(registry.db, options.actor, nowMs);
  if (!claim.due) return null;
  const report = applyRetention(registry, { actor: options.actor, dryRun: false, nowMs });
  auditRetentionRun(registry.db, options.actor, "app", report);
  return report;
}

/** The `retention.run` entry of a finished real run (the app's schedule, `livercad retention`). */
export function auditRetentionRun(
  db: Db,
  actor: string,
  via: "app" | "cli",
  report: RetentionReport,
): void {
  appendAudit(db, {
    actor,
    action: RETENTION_RUN_ACTION,
    studyRef: null,
    details: { via, state: "done", ...retentionRunDetails(report) },
  });
}

export interface RetentionSchedule {
  stop(): void;
}

/**
 * Looks every `checkMs` (first after `firstCheckMs`) whether a run is due and runs it; `changed`
 * hears of every run that deleted a study (the worklist is rebuilt). A failing run is logged and
 * tried again at the next look; the timers never keep the process alive.
 */
export function startRetentionSchedule(
  registry: Registry,
  options: {
    actor: () => string;
    changed: (deleted: string[]) => void;
    firstCheckMs?: number;
    checkMs?: number;
    log?: (message: string) => void;
  },
): RetentionSchedule {
  const log = options.log ?? ((m: string) => console.error(m));
  let stopped = false;
  const look = (): void => {
    if (stopped) return;
    try {
      const report = runScheduledRetention(registry, { actor: options.actor() });
      const deleted = (report?.studies ?? [])
        .filter((s) => s.outcome === "deleted")
        .map((s) => s.studyInstanceUid);
      if (deleted.length > 0) options.changed(deleted);
    } catch (err) {
      log(`Scheduled retention failed: ${errorMessage(err)}`);
    }
  };
  const first = setTimeout(look, options.firstCheckMs ?? RETENTION_FIRST_CHECK_MS);
  const every = setInterval(look, options.checkMs ?? RETENTION_CHECK_MS);
  first.unref();
  every.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
