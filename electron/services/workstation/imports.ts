// Import jobs started from the workstation (folder picker, drag-and-drop): one at a time, in the
// order asked, each reporting progress per file and keeping every per-file error so the nurse can
// see which file failed and why. The import itself is the import service's (issue 3); this queue
// only schedules it, relays progress and carries the cancel request. Where the jobs are kept is
// the store's business: the registry's jobs table in the app (import-store.ts, issue 13 §5: they
// survive a reload and a restart), memory in unit tests.
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

/** Where import jobs are kept between the queue's notifications. */
export interface ImportJobStore {
  /** A new queued job; returns its id. */
  create(paths: string[], label: string): number;
  /** A running job's stage and progress (throttled by the queue). */
  progress(job: JobView): void;
  /** The job's end, with the studies it touched. */
  finish(job: JobView, studyInstanceUids: string[]): void;
  /** Past and present jobs to list (oldest first); empty for a store that keeps nothing. */
  recent(): JobView[];
  /** One job of this store by id, or null (not an import job). */
  get(id: number): JobView | null;
  /** Renews this queue's hold on its unfinished jobs (a lease, for the registry store). */
  heartbeat(): void;
}

/** Jobs kept in memory only, with negative ids (unit tests, a queue without a registry). */
export function memoryImportStore(): ImportJobStore {
  let next = 1;
  return {
    create: () => -next++,
    progress: () => undefined,
    finish: () => undefined,
    recent: () => [],
    get: () => null,
    heartbeat: () => undefined,
  };
}

/** How often a queue with unfinished jobs renews its hold on them (registry/jobs.ts lease). */
const HEARTBEAT_MS = 10_000;

export class ImportQueue {
  private readonly jobs: Running[] = [];
  private active: Running | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly importer: Importer,
    /** Every change of a job, with the paths it imports. */
    private readonly notify: (job: JobView, paths: string[]) => void,
    private readonly store: ImportJobStore = memoryImportStore(),
  ) {}

  start(paths: string[]): JobView {
    const label = paths.length === 1 ? paths[0]! : `${paths.length} items`;
    const id = this.store.create(paths, label);
    const job: JobView = {
      id,
      kind: "import",
      state: "queued",
      stage: null,
      progress: 0,
      studyInstanceUid: null,
      label,
      error: null,
      fileErrors: [],
      createdAt: new Date().toISOString(),
      finishedAt: null,
    };
    this.jobs.push({ job, paths, controller: new AbortController() });
    this.beat();
    while (this.jobs.length > KEEP_FINISHED && this.jobs[0]!.job.state !== "queued") {
      if (this.jobs[0] === this.active) break;
      this.jobs.shift();
    }
    this.notify({ ...job }, paths);
    void this.pump();
    return { ...job };
  }

  /** The store's jobs (past imports, after a restart too) with this queue's live state on top. */
  list(): JobView[] {
    const live = new Map(
      this.jobs.map((r) => [r.job.id, { ...r.job, fileErrors: [...r.job.fileErrors] }]),
    );
    const out = this.store.recent().map((j) => live.get(j.id) ?? j);
    const listed = new Set(out.map((j) => j.id));
    for (const [id, j] of live) if (!listed.has(id)) out.push(j);
    return out.sort((a, b) => Math.abs(a.id) - Math.abs(b.id));
  }

  /** Cancels an import job of this queue; a past one is returned as it is; null: not an import. */
  cancel(id: number): JobView | null {
    const r = this.jobs.find((j) => j.job.id === id);
    if (!r) return this.store.get(id);
    if (r.job.state === "queued") {
      r.job.state = "cancelled";
      r.job.finishedAt = new Date().toISOString();
      this.store.finish(r.job, []);
      this.notify({ ...r.job }, r.paths);
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
    this.store.progress(job);
    this.notify({ ...job }, next.paths);
    let lastSent = 0;
    let lastStored = 0;
    let studies: string[] = [];
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
            if (now - lastStored > 1000) {
              lastStored = now;
              this.store.progress(job);
            }
            lastSent = now;
            this.notify({ ...job, fileErrors: [...job.fileErrors] }, next.paths);
          }
        },
      });
      job.state = next.controller.signal.aborted ? "cancelled" : "done";
      job.progress = 1;
      job.studyInstanceUid = result.studyInstanceUids[0] ?? null;
      studies = result.studyInstanceUids;
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
    job.finishedAt = new Date().toISOString();
    try {
      this.store.finish(job, studies);
    } catch (err) {
      // The import happened; a failed write of its record is said on the job, not thrown.
      job.error = `${job.error ?? ""} (its record could not be saved: ${errorMessage(err)})`.trim();
    }
    this.active = null;
    this.notify({ ...job, fileErrors: [...job.fileErrors] }, next.paths);
    void this.pump();
  }

  /** Keeps the store's hold on unfinished jobs while there are any (a crash lets it lapse). */
  private beat(): void {
    if (this.heartbeat !== null) return;
    this.heartbeat = setInterval(() => {
      const unfinished = this.jobs.some(
        (j) => j.job.state === "queued" || j.job.state === "running",
      );
      if (!unfinished) {
        clearInterval(this.heartbeat!);
        this.heartbeat = null;
        return;
      }
      try {
        this.store.heartbeat();
      } catch {
        // A busy database misses one beat; the lease (60 s) outlasts several.
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }
}
