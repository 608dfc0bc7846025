// The workstation service: what every channel of the IPC contract does. It runs under plain Node
// (the Electron main process, the loopback bridge, the tests and bench:ui share it) and receives
// requests already validated by dispatch.ts.
import fs from "node:fs";
import path from "node:path";
import { SEQUENCES } from "../../contract/domain";
import type {
  AppInfo,
  AssignmentView,
  Channel,
  EchoView,
  JobView,
  NetworkStatusView,
  QuerySeriesView,
  QueryStudyView,
  Request,
  Response,
  RetrievalView,
  ServiceEvent,
  Settings,
  StudyDetail,
} from "../../contract/ipc";
import { auditForStudy, getStudy, overrideAssignment, type Registry } from "../../registry/index";
import {
  analyzeJobs,
  dataVersion,
  latestAnalysis,
  latestReview,
  saveReview,
  seriesOptions,
  studyRefOf,
  worklistIndexRows,
} from "../../registry";
import { UsageError } from "../../contract/errors";
import type { AnalysisEvent, AnalysisService } from "../analysis/index";
import { evaluationHandlers } from "../evaluation/handlers";
import { ImportQueue, type Importer } from "./imports";
import { registryImportStore } from "./import-store";
import { VolumeCache, type VolumeLoader } from "./volumes";
import { WorklistIndex } from "./worklist";
import { studyIdentity } from "../../registry";
import { latestQualityFlags } from "../../registry";
import { siteHandlers } from "../site/handlers";
import { auditHandlers } from "../site/audit-handlers";
import { checkOverride } from "../site/override";
import { checkImportPaths } from "../site/import-truth";
import { verbosePaths, withoutPaths } from "../site/path-privacy";
import {
  auditAnalysisRequest,
  auditAnalysisResults,
  auditImport,
  auditStudyOpen,
  auditThreshold,
} from "../site/audit-events";
import { staleSequences, unusableSeries } from "../../registry";
import { defaultModelsRoot } from "../analysis/models";
import { ExportJobs } from "../export/jobs";
import { resultHandlers } from "../export/result-handlers";
import { setReviewFlag } from "../../registry";
import { readSiteSettings } from "../../registry";
import { triageClock, type TriageClock } from "./triage";
import { UserAccess } from "../users/access";
import { guardHandlers } from "../users/guard";
import { userHandlers } from "../users/handlers";
import { deletionHandlers } from "../site/deletion";

export interface ServiceOptions {
  actor: string;
  version: string;
  transport: AppInfo["transport"];
  loadVolume: VolumeLoader;
  importer: Importer;
  /** The CAD's job queue (issue 4 §3); its runs happen in the inference worker. */
  analysis: AnalysisService;
  /** The models folder (About shows each card's intended use) and the --db file, if any. */
  modelsRoot?: string;
  dbFile?: string | undefined;
  /** The DICOM node (issue 14): status and echo for the Network panel. */
  network?: {
    status(): Promise<NetworkStatusView>;
    echo(name: string): Promise<EchoView>;
    query(
      req: Request<"network:query">,
    ): Promise<{ matches: QueryStudyView[]; series?: QuerySeriesView[] }>;
    retrieve(req: Request<"network:retrieve">): Promise<RetrievalView[]>;
    /** Cancels a queued or running retrieval (C-CANCEL). */
    cancelRetrieval(id: number): Promise<RetrievalView>;
    /** The Network settings editor: network.json written, listener restarted, audited. */
    saveSettings(req: Request<"network:save-settings">, actor: string): Promise<NetworkStatusView>;
  };
}

export type Handlers = { [C in Channel]: (req: Request<C>) => Promise<Response<C>> };

const DEFAULT_SETTINGS: Settings = { topPercent: 70 };

export class WorkstationService {
  private index: WorklistIndex | null = null;
  private indexVersion = -1;
  private readonly volumes: VolumeCache;
  private readonly listeners = new Set<(e: ServiceEvent) => void>();
  private readonly imports: ImportQueue;
  /** Exports started from the Export dialog (issue 15 §4). */
  readonly exports: ExportJobs;
  /** Who is signed in and what they may do (issue 13 §6). */
  readonly access: UserAccess;

