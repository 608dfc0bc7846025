// `livercad import` (and `livercad analyze <dir>`) as a `jobs` row of kind 'import' (issue 13 §5,
// §7), like the app's imports (registry/import-jobs.ts): a deletion or a retention run waits for
// it while it holds its lease (renewed every HEARTBEAT_MS), the app's import panel lists it with
// its summary, and a CLI killed mid-way is ended "failed" with why by the next process that looks
// (its lease lapses after LEASE_MS). The console report is unchanged.
import path from "node:path";
import { errorMessage } from "../../contract/errors";
import {
  createImportJob,
  endAbandonedImports,
  finishImportJob,
  HEARTBEAT_MS,
  newJobOwner,
  renewImportLeases,
  saveImportProgress,
  type Db,
} from "../../registry";
import type { ImportProgress, ImportReport } from "../import";
import { importSummary } from "./import-truth";

/** As the app's queue keeps them (services/workstation/imports.ts). */
const MAX_FILE_ERRORS = 200;
/** The row's progress is written at most once a second (the console bar redraws more often). */
const PROGRESS_EVERY_MS = 1000;

/**
 * Runs `run` (the import) under a jobs row: queued -> running -> done | failed, with the summary,
 * the rejected files and the studies it touched. The row's id is passed on; a thrown error ends
 * the row "failed" with its message and is thrown again.
 */
export async function asImportJob(
  db: Db,
  inputs: string[],
  run: (onProgress: (p: ImportProgress) => void, jobId: number) => Promise<ImportReport>,
): Promise<ImportReport> {
  const owner = newJobOwner();
  // A CLI or app that died during an import is ended first, as the app does at start.
  endAbandonedImports(db);
  const paths = inputs.map((p) => path.resolve(p));
  const label = paths.length === 1 ? paths[0]! : `${paths.length} items`;
  const id = createImportJob(db, { paths, label }, owner);
  saveImportProgress(db, id, owner, { state: "running", stage: "reading files", progress: 0 });
  const beat = setInterval(() => {
    try {
      renewImportLeases(db, owner);
    } catch {
      // A busy database misses one beat; the lease (60 s) outlasts several.
    }
  }, HEARTBEAT_MS);
  beat.unref();
  let lastStored = 0;
  const onProgress = (p: ImportProgress): void => {
    const now = Date.now();
    if (now - lastStored < PROGRESS_EVERY_MS) return;
    lastStored = now;
    try {
      saveImportProgress(db, id, owner, {
        state: "running",
        stage: `${p.done} / ${p.total} files`,
        progress: p.total > 0 ? p.done / p.total : 0,
      });
    } catch {
      // The import goes on; the next write or the end records it.
    }
  };
  try {
    const report = await run(onProgress, id);
    const { summary, failure } = importSummary(paths, report);
    finishImportJob(db, id, {
      state: failure === null ? "done" : "failed",
      error: failure,
      summary,
      fileErrors: report.files
        .filter((f) => f.outcome === "rejected")
        .slice(0, MAX_FILE_ERRORS)
        .map((f) => ({ path: f.path, reason: f.reason ?? "rejected" })),
      studyInstanceUids: report.studies.map((s) => s.studyInstanceUid),
    });
    return report;
  } catch (err) {
    finishImportJob(db, id, {
      state: "failed",
      error: errorMessage(err),
      summary: null,
      fileErrors: [],
      studyInstanceUids: [],
    });
    throw err;
  } finally {
    clearInterval(beat);
  }
}
