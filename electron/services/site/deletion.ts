// Deleting studies (issue 13 §7): the registry rows and their audit entry go in one transaction
// (registry/deletion.ts); the store files are removed after the commit. A file that cannot be
// removed is reported, not fatal: the study is gone from the registry either way. A crash between
// the commit and the file removal leaves unregistered files under store/<StudyInstanceUID>/;
// nothing reads them (every read goes through a registry row), a re-import of the same instances
// overwrites them, and `livercad retention` sweeps them (sweepDeletedStudyFiles). The retention limit (`retentionDays`) deletes old studies the same
// way, each audited with the reason "retention".
import fs from "node:fs";
import path from "node:path";
import { RETENTION_REASON, type StudyDeletionView } from "../../contract/deletion";
import { AppError, errorMessage } from "../../contract/errors";
import type { Channel } from "../../contract/ipc";
import {
  allStudyUids,
  deleteStudyRecords,
  readSiteSettings,
  retentionCandidates,
  type DeletionRequest,
  type Registry,
  type RetentionCandidate,
  storePathChecker,
} from "../../registry";
import { uidSegment } from "../import/store";
import type { Handlers } from "../workstation/service";

export interface FileRemoval {
  removed: number;
  missing: number;
  errors: { path: string; reason: string }[];
}

/**
 * Removes the files at `relative` (store paths) under `storeRoot`, then the folders they leave
 * empty (up to, not including, the store root). rmdir only removes an empty folder, so a file an
 * import writes into the same study folder meanwhile is never taken with it.
 */
export function removeStoreFiles(storeRoot: string, relative: string[]): FileRemoval {
  const out: FileRemoval = { removed: 0, missing: 0, errors: [] };
  const dirs = new Set<string>();
  const root = path.resolve(storeRoot);
  for (const rel of relative) {
    const file = path.resolve(root, ...rel.split("/"));
    // Store paths are UID segments (import/store.ts); refuse anything that leaves the store.
    if (!file.startsWith(root + path.sep)) {
      out.errors.push({ path: rel, reason: "outside the managed store; not removed" });
      continue;
    }
    try {
      fs.unlinkSync(file);
      out.removed += 1;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") out.missing += 1;
      else out.errors.push({ path: rel, reason: errorMessage(err) });
    }
    for (let d = path.dirname(file); d.startsWith(root + path.sep); d = path.dirname(d))
      dirs.add(d);
  }
  // Deepest first, so a series folder goes before its study folder.
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      fs.rmdirSync(d);
    } catch {
      // Not empty (other files, a concurrent import) or already gone: kept.
    }
  }
  return out;
}

/** Deletes one study: rows and audit entry in one transaction, then its store files. */
export function deleteStudy(registry: Registry, req: DeletionRequest): StudyDeletionView {
  const deleted = deleteStudyRecords(registry.db, req);
  const files = removeStoreFiles(registry.paths.store, deleted.files);
  return {
    studyInstanceUid: deleted.studyInstanceUid,
    series: deleted.series,
    instances: deleted.instances,
    analyses: deleted.analyses,
    filesRemoved: files.removed,
    filesMissing: files.missing,
    fileErrors: files.errors,
  };
}

/** Files younger than this are never swept: an import writes a file before its row commits. */
export const SWEEP_MIN_AGE_MS = 3_600_000;

/**
 * The files a deletion left behind when the process stopped between its commit and its unlinks:
 * folders store/<study>/ of studies no longer in the registry, each file older than an hour and
 * registered nowhere (instances, result_objects). A study folder of a study in the registry is
 * never entered. `dryRun` counts them only.
 */