  constructor(
    private readonly registry: Registry,
    private readonly options: ServiceOptions,
  ) {
    // The OS user is the default identity; a signed-in account replaces it in every audit entry:
    // `this.options.actor` is read at each use and answers the session's actor (issue 13 §6).
    this.access = new UserAccess(() => registry.db, options.actor);
    const access = this.access;
    this.options = Object.create(options, {
      actor: { get: () => access.actor(), enumerable: true },
    }) as ServiceOptions;
    // Every channel is checked against the session before its handler runs (users/guard.ts).
    this.handlers = guardHandlers(this.handlers, access);
    this.volumes = new VolumeCache(options.loadVolume);
    this.exports = new ExportJobs(registry, () => this.options.actor);
    this.imports = new ImportQueue(
      options.importer,
      (job, inputs) => this.onImportJob(job, inputs),
      registryImportStore(registry.db),
    );
    options.analysis.on((e) => this.onAnalysisEvent(e));
    auditAnalysisResults(registry.db, () => this.options.actor, options.analysis);
  }

  private analysisLoop: Promise<unknown> | null = null;
  private readonly analysisJobs = new Map<number, JobView>();

  /** Runs the analysis queue in the background until it is empty. */
  private runAnalyses(): void {
    this.analysisLoop ??= this.options.analysis
      .processQueue()
      .catch(() => undefined)
      .finally(() => {
        this.analysisLoop = null;
      });
  }

  /**
   * Studies whose DICOM arrival window closed (services/network): the worklist shows them, and
   * those with all five sequences are queued and run like an "Analyze" click.
   */
  networkArrived(studyInstanceUids: string[], analyze: string[]): void {
    if (analyze.length > 0) {
      this.options.analysis.enqueue(analyze);
      this.runAnalyses();
    }
    this.invalidate(studyInstanceUids);
  }

  private network(): NonNullable<ServiceOptions["network"]> {
    if (!this.options.network) throw new UsageError("The DICOM network is not available here.");
    return this.options.network;
  }

  private onAnalysisEvent(e: AnalysisEvent): void {
    const job: JobView = this.analysisJobs.get(e.jobId) ?? {
      id: e.jobId,
      kind: "analyze",
      state: "queued",
      stage: null,
      progress: 0,
      studyInstanceUid: e.studyInstanceUid,
      label: `Study …${e.studyInstanceUid.slice(-8)}`,
      error: null,
      fileErrors: [],
    };
    switch (e.type) {
      case "queued":
        break;
      case "started":
        job.state = "running";
        break;
      case "progress":
        job.stage = e.stage;
        job.progress = e.progress;
        break;
      case "finished":
        job.state = e.state;
        job.stage = e.status;
        job.progress = 1;
        job.error = e.error;
        break;
    }
    this.analysisJobs.set(e.jobId, job);
    this.emit({ type: "job", job: { ...job } });
    if (e.type === "finished" || e.type === "started") this.invalidate([e.studyInstanceUid]);
  }

