// The one composition root (issue 12 §5): every process that works on a data directory (the
// Electron main, `dev:web`, the `livercad` commands, the demo, the benches) opens its services
// here and closes them with the bundle's close(), in the reverse order of opening. What differs
// between them is an option, not a copy of the wiring:
//   dbFile       --db FILE, else the data directory (LIVERCAD_HOME, ...: services/paths.ts)
//   readOnly     a connection that never writes (a bench watching another process' registry)
//   sweepTemporaries  remove the half-written store copies of killed imports at open (always for
//                the workstation; `livercad import`)
//   models       the models root: none named -> $LIVERCAD_MODELS, else the shipped native-models/
//                checked against the pinned hashes; a root named explicitly (--models,
//                LIVERCAD_MODELS) is checked folder by folder against the site models an
//                administrator added (services/models/site-models.ts, issue 12 §4)
//   analysis     the job queue (AnalysisService); close() stops its background loop, which the
//                caller starts (`livercad listen`: once the port is bound) with analysis.start()
//   listener     a DICOM node from command-line settings (`livercad listen`, `retrieve`)
//   workstation  the app's WorkstationService: import worker processes, volume worker threads and
//                the listener network.json enables
//   actor        who is working (audit entries); the operating-system account by default
// Construction only: no hidden globals beyond the defaults named above; no process or thread is
// spawned at open (the inference, import and volume workers start at their first call); nothing
// listens except the workstation's network.json node. The analysis queue does re-queue expired
// job leases when it is constructed (registry/jobs.ts), as it always has.
import path from "node:path";
import type { InferenceEngine } from "../inference/engine";
import type { ProviderName } from "../inference/providers";
import type { PipelineConfig } from "../pipeline/config";
import { listSiteModels, Registry, type DataPaths } from "../registry";
import { errorMessage } from "../contract/errors";
import { APP_VERSION } from "../contract/version";
import {
  AnalysisService,
  defaultModelsRoot,
  modelOpener,
  usesShippedModels,
  type OpenedModels,
} from "./analysis/index";
import { ManagedStore } from "./import/index";
import { assignStudySequences, readInstance } from "./import/defaults";
import { findImportWorker, ImportWorkers } from "./import/worker-client";
import {
  configuredNode,
  networkControl,
  startConfiguredNode,
  type AppNodeHooks,
} from "./network/app";
import { startRetentionSchedule, sweepAtStart } from "./site/maintenance";
import { DicomNode, type NodeEvent, type NodeOptions } from "./network/node";
import type { ReceiverConfig } from "./network/receiver";
import { dataPaths } from "./paths";
import { WorkstationService } from "./workstation/service";
import type { VolumeWorkerPool } from "./workstation/volume-pool";
import { currentActor, importer, volumeLoader, volumeWorkerPool } from "./workstation/wiring";

export interface ModelOptions {
  /** --models DIR as given (resolved here); undefined: $LIVERCAD_MODELS, else native-models/. */
  root?: string | undefined;
  /** The inference worker bundle (default: dist/inference-worker.cjs beside the code). */
  workerPath?: string;
  providers?: ProviderName[];
  /**
   * Opens the folder without the pins or the site-model check: bench:pipeline's tiny fixture
   * models only. The app and every command keep the check.
   */
  unchecked?: boolean;
}

export interface AnalysisOptions {
  /** Overrides of the pipeline parameters (`livercad analyze --config`, the tiny models'). */
  config?: Partial<PipelineConfig>;
}

export interface ListenerOptions {
  receiver: ReceiverConfig;
  /** Quiet period after a study's last association, in ms. */
  quietMs: number;
  /** Queue complete studies for analysis (through `analysis`, when it is opened). */
  autoAnalyze: boolean;
  /** The Query/Retrieve SCP's move destinations; absent: C-ECHO and C-STORE only. */
  qr?: NodeOptions["qr"];
  onEvent?: (event: NodeEvent) => void;
}

export interface WorkstationOptions {
  transport: "ipc" | "bridge";
  /** When the daily retention looks first and how often (services/site/maintenance; tests). */
  retentionCheckMs?: { first: number; every: number };
}