export function sweepDeletedStudyFiles(
  registry: Registry,
  options: { dryRun: boolean; nowMs?: number },
): FileRemoval & { found: number } {
  const nowMs = options.nowMs ?? Date.now();
  const known = new Set(allStudyUids(registry.db).map(uidSegment));
  const registered = storePathChecker(registry.db);
  const orphans: string[] = [];
  const visit = (rel: string[], depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(registry.paths.store, ...rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const next = [...rel, e.name];
      if (e.isDirectory() && depth < 2) visit(next, depth + 1);
      if (!e.isFile() || !e.name.endsWith(".dcm") || depth !== 2) continue;
      const relPath = next.join("/");
      try {
        const age = nowMs - fs.statSync(path.join(registry.paths.store, ...next)).mtimeMs;
        if (age < SWEEP_MIN_AGE_MS) continue;
      } catch {
        continue;
      }
      if (!registered(relPath)) orphans.push(relPath);
    }
  };
  let studyDirs: fs.Dirent[] = [];
  try {
    studyDirs = fs.readdirSync(registry.paths.store, { withFileTypes: true });
  } catch {
    // No store yet.
  }
  for (const d of studyDirs) {
    if (d.isDirectory() && !known.has(d.name)) visit([d.name], 1);
  }
  if (options.dryRun) return { found: orphans.length, removed: 0, missing: 0, errors: [] };
  return { found: orphans.length, ...removeStoreFiles(registry.paths.store, orphans) };
}

export interface RetentionReport {
  retentionDays: number;
  dryRun: boolean;
  /** Studies older than the limit, oldest first, each deleted (or, dry run, to be), kept or failed. */
  studies: (RetentionCandidate & {
    outcome: "deleted" | "would-delete" | "kept" | "failed";
    /** Why it was kept or why its deletion failed. */
    why: string | null;
    deletion: StudyDeletionView | null;
  })[];
  /** Files earlier deletions left behind (a crash after their commit): found, removed. */
  sweep: FileRemoval & { found: number };
}

/**
 * Applies the site's retention limit: every study that arrived more than `retentionDays` ago is
 * deleted (audited, reason "retention") unless registry/deletion.ts' rules keep it. One study's
 * failure is reported and the rest go on. Then the files earlier deletions left are swept.
 */
export function applyRetention(
  registry: Registry,
  options: { actor: string; dryRun: boolean; nowMs?: number },
): RetentionReport {
  const days = readSiteSettings(registry.db).retentionDays;
  const report: RetentionReport = {
    retentionDays: days,
    dryRun: options.dryRun,
    studies: [],
    sweep: { found: 0, removed: 0, missing: 0, errors: [] },
  };
  for (const c of retentionCandidates(registry.db, days, options.nowMs)) {
    if (c.keep !== null) {
      report.studies.push({ ...c, outcome: "kept", why: c.keep, deletion: null });
      continue;
    }
    if (options.dryRun) {
      report.studies.push({ ...c, outcome: "would-delete", why: null, deletion: null });
      continue;
    }
    try {
      const deletion = deleteStudy(registry, {
        studyInstanceUid: c.studyInstanceUid,
        actor: options.actor,
        reason: RETENTION_REASON,
        via: "retention",
      });
      report.studies.push({ ...c, outcome: "deleted", why: null, deletion });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // Busy since the list was made (an analysis queued meanwhile): kept, with why.
      report.studies.push({ ...c, outcome: "failed", why: err.message, deletion: null });
    }
  }
  report.sweep = sweepDeletedStudyFiles(registry, {
    dryRun: options.dryRun,
    ...(options.nowMs !== undefined ? { nowMs: options.nowMs } : {}),
  });
  return report;
}

export interface DeletionContext {
  registry: Registry;
  actor: () => string;
  /** The study is gone: drop it from the worklist index and any decoded volume. */
  changed: (studyInstanceUid: string) => void;
}

/** `context` is read at each call (the service's fields exist only after construction). */
export function deletionHandlers(
  context: () => DeletionContext,
): Pick<Handlers, Extract<Channel, "study:delete">> {
  return {
    "study:delete": async (req) => {
      const ctx = context();
      const view = deleteStudy(ctx.registry, {
        studyInstanceUid: req.studyInstanceUid,
        reason: req.reason,
        actor: ctx.actor(),
        via: "app",
      });
      ctx.changed(req.studyInstanceUid);
      return view;
    },
  };
}