  onEvent(listener: (e: ServiceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ServiceEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** `inputs`: counted in the job's audit entry, hidden from its events (issue 12 §4). */
  private onImportJob(job: JobView, inputs: string[]): void {
    this.emit({ type: "job", job: verbosePaths() ? job : withoutPaths(job, inputs) });
    if (job.state === "done" || job.state === "failed" || job.state === "cancelled") {
      auditImport(this.registry.db, this.options.actor, job, inputs.length);
    }
    if (job.state !== "running") {
      this.volumes.clear();
      this.invalidate(null);
    }
  }

  /**
   * After a change: the named studies are re-read into the worklist index (a review or an
   * override touches one row, and rebuilding 100k rows would take seconds); null drops the index.
   */
  invalidate(studyInstanceUids: string[] | null): void {
    if (studyInstanceUids === null || this.index === null) this.index = null;
    else this.index.replace(worklistIndexRows(this.registry.db, studyInstanceUids));
    this.emit({ type: "registry-changed", studyInstanceUids });
  }

  /** Builds the worklist index now (at start-up) instead of on the first page request. */
  warm(): number {
    return this.worklist().size;
  }

  private worklist(): WorklistIndex {
    const db = this.registry.db;
    // data_version changes when another connection commits (the CLI importing or analyzing).
    const version = dataVersion(db);
    if (this.index === null || version !== this.indexVersion) {
      this.index = new WorklistIndex(worklistIndexRows(db));
      this.indexVersion = version;
    }
    return this.index;
  }

  /** Now and the site's overdue limit (issue 13 §4), read at each page: a change applies at once. */
  private triageClock(): TriageClock {
    return triageClock(readSiteSettings(this.registry.db).overdueHours);
  }

  private get settingsFile(): string {
    return path.join(this.registry.paths.root, "workstation-settings.json");
  }

  private readSettings(): Settings {
    try {
      const raw = JSON.parse(fs.readFileSync(this.settingsFile, "utf8")) as Partial<Settings>;
      const top = raw.topPercent;
      const min = raw.minProbCorrect;
      return {
        topPercent: typeof top === "number" && top >= 0 && top <= 100 ? top : 70,
        minProbCorrect: typeof min === "number" && min >= 0 && min <= 1 ? min : null,
      };
    } catch {
      return { ...DEFAULT_SETTINGS };
    }
  }

  private assignments(studyInstanceUid: string): AssignmentView[] {
    const study = getStudy(this.registry.db, studyInstanceUid);
    if (!study) throw new UsageError(`No study ${studyInstanceUid} in the registry.`);
    const options = seriesOptions(this.registry.db, studyRefOf(this.registry.db, studyInstanceUid));
    return SEQUENCES.map((sequence) => {
      const a = study.sequences[sequence];
      const series = a && options.find((o) => o.seriesInstanceUid === a.seriesInstanceUid);
      return {
        sequence,
        seriesInstanceUid: a?.seriesInstanceUid ?? null,
        seriesDescription: series?.description ?? null,
        source: a?.source ?? null,
        rule: a?.rule ?? null,
        assignedBy: a?.assignedBy ?? null,
        assignedAt: a?.assignedAt ?? null,
      };
    });
  }

  studyDetail(studyInstanceUid: string): StudyDetail {
    const db = this.registry.db;
    const study = getStudy(db, studyInstanceUid);
    if (!study) throw new UsageError(`No study ${studyInstanceUid} in the registry.`);
    const ref = studyRefOf(db, studyInstanceUid);
    const unusable = unusableSeries(db, ref);
    return {
      studyInstanceUid,
      patientName: study.patientName,
      patientId: study.patientId,
      studyDate: study.studyDate,
      description: study.description,
      status: study.status,
      assignments: this.assignments(studyInstanceUid),
      missing: study.missing,
      series: seriesOptions(db, ref).map((s) => ({
        ...s,
        unusableReason: unusable.get(s.seriesInstanceUid) ?? null,
      })),
      analysis: latestAnalysis(db, ref),
      review: latestReview(db, ref),
      audit: auditForStudy(db, studyInstanceUid).map((a) => ({
        at: a.at,
        actor: a.actor,
        action: a.action,
        details: a.details,
      })),
      identity: studyIdentity(db, studyInstanceUid),
      quality: latestQualityFlags(db, [studyInstanceUid]).get(studyInstanceUid) ?? null,
      staleSequences: staleSequences(db, ref, studyInstanceUid),
    };
  }

  readonly handlers: Handlers = {
    "app:info": async () => ({
      version: this.options.version,
      actor: this.options.actor,
      dataDir: this.registry.paths.root,
      transport: this.options.transport,
    }),
    "settings:get": async () => this.readSettings(),
    "settings:set": async (req) => {
      const before = this.readSettings();
      auditThreshold(this.registry.db, this.options.actor, before.topPercent, req.topPercent, {
        from: before.minProbCorrect ?? null,
        to: req.minProbCorrect === undefined ? (before.minProbCorrect ?? null) : req.minProbCorrect,
      });
      const next: Settings = {
        ...before,
        topPercent: req.topPercent,
        // Absent: keep the stored mode; null: back to the percentage rule (issue 11 §3).
        ...(req.minProbCorrect !== undefined ? { minProbCorrect: req.minProbCorrect } : {}),
      };
      fs.mkdirSync(path.dirname(this.settingsFile), { recursive: true });
      const tmp = `${this.settingsFile}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(next, null, 2));
      fs.renameSync(tmp, this.settingsFile);
      return next;
    },
    "worklist:page": async (req) => this.worklist().page(req, this.triageClock()),
    "worklist:neighbour": async (req) => ({
      studyInstanceUid: this.worklist().neighbour(
        req.studyInstanceUid,
        req.direction,
        req.query,
        this.triageClock(),
      ),
    }),
    "study:detail": async (req) => {
      const detail = this.studyDetail(req.studyInstanceUid);
      auditStudyOpen(this.registry.db, this.options.actor, req.studyInstanceUid);
      // The viewer asks for the five series next: start decoding them now.
      for (const a of detail.assignments) {
        if (a.seriesInstanceUid !== null) this.volumes.prefetch(a.seriesInstanceUid);
      }
      return detail;
    },
    "study:prefetch": async (req) => {
      const study = getStudy(this.registry.db, req.studyInstanceUid);
      if (!study) throw new UsageError(`No study ${req.studyInstanceUid} in the registry.`);
      const uids = SEQUENCES.flatMap((q) => study.sequences[q]?.seriesInstanceUid ?? []);
      for (const uid of uids) this.volumes.prefetch(uid);
      return { series: uids.length };
    },
    "series:geometry": async (req) => this.volumes.geometry(req.seriesInstanceUid),
    "series:slice": async (req) => this.volumes.slice(req.seriesInstanceUid, req.sliceIndex),
    "review:set": async (req) => {
      const { studyInstanceUid, ...flags } = req;
      const state = saveReview(this.registry.db, studyInstanceUid, flags, this.options.actor);
      this.invalidate([studyInstanceUid]);
      return state;
    },
    "assignment:override": async (req) => {
      checkOverride(this.registry.db, req);
      overrideAssignment(this.registry.db, {
        studyInstanceUid: req.studyInstanceUid,
        sequence: req.sequence,
        seriesInstanceUid: req.seriesInstanceUid,
        actor: this.options.actor,
        reason: req.reason,
      });
      this.invalidate([req.studyInstanceUid]);
      return this.assignments(req.studyInstanceUid);
    },
    "import:start": async (req) => {
      checkImportPaths(req.paths);
      return this.imports.start(req.paths);
    },
    "analysis:enqueue": async (req) => {
      // Opening the models first turns "no trained models" into an answer, not a stuck queue.
      await this.options.analysis.prepared();
      const ids = this.options.analysis.enqueue(req.studyInstanceUids);
      if (req.unanalyzed) ids.push(...this.options.analysis.enqueueUnanalyzed());
      auditAnalysisRequest(
        this.registry.db,
        this.options.actor,
        req.studyInstanceUids,
        req.unanalyzed,
        ids.length,
      );
      this.runAnalyses();
      this.invalidate(req.unanalyzed ? null : req.studyInstanceUids);
      return { queued: ids.length };
    },
    "network:status": async () => this.network().status(),
    "network:echo": async (req) => this.network().echo(req.name),
    "network:query": async (req) => this.network().query(req),
    "network:retrieve": async (req) => this.network().retrieve(req),
    "network:cancel-retrieval": async (req) => this.network().cancelRetrieval(req.id),
    "network:save-settings": async (req) => this.network().saveSettings(req, this.options.actor),
    "jobs:list": async () => [...this.imports.list(), ...analyzeJobs(this.registry.db)],
    "jobs:cancel": async (req) => {
      const importJob = this.imports.cancel(req.id);
      if (importJob !== null) return importJob;
      this.options.analysis.cancel(req.id);
      return analyzeJobs(this.registry.db).find((j) => j.id === req.id) ?? null;
    },
    "export:start": async (req) => this.exports.start(req),
    "export:status": async (req) => this.exports.status(req.id),
    "export:cancel": async (req) => this.exports.cancel(req.id),
    ...resultHandlers(() => ({ registry: this.registry, actor: () => this.options.actor })),
    "review:flag": async (req) => {
      const state = setReviewFlag(
        this.registry.db,
        req.studyInstanceUid,
        req.flag,
        req.value,
        this.options.actor,
      );
      this.invalidate([req.studyInstanceUid]);
      return state;
    },
    ...siteHandlers(() => ({
      registry: this.registry,
      actor: () => this.options.actor,
      version: this.options.version,
      modelsRoot: this.options.modelsRoot ?? defaultModelsRoot(),
      dbFile: this.options.dbFile,
    })),
    ...userHandlers(() => ({
      db: this.registry.db,
      access: this.access,
      changed: () => this.invalidate(null),
    })),
    ...auditHandlers(() => ({ registry: this.registry, actor: () => this.options.actor })),
    ...evaluationHandlers(() => ({
      registry: this.registry,
      actor: this.options.actor,
      changed: (uids) => this.invalidate(uids),
    })),
    ...deletionHandlers(() => ({
      registry: this.registry,
      actor: () => this.options.actor,
      changed: () => {
        // The study's rows are gone: rebuild the index (replace() only adds or updates rows)
        // and drop decoded volumes, whose series no longer exist.
        this.volumes.clear();
        this.invalidate(null);
      },
    })),
  };
}