export interface OpenServicesOptions {
  dbFile?: string | undefined;
  readOnly?: boolean;
  /**
   * Half-written store copies of a killed import (*.tmp, which can hold a patient's images) go
   * at start-up, not only before the next import (issue 12 §4). The workstation always sweeps.
   */
  sweepTemporaries?: boolean;
  /** Defaults to the OS account (workstation/wiring.ts currentActor). */
  actor?: string;
  models?: ModelOptions;
  analysis?: AnalysisOptions;
  listener?: ListenerOptions;
  workstation?: WorkstationOptions;
}

/** The models as a service opens them: at the first job, through one inference worker. */
export interface ModelServices {
  /** The resolved root. */
  root: string;
  /** True when the root is the shipped native-models/ and its files must match the pins. */
  pinned: boolean;
  engine: InferenceEngine;
  /** Checks the folder (pins or site models) and opens the six models in the worker. */
  open(): Promise<OpenedModels>;
}

export interface WorkstationServices {
  service: WorkstationService;
  /** The DICOM listener when network.json enables it, else null. */
  network: Promise<DicomNode | null>;
}

export interface Services {
  paths: DataPaths;
  registry: Registry;
  actor: string;
  models: ModelServices | null;
  analysis: AnalysisService | null;
  /** The node of `listener` (not started: the caller starts it and reports a taken port). */
  listener: DicomNode | null;
  workstation: WorkstationServices | null;
  /** Closes everything in reverse order; a second call waits for the first and does nothing. */
  close(): Promise<void>;
}

/** The bundle with the parts the options asked for typed as present. */
export type ServicesFor<O extends OpenServicesOptions> = Omit<
  Services,
  "models" | "analysis" | "listener" | "workstation"
> & {
  models: O extends { models: object } | { analysis: object } | { workstation: object }
    ? ModelServices
    : ModelServices | null;
  analysis: O extends { analysis: object } | { workstation: object }
    ? AnalysisService
    : AnalysisService | null;
  listener: O extends { listener: object } ? DicomNode : DicomNode | null;
  workstation: O extends { workstation: object } ? WorkstationServices : null;
};

