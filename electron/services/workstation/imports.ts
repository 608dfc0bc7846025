// Import jobs started from the workstation (folder picker, drag-and-drop): one at a time, in the
// order asked, each reporting progress per file and keeping every per-file error so the nurse can
// see which file failed and why. The import itself is the import service's (issue 3); this queue
// only schedules it, relays progress and carries the cancel request.
import type { ImportJobSummary, JobView } from "../../contract/ipc";
import { errorMessage } from "../../contract/errors";

export interface ImportProgress {
  done: number;
  total: number;
  /** Set when the file just processed was rejected or failed. */
  failure?: { path: string; reason: string };
}

/** Runs one import; resolves with the UIDs of the studies it touched. */
export type Importer = (
  paths: string[],
  hooks: { onProgress(p: ImportProgress): void; signal: AbortSignal },
) => Promise<{
  studyInstanceUids: string[];
  fileErrors: { path: string; reason: string }[];
  /** Counts of the finished import; `failure` when it added nothing (issue 13 §5). */
  summary?: ImportJobSummary;
  failure?: string | null;
}>;

/** Per-file errors kept per job: enough for a nurse to act on, bounded for a bad CD. */
const MAX_FILE_ERRORS = 200;
/** Finished jobs still listed, so the import panel shows what just happened. */
const KEEP_FINISHED = 20;

interface Running {
  job: JobView;
  paths: string[];
  controller: AbortController;
}

export class ImportQueue {
  private nextId = 1;
  private readonly jobs: Running[] = [];
  private active: Running | null = null;

  constructor(
    private readonly importer: Importer,
    private readonly notify: (job: JobView) => void,
  ) {}

  start(paths: string[]): JobView {
    const label = paths.length === 1 ? paths[0]! : `${paths.length} items`;
    const job: JobView = {
      // Negative ids keep in-memory import jobs apart from the registry's analysis job ids.
      id: -this.nextId++,
      kind: "import",
      state: "queued",
      stage: null,
      progress: 0,
      studyInstanceUid: null,
      label,
      error: null,
      fileErrors: [],
    };
    this.jobs.push({ job, paths, controller: new AbortController() });
    while (this.jobs.length > KEEP_FINISHED && this.jobs[0]!.job.state !== "queued") {
      if (this.jobs[0] === this.active) break;
      this.jobs.shift();
    }
    this.notify({ ...job });
    void this.pump();
    return { ...job };
  }

  list(): JobView[] {
    return this.jobs.map((r) => ({ ...r.job, fileErrors: [...r.job.fileErrors] }));
  }

  cancel(id: number): JobView | null {
    const r = this.jobs.find((j) => j.job.id === id);
    if (!r) return null;
    if (r.job.state === "queued") {
      r.job.state = "cancelled";
      this.notify({ ...r.job });
    } else if (r.job.state === "running") {
      r.controller.abort();
    }
    return { ...r.job };
  }

  /** Resolves when no job is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.active !== null || this.jobs.some((j) => j.job.state === "queued")) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async pump(): Promise<void> {
    if (this.active !== null) return;
    const next = this.jobs.find((j) => j.job.state === "queued");
    if (!next) return;
    this.active = next;
    const job = next.job;
    job.state = "running";
    job.stage = "reading files";
    this.notify({ ...job });
    let lastSent = 0;
    try {
      const result = await this.importer(next.paths, {
        signal: next.controller.signal,
        onProgress: (p) => {
          job.progress = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
          job.stage = `${p.done} / ${p.total} files`;
          if (p.failure && job.fileErrors.length < MAX_FILE_ERRORS) job.fileErrors.push(p.failure);
          // At most ~10 progress events a second: the renderer redraws a bar, not a log.
          const now = Date.now();
          if (p.failure || now - lastSent > 100 || p.done === p.total) {
            lastSent = now;
            this.notify({ ...job, fileErrors: [...job.fileErrors] });
          }
        },
      });
      job.state = next.controller.signal.aborted ? "cancelled" : "done";
      job.progress = 1;
      job.studyInstanceUid = result.studyInstanceUids[0] ?? null;
      // The import's report names every rejected file with its reason; it replaces the running list.
      job.fileErrors = result.fileErrors.slice(0, MAX_FILE_ERRORS);
      job.summary = result.summary ?? null;
      if (job.state === "done" && result.failure) {
        job.state = "failed";
        job.error = result.failure;
      }
    } catch (err) {
      job.state = next.controller.signal.aborted ? "cancelled" : "failed";
      job.error = errorMessage(err);
    }
    job.stage = null;
    this.active = null;
    this.notify({ ...job, fileErrors: [...job.fileErrors] });
    void this.pump();
  }
}
