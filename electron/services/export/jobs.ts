// Exports started from the workstation's Export dialog (issue 15 §4): the request is checked up
// front (absolute output folder, known analyzed studies, a folder that can be created) so the
// dialog gets a clear refusal, then the export runs in the background and the dialog follows its
// per-file progress and errors with `export:status`. Each finished export is audited (format,
// counts, state; never paths or names).
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../contract/errors";
import type { ExportJobView, Request } from "../../contract/ipc";
import { appendAudit, type Registry } from "../../registry";
import { studyRefOf } from "../../registry";
import { ExportCancelledError, ExportError, exportStudies, selectStudies } from "./service";

/** Finished exports still answered by `export:status`. */
const KEEP_FINISHED = 20;
/** Per-file errors kept per job: enough to act on, bounded for a large de-identified export. */
const MAX_FILE_ERRORS = 500;
/** Written files listed per job (the summary shows the first ones). */
const MAX_FILES = 500;

export class ExportJobs {
  private nextId = 1;
  private readonly jobs = new Map<number, ExportJobView>();
  private readonly controllers = new Map<number, AbortController>();

  constructor(
    private readonly registry: Registry,
    private readonly actor: () => string,
  ) {}

  /** Validates the request, then starts the export; answers the job (done 0) at once. */
  start(req: Request<"export:start">): ExportJobView {
    const outDir = req.outDir.trim();
    if (!path.isAbsolute(outDir)) {
      throw new UsageError(
        `The output folder must be an absolute path (for example /home/me/export), not "${outDir}".`,
      );
    }
    if (req.key && req.format !== "deid") {
      throw new UsageError("The pseudonym key is written only with the de-identified export.");
    }
    const uids = req.studyInstanceUids.length > 0 ? [...new Set(req.studyInstanceUids)] : undefined;
    const studies = selectStudies(this.registry, uids);
    try {
      fs.mkdirSync(outDir, { recursive: true });
    } catch (e) {
      throw new ExportError(`Cannot create the output folder ${outDir}: ${(e as Error).message}`);
    }
    const job: ExportJobView = {
      id: this.nextId++,
      format: req.format,
      outDir,
      state: "running",
      done: 0,
      total: 0,
      studies: studies.length,
      written: 0,
      fileErrors: [],
      files: [],
      error: null,
    };
    this.jobs.set(job.id, job);
    this.controllers.set(job.id, new AbortController());
    this.prune();
    setImmediate(() => void this.run(job, uids, req.key === true));
    return snapshot(job);
  }

  status(id: number): ExportJobView {
    const job = this.jobs.get(id);
    if (!job) throw new UsageError(`No export ${id} (finished long ago or never started).`);
    return snapshot(job);
  }

  /**
   * Asks a running export to stop (between files); it ends "cancelled" with the files it wrote
   * removed. A finished export is answered as it is.
   */
  cancel(id: number): ExportJobView {
    const job = this.jobs.get(id);
    if (!job) throw new UsageError(`No export ${id} (finished long ago or never started).`);
    if (job.state === "running") this.controllers.get(id)?.abort();
    return snapshot(job);
  }

  /** Resolves when every running export has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while ([...this.jobs.values()].some((j) => j.state === "running")) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async run(job: ExportJobView, uids: string[] | undefined, key: boolean): Promise<void> {
    try {
      const report = await exportStudies(this.registry, {
        format: job.format,
        out: job.outDir,
        studies: uids,
        writeKey: key,
        signal: this.controllers.get(job.id)?.signal,
        onProgress: (p) => {
          job.done = p.done;
          job.total = p.total;
          if (p.file.outcome === "written") {
            job.written++;
            if (job.files.length < MAX_FILES) job.files.push(p.file.file);
          } else if (job.fileErrors.length < MAX_FILE_ERRORS) {
            job.fileErrors.push({
              file: p.file.file,
              studyInstanceUid: p.file.studyInstanceUid,
              reason: p.file.reason ?? "failed",
            });
          }
        },
      });
      job.studies = report.studies;
      job.total = Math.max(job.total, job.done);
      job.state = "done";
    } catch (e) {
      job.state = e instanceof ExportCancelledError ? "cancelled" : "failed";
      job.error = (e as Error).message;
    }
    this.controllers.delete(job.id);
    this.audit(job, uids, key);
  }

  private audit(job: ExportJobView, uids: string[] | undefined, key: boolean): void {
    try {
      const single = uids?.length === 1 ? studyRefOf(this.registry.db, uids[0]!) : null;
      appendAudit(this.registry.db, {
        actor: this.actor(),
        action: "export",
        studyRef: single,
        details: {
          job: job.id,
          format: job.format,
          state: job.state,
          studies: job.studies,
          selection: uids ? "selected" : "all-analyzed",
          written: job.written,
          errors: job.done - job.written,
          key,
        },
      });
    } catch {
      // The export itself happened; a failed audit write must not turn it into an error.
    }
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state !== "running");
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      this.jobs.delete(j.id);
    }
  }
}

function snapshot(job: ExportJobView): ExportJobView {
  return { ...job, fileErrors: [...job.fileErrors], files: [...job.files] };
}