export function openServices<O extends OpenServicesOptions>(options: O): ServicesFor<O> {
  const paths = dataPaths(options.dbFile);
  // Each step pushes its own undo; close() and a failed open run them last-first.
  const undo: (() => Promise<void> | void)[] = [];
  // A step that fails does not keep the later ones (the registry last) from closing; the first
  // failure is rethrown once all have run.
  const closeAll = async (): Promise<void> => {
    const failures: unknown[] = [];
    for (const step of undo.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  };
  try {
    const registry = Registry.open(paths, { readOnly: options.readOnly === true });
    undo.push(() => registry.close());
    if (options.sweepTemporaries === true || options.workstation !== undefined) {
      new ManagedStore(registry.paths.store).sweepTemporaries();
    }
    const actor = options.actor ?? currentActor();

    const wantsModels =
      options.models !== undefined ||
      options.analysis !== undefined ||
      options.workstation !== undefined;
    let models: ModelServices | null = null;
    if (wantsModels) {
      const m = options.models ?? {};
      const root = path.resolve(m.root ?? defaultModelsRoot());
      const pinned = m.unchecked !== true && usesShippedModels(m.root);
      const { engine, open } = modelOpener({
        root,
        pinned,
        // Same rule everywhere a root is named explicitly (issue 12 §4).
        ...(m.unchecked === true ? {} : { siteModels: () => listSiteModels(registry.db) }),
        ...(m.workerPath === undefined ? {} : { workerPath: m.workerPath }),
        ...(m.providers === undefined ? {} : { providers: m.providers }),
      });
      undo.push(() => engine.close());
      models = { root, pinned, engine, open };
    }

    let analysis: AnalysisService | null = null;
    if (models !== null && (options.analysis !== undefined || options.workstation !== undefined)) {
      analysis = new AnalysisService({
        registry,
        openModels: models.open,
        ...(options.analysis?.config ? { config: options.analysis.config } : {}),
      });
      const service = analysis;
      // stop() ends the background loop and makes a running processQueue() stop after its job.
      undo.push(() => service.stop());
    }

    let listener: DicomNode | null = null;
    if (options.listener !== undefined) {
      const l = options.listener;
      const enqueue = analysis === null ? null : analysis.enqueue.bind(analysis);
      const node = new DicomNode({
        registry,
        receiver: l.receiver,
        quietMs: l.quietMs,
        autoAnalyze: l.autoAnalyze,
        read: readInstance,
        assign: assignStudySequences,
        ...(enqueue ? { enqueue: (uids: string[]) => enqueue(uids) } : {}),
        ...(l.qr ? { qr: l.qr } : {}),
        ...(l.onEvent ? { onEvent: l.onEvent } : {}),
      });
      undo.push(() => node.close());
      listener = node;
    }

    let workstation: WorkstationServices | null = null;
    if (options.workstation !== undefined && analysis !== null && models !== null) {
      workstation = openWorkstationParts(
        registry,
        analysis,
        models.root,
        actor,
        options,
        options.workstation,
        undo,
      );
    }

    let closing: Promise<void> | null = null;
    const bundle: Services = {
      paths,
      registry,
      actor,
      models,
      analysis,
      listener,
      workstation,
      close: () => (closing ??= closeAll()),
    };
    return bundle as ServicesFor<O>;
  } catch (err) {
    // Whatever opened before the failure is closed; the caller sees the original error.
    void closeAll().catch(() => undefined);
    throw err;
  }
}

/** The app's service: imports in worker processes, volumes in worker threads, network.json's node. */
function openWorkstationParts(
  registry: Registry,
  analysis: AnalysisService,
  modelsRoot: string,
  actor: string,
  options: OpenServicesOptions,
  ws: WorkstationOptions,
  undo: (() => Promise<void> | void)[],
): WorkstationServices {
  // Files an interrupted deletion left (issue 13 §7) go at start-up too, not only with
  // `livercad retention`; a problem there must not keep the workstation from opening.
  try {
    sweepAtStart(registry, actor);
  } catch (err) {
    console.error(`Store sweep at start failed: ${errorMessage(err)}`);
  }
  const script = findImportWorker();
  const workers = script === null ? null : new ImportWorkers(script);
  if (workers !== null) undo.push(() => workers.close());
  const pool: VolumeWorkerPool | null = volumeWorkerPool();
  if (pool !== null) undo.push(() => pool.close());
  let network: Promise<DicomNode | null> = Promise.resolve(null);
  let networkProblem: string | null = null;
  // Files C-GET / WADO-RS retrievals while the listener is off; made on first use.
  let filing: DicomNode | null = null;
  const service = new WorkstationService(registry, {
    analysis,
    network: networkControl(
      registry,
      () => network,
      () => networkProblem,
      async () => {
        // The settings editor saved a change: close the listener, start it from network.json.
        await (await network)?.close();
        await filing?.close();
        filing = null;
        networkProblem = null;
        network = startNode();
        await network;
      },
      { node: () => (filing ??= configuredNode(registry, hooks)), made: () => filing },
    ),
    actor,
    version: APP_VERSION,
    transport: ws.transport,
    loadVolume: volumeLoader(registry, pool),
    importer: importer(registry, workers),
    modelsRoot,
    dbFile: options.dbFile,
  });
  // The DICOM listener, when network.json enables it (issue 14). A port already taken or a bad
  // settings file must not keep the workstation from opening: the reason is logged and shown.
  const hooks: AppNodeHooks = {
    arrived: (uids, analyze) => service.networkArrived(uids, analyze),
    receiving: (uid) => service.networkArrived([uid], []),
  };
  const startNode = (): Promise<DicomNode | null> =>
    startConfiguredNode(registry, hooks).catch((err: unknown) => {
      networkProblem = `DICOM listener not started: ${err instanceof Error ? err.message : String(err)}`;
      console.error(networkProblem);
      return null;
    });
  network = startNode();
  // The node of the moment (the settings editor may have replaced the first one).
  undo.push(async () => {
    await (await network)?.close();
    await filing?.close();
  });
  // The site's retention limit, once a day, when the site turned it on (retentionInApp).
  const retention = startRetentionSchedule(registry, {
    actor: () => actor,
    changed: () => service.invalidate(null),
    ...(ws.retentionCheckMs
      ? { firstCheckMs: ws.retentionCheckMs.first, checkMs: ws.retentionCheckMs.every }
      : {}),
  });
  undo.push(() => retention.stop());
  return {
    service,
    get network() {
      return network;
    },
  };
}
