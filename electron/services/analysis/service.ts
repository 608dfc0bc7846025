// The analysis service: runs queued 'analyze' jobs through the CAD pipeline one at a time and
// stores each result with its provenance (issue 4 §3). The CLI (`livercad analyze`) and the app's
// analysis queue both drive it; see README "Analysis service" for the event API.
import { performance } from "node:perf_hooks";
import {
  LESION_CLASSES,
  SEQUENCES,
  type LesionClass,
  type SequenceId,
} from "../../contract/domain";
import { AppError, errorMessage } from "../../contract/errors";
import type { VolumeGeometry } from "../../contract/volume";
import type { ModelProvenance } from "../../inference/open-models";
import { resolvePipelineConfig, type PipelineConfig } from "../../pipeline/config";
import { detectorGrid } from "../../pipeline/prepare";
import { runPipeline, STAGES, type PipelineModels, type PipelineResult } from "../../pipeline/run";
import { isWorkerStopped } from "../../inference/engine";
import {
  claimNext,
  addAttempt,
  enqueueStudies,
  finishJob,
  HEARTBEAT_MS,
  holdsJob,
  interruptedTooOften,
  jobAttempts,
  MAX_ATTEMPTS,
  newJobOwner,
  readSiteSettings,
  recordProgress,
  renewLease,
  requestCancel,
  requeueInterruptedJobs,
  retryOrFail,
  saveAnalysis,
  saveQuality,
  unanalyzedStudies,
  type AnalysisToSave,
  type ClaimedJob,
  type Registry,
} from "../../registry";
import { mapBox } from "../training-export/targets";
import { studySeries, type StudySeries } from "./load";
import { loadStudyVolumesGated, QualityRefusedError } from "./quality-gate";
import type { IncompletePolicy, QualityFlag } from "../../contract/quality";
import type {
  AnalysisEvent,
  AnalysisListener,
  AnalysisStage,
  JobState,
  ModelRecord,
  RoiRecord,
} from "./types";

export interface OpenedModels {
  models: PipelineModels;
  provenance: ModelProvenance[];
  /** The detector input size the manifests fix, used unless the config overrides it. */
  detectorSize?: number | undefined;
}

export interface AnalysisServiceOptions {
  registry: Registry;
  /** Opens the six models; called once, at the first job. */
  openModels: () => Promise<OpenedModels>;
  /**
   * Overrides of the pipeline defaults; cropSize defaults to the classifier's and detectorSize to
   * the detectors' declared input size.
   */
  config?: Partial<PipelineConfig>;
  /** The image-quality gate's policy for incomplete series; default: the site setting. */
  incompletePolicy?: () => IncompletePolicy;
}

export interface QueueSummary {
  done: number;
  failed: number;
  cancelled: number;
}

const JOB_STAGES: readonly AnalysisStage[] = ["load", ...STAGES, "save"];

class JobCancelled extends AppError {
  constructor() {
    super("CANCELLED", "The analysis was cancelled.");
  }
}

/** This owner's lease lapsed and another process re-queued or took the job: stop, save nothing. */
class JobLost extends AppError {
  constructor() {
    super("JOB_LOST", "The job's lease expired and another process took it over.");
  }
}

type RunOutcome = "done" | "failed" | "cancelled" | "retry" | "lost";

export class AnalysisService {
  private readonly listeners = new Set<AnalysisListener>();
  private opened: Promise<{ opened: OpenedModels; config: PipelineConfig }> | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  /** Jobs found 'running' at construction with an expired lease, put back in the queue. */
  readonly requeued: number;
  /** This service's owner id on the jobs it claims (registry/jobs.ts). */
  readonly owner = newJobOwner();

  constructor(private readonly options: AnalysisServiceOptions) {
    this.requeued = requeueInterruptedJobs(options.registry.db);
  }

