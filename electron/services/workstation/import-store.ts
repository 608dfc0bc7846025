// The import queue's jobs in the registry (issue 13 §5): each import the workstation starts is a
// `jobs` row of kind 'import' owned by this process (registry/import-jobs.ts), so the import panel
// lists past imports with their summaries after a reload or a restart, and an import whose process
// died is ended with why at the next start instead of staying "reading files".
import type { JobView } from "../../contract/ipc";
import type { Db } from "../../registry";
import {
  createImportJob,
  endAbandonedImports,
  finishImportJob,
  importJob,
  recentImportJobs,
  renewImportLeases,
  saveImportProgress,
} from "../../registry";
import { newJobOwner } from "../../registry";
import type { ImportJobStore } from "./imports";

/** Past imports the panel lists. */
const LISTED = 20;

export function registryImportStore(db: Db, owner = newJobOwner()): ImportJobStore {
  // Imports a previous run (or a killed process) left unfinished end now, with the reason.
  endAbandonedImports(db);
  return {
    create: (paths, label) => createImportJob(db, { paths, label }, owner),
    progress: (job: JobView) =>
      saveImportProgress(db, job.id, owner, {
        state: "running",
        stage: job.stage,
        progress: job.progress,
      }),
    finish: (job, studyInstanceUids) =>
      finishImportJob(db, job.id, {
        state: job.state === "done" || job.state === "cancelled" ? job.state : "failed",
        error: job.error,
        summary: job.summary ?? null,
        fileErrors: job.fileErrors,
        studyInstanceUids,
      }),
    recent: () => {
      // Another process's import that died meanwhile is ended before it is listed.
      endAbandonedImports(db);
      return recentImportJobs(db, LISTED);
    },
    get: (id) => importJob(db, id),
    heartbeat: () => void renewImportLeases(db, owner),
  };
}