  /** Subscribes to job events; returns the unsubscribe function. */
  on(listener: AnalysisListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues the studies (those already queued or running are left alone); returns new job ids. */
  enqueue(studyInstanceUids: string[]): number[] {
    const added = enqueueStudies(this.options.registry.db, studyInstanceUids);
    for (const [studyInstanceUid, jobId] of added) {
      this.emit({ type: "queued", jobId, studyInstanceUid });
    }
    return added.map(([, id]) => id);
  }

  /** Queues every study that was never analyzed (or was incomplete and is complete now). */
  enqueueUnanalyzed(): number[] {
    return this.enqueue(unanalyzedStudies(this.options.registry.db));
  }

  /** Cancels a queued job now, a running one at its next stage boundary. */
  cancel(jobId: number): JobState | null {
    return requestCancel(this.options.registry.db, jobId);
  }

  /** The models and the resolved config of this service's runs (opens the models once). */
  async prepared(): Promise<{ opened: OpenedModels; config: PipelineConfig }> {
    this.opened ??= this.options.openModels().then((opened) => ({
      opened,
      config: resolvePipelineConfig({
        cropSize: opened.models.classifier.cropSize,
        ...(opened.detectorSize === undefined ? {} : { detectorSize: opened.detectorSize }),
        ...this.options.config,
      }),
    }));
    try {
      return await this.opened;
    } catch (err) {
      this.opened = null;
      throw err;
    }
  }

  /** Runs queued jobs until the queue is empty. Model errors throw before any job is claimed. */
  async processQueue(): Promise<QueueSummary> {
    const { opened, config } = await this.prepared();
    const summary: QueueSummary = { done: 0, failed: 0, cancelled: 0 };
    for (;;) {
      if (this.stopping) break;
      const job = claimNext(this.options.registry.db, this.owner);
      if (!job) break;
      const state = await this.runJob(job, opened, config);
      // A retried job comes back through claimNext; a lost one is another owner's now.
      if (state === "done" || state === "failed" || state === "cancelled") summary[state] += 1;
    }
    return summary;
  }

  /** Background mode for the app: drains the queue, then polls it every `pollMs`. */
  start(pollMs = 1000, onError: (err: unknown) => void = () => {}): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.processQueue();
        } catch (err) {
          onError(err);
        }
        if (!this.stopping) await new Promise((r) => setTimeout(r, pollMs));
      }
    })();
  }

  /** Stops the background loop after the current job. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    this.loop = null;
  }

  private emit(event: AnalysisEvent): void {
    for (const l of this.listeners) l(event);
  }

  private async runJob(
    job: ClaimedJob,
    opened: OpenedModels,
    config: PipelineConfig,
  ): Promise<RunOutcome> {
    const heartbeat = setInterval(() => {
      if (!renewLease(this.options.registry.db, job.jobId, this.owner)) clearInterval(heartbeat);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      return await this.attempt(job, opened, config);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async attempt(
    job: ClaimedJob,
    opened: OpenedModels,
    config: PipelineConfig,
  ): Promise<RunOutcome> {
    const db = this.options.registry.db;
    const { jobId, studyInstanceUid } = job;
    const owner = this.owner;
    this.emit({ type: "started", jobId, studyInstanceUid });
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    const timingsMs: Record<string, number> = {};
    const step = (stage: AnalysisStage, ms: number): void => {
      timingsMs[stage] = ms;
      const progress = (JOB_STAGES.indexOf(stage) + 1) / JOB_STAGES.length;
      if (!renewLease(db, jobId, owner)) throw new JobLost();
      const cancelled = recordProgress(db, jobId, stage, progress);
      this.emit({ type: "progress", jobId, studyInstanceUid, stage, progress, ms });
      if (cancelled) throw new JobCancelled();
    };
    let series: StudySeries | null = null;
    let quality: QualityFlag | null = null;
    const base = (): Omit<AnalysisToSave, "status" | "error"> => ({
      studyRef: job.studyRef,
      jobId,
      prediction: null,
      probabilities: null,
      confidence: null,
      uncertainty: null,
      scores: null,
      assessment: null,
      classVariances: null,
      samples: null,
      sequences: series?.sequences ?? emptySequences(),
      models: modelRecords(opened.provenance),
      provider: providerOf(opened.provenance),
      parameters: config,
      timingsMs,
      startedAt,
      finishedAt: new Date().toISOString(),
      rois: [],
    });
    const finish = (
      state: "done" | "failed" | "cancelled",
      record: AnalysisToSave | null,
      countAttempt = false,
    ): RunOutcome => {
      const t = performance.now();
      // The result and the job's end in one transaction (issue 12 §3): a kill between them can
      // neither save an analysis for a job that stays running nor finish a job without its result.
      // Only the lease holder writes: a job taken over meanwhile is left to its new owner.
      const saved = db
        .transaction((): { analysisId: number | null } | null => {
          if (!holdsJob(db, jobId, owner)) return null;
          const analysisId = record ? saveAnalysis(db, record) : null;
          if (analysisId !== null && quality !== null) saveQuality(db, analysisId, quality);
          finishJob(db, jobId, state, record?.error ?? null);
          if (countAttempt) {
            addAttempt(db, jobId);
          }
          return { analysisId };
        })
        .immediate();
      if (saved === null) return "lost";
      const { analysisId } = saved;
      if (record) {
        // Saved: the job's last stage, reported before it is marked finished.
        this.emit({
          type: "progress",
          jobId,
          studyInstanceUid,
          stage: "save",
          progress: 1,
          ms: performance.now() - t,
        });
      }
      this.emit({
        type: "finished",
        jobId,
        studyInstanceUid,
        state,
        status: record?.status ?? null,
        analysisId,
        error: record?.error ?? null,
      });
      return state;
    };

    try {
      series = studySeries(this.options.registry, studyInstanceUid);
      if (series.missing.length > 0) {
        return finish("done", {
          ...base(),
          status: "incomplete",
          error: `missing ${series.missing.join(", ")}`,
        });
      }
      let t = performance.now();
      const policy = this.options.incompletePolicy?.() ?? readSiteSettings(db).incompleteSeries;
      const gated = await loadStudyVolumesGated(this.options.registry, series, policy);
      quality = gated.flag;
      const loaded = gated.loaded;
      step("load", performance.now() - t);
      const volumes = Object.fromEntries(SEQUENCES.map((q) => [q, loaded[q].volume])) as {
        [K in SequenceId]: (typeof loaded)[K]["volume"];
      };
      const result = await runPipeline(volumes, opened.models, config, {
        now: () => performance.now(),
        onStage: (stage, ms) => step(stage, ms),
      });
      t = performance.now();
      const refGeometry = volumes[config.referenceSequence].geometry;
      const record = resultRecord(
        result,
        base(),
        series,
        refGeometry,
        config,
        opened.models.classifier.classes,
      );
      timingsMs.total = t - t0;
      return finish("done", record);
    } catch (err) {
      if (err instanceof JobCancelled) return finish("cancelled", null);
      if (err instanceof JobLost) return "lost";
      if (isWorkerStopped(err)) {
        // A crashed or hung inference worker: the engine starts a new one at the next call. The
        // job is tried again up to MAX_ATTEMPTS interruptions, so a study that crashes the worker
        // every time ends with a clear error instead of a loop.
        const attempts = jobAttempts(db, jobId) + 1;
        if (attempts < MAX_ATTEMPTS) {
          const r = retryOrFail(db, jobId, owner, errorMessage(err));
          if (r === "queued") this.emit({ type: "queued", jobId, studyInstanceUid });
          return r === "queued" ? "retry" : r === "lost" ? "lost" : "failed";
        }
        const error = interruptedTooOften(attempts, errorMessage(err));
        return finish("failed", { ...base(), status: "error", error }, true);
      }
      if (err instanceof QualityRefusedError) {
        // The gate decided: the job is done, the study goes to a person with the reason.
        quality = err.flag;
        return finish("done", { ...base(), status: "error", error: err.message });
      }
      return finish("failed", { ...base(), status: "error", error: errorMessage(err) });
    }
  }
}

function resultRecord(
  result: PipelineResult,
  base: Omit<AnalysisToSave, "status" | "error">,
  series: StudySeries,
  native: VolumeGeometry,
  config: PipelineConfig,
  classes: readonly string[],
): AnalysisToSave {
  const grid = detectorGrid(native, config.detectorSize, config.detectorSpacingMm);
  const refUid = series.sequences[config.referenceSequence]!;
  const rois = result.rois.map((r): RoiRecord => {
    const box = mapBox(grid, native, r.sliceIndex, [
      r.cx - r.w / 2,
      r.cy - r.h / 2,
      r.cx + r.w / 2,
      r.cy + r.h / 2,
    ]);
    // classVariances are in the model's class order (its manifest), re-keyed by class name.
    const classVariances = {} as Record<LesionClass, number>;
    for (const c of LESION_CLASSES) {
      classVariances[c] = r.classification.classVariances[classes.indexOf(c)] ?? 0;
    }
    return {
      seriesInstanceUid: refUid,
      sequence: config.referenceSequence,
      sliceIndex: r.sliceIndex,
      box_px: box.map(round3) as [number, number, number, number],
      center_mm: r.centerMm.map(round3) as [number, number, number],
      score: r.score,
      probabilities: r.probabilities,
      rank: r.rank,
      mc: {
        variance: r.classification.variance,
        samples: r.classification.samples,
        classVariances,
      },
      ...(r.classification.rejectProbability !== undefined
        ? {
            reject: {
              probability: r.classification.rejectProbability,
              rejected: r.rejected === true,
            },
          }
        : {}),
    };
  });
  const o = result.outcome;
  if (o.status === "no-roi") return { ...base, status: "no-roi", error: null, rois };
  // Over the ROIs the study's mean is over (aggregate): not those a rejection output left out.
  const counted = rois.filter((r) => r.reject?.rejected !== true);
  const classVariances = {} as Record<LesionClass, number>;
  for (const c of LESION_CLASSES) {
    classVariances[c] = counted.reduce((s, r) => s + r.mc.classVariances[c], 0) / counted.length;
  }
  return {
    ...base,
    status: "analyzed",
    error: null,
    prediction: o.prediction,
    probabilities: o.probabilities,
    confidence: o.confidence,
    uncertainty: o.uncertainty,
    scores: o.scores,
    assessment: o.assessment,
    classVariances,
    samples: config.mcSamples,
    rois,
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function emptySequences(): Record<SequenceId, string | null> {
  return Object.fromEntries(SEQUENCES.map((s) => [s, null])) as Record<SequenceId, string | null>;
}

export function modelRecords(provenance: ModelProvenance[]): ModelRecord[] {
  return provenance.map((p) => ({
    id: p.id,
    version: p.version,
    task: p.task,
    ...(p.sequence ? { sequence: p.sequence } : {}),
    sha256: p.files[0]?.sha256 ?? "",
    files: p.files.map((f) => ({ role: f.role, path: f.path, sha256: f.sha256 })),
    provider: p.provider,
  }));
}

export function providerOf(provenance: ModelProvenance[]): string {
  return [...new Set(provenance.map((p) => p.provider))].join("+") || "none";
}
