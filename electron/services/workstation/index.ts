// The workstation's composition root: the registry in the data directory, the DICOM volume loader
// over the managed store, and the import service, wired into one WorkstationService. The Electron
// main process, `npm run dev:web`, the end-to-end tests and bench:ui all start it from here.
import { listSiteModels } from "../../registry";
import os from "node:os";
import { errorMessage, UsageError } from "../../contract/errors";
import { APP_VERSION } from "../../contract/version";
import { loadSeries } from "../../dicom/load-series";
import { instanceFilesOfSeries, Registry } from "../../registry/index";
import { dwiBValueOfSeries } from "../../registry";
import {
  AnalysisService,
  defaultModelsRoot,
  modelOpener,
  usesShippedModels,
} from "../analysis/index";
import { importPaths, ManagedStore } from "../import/index";
import { assignStudySequences, readInstance } from "../import/defaults";
import { checkImportInputs, findImportWorker, ImportWorkers } from "../import/worker-client";
import { networkControl, startConfiguredNode } from "../network/app";
import type { DicomNode } from "../network/node";
import { dataPaths } from "../paths";
import { importSummary } from "../site/import-truth";
import { startRetentionSchedule, sweepAtStart } from "../site/maintenance";
import type { Importer } from "./imports";
import { WorkstationService } from "./service";
import { findVolumeWorker, VolumeWorkerPool } from "./volume-pool";
import type { VolumeLoader } from "./volumes";

export { WorkstationService } from "./service";
export { dispatch } from "./dispatch";

/** Who is working: the operating-system account, recorded with every nurse action. */
export function currentActor(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

/**
 * Series -> Volume from the managed store: decoded in worker threads when the bundled worker is
 * there (the app, dev:web, the tests after a build), else in this thread.
 */
export function volumeLoader(registry: Registry): VolumeLoader {
  const store = new ManagedStore(registry.paths.store);
  const script = findVolumeWorker();
  const pool = script === null ? null : new VolumeWorkerPool(script);
  return async (seriesInstanceUid) => {
    const files = instanceFilesOfSeries(registry.db, seriesInstanceUid).map((p) =>
      store.absolute(p),
    );
    if (files.length === 0) {
      throw new UsageError(`No stored images for series ${seriesInstanceUid}.`);
    }
    const bValue = dwiBValueOfSeries(registry.db, seriesInstanceUid);
    if (pool !== null) return pool.load(files, bValue);
    return (await loadSeries(files, { bValue })).volume;
  };
}

/**
 * Imports for the workstation: in a worker process when the bundle is built (the app, dev:web,
 * the tests after a build), so the main loop keeps answering (issue 12 §1); in this process from
 * unbuilt sources. Either way only absolute paths are accepted.
 */
export function importer(registry: Registry, workers: ImportWorkers | null = null): Importer {
  return async (paths, hooks) => {
    checkImportInputs(paths);
    const onProgress = (p: { done: number; total: number }): void =>
      hooks.onProgress({ done: p.done, total: p.total });
    const report =
      workers !== null
        ? await workers.run(registry.paths, paths, { signal: hooks.signal, onProgress })
        : await importPaths(registry, paths, {
            read: readInstance,
            assign: assignStudySequences,
            signal: hooks.signal,
            onProgress,
          });
    return {
      studyInstanceUids: report.studies.map((s) => s.studyInstanceUid),
      fileErrors: report.files
        .filter((f) => f.outcome === "rejected")
        .map((f) => ({ path: f.path, reason: f.reason ?? "rejected" })),
      ...importSummary(paths, report),
    };
  };
}

export function openWorkstation(options: {
  dbFile?: string;
  transport: "ipc" | "bridge";
  actor?: string;
  /** The trained models' folder; defaults as for `livercad analyze`. */
  modelsRoot?: string;
  /** When the daily retention looks first and how often (services/site/maintenance; tests). */
  retentionCheckMs?: { first: number; every: number };
}): {
  registry: Registry;
  service: WorkstationService;
  /** The DICOM listener when network.json enables it, else null. */
  network: Promise<DicomNode | null>;
  close(): Promise<void>;
} {
  const registry = Registry.open(dataPaths(options.dbFile));
  // Half-written store copies of a killed import (*.tmp, which can hold a patient's images) go
  // at start-up, not only before the next import (issue 12 §4).
  new ManagedStore(registry.paths.store).sweepTemporaries();
  // Files an interrupted deletion left (issue 13 §7) go at start-up too, not only with
  // `livercad retention`; a problem there must not keep the workstation from opening.
  const actor = options.actor ?? currentActor();
  try {
    sweepAtStart(registry, actor);
  } catch (err) {
    console.error(`Store sweep at start failed: ${errorMessage(err)}`);
  }
  const { engine, open } = modelOpener({
    root: options.modelsRoot ?? defaultModelsRoot(),
    pinned: usesShippedModels(options.modelsRoot),
    siteModels: () => listSiteModels(registry.db),
  });
  const analysis = new AnalysisService({ registry, openModels: open });
  const script = findImportWorker();
  const workers = script === null ? null : new ImportWorkers(script);
  let network: Promise<DicomNode | null> = Promise.resolve(null);
  let networkProblem: string | null = null;
  const service = new WorkstationService(registry, {
    analysis,
    network: networkControl(
      registry,
      () => network,
      () => networkProblem,
      async () => {
        // The settings editor saved a change: close the listener, start it from network.json.
        await (await network)?.close();
        networkProblem = null;
        network = startNode();
        await network;
      },
    ),
    actor: options.actor ?? currentActor(),
    version: APP_VERSION,
    transport: options.transport,
    loadVolume: volumeLoader(registry),
    importer: importer(registry, workers),
    modelsRoot: options.modelsRoot ?? defaultModelsRoot(),
    dbFile: options.dbFile,
  });
  // The DICOM listener, when network.json enables it (issue 14). A port already taken or a bad
  // settings file must not keep the workstation from opening: the reason is logged and shown.
  const startNode = (): Promise<DicomNode | null> =>
    startConfiguredNode(registry, {
      arrived: (uids, analyze) => service.networkArrived(uids, analyze),
      receiving: (uid) => service.networkArrived([uid], []),
    }).catch((err: unknown) => {
      networkProblem = `DICOM listener not started: ${err instanceof Error ? err.message : String(err)}`;
      console.error(networkProblem);
      return null;
    });
  network = startNode();
  // The site's retention limit, once a day, when the site turned it on (retentionInApp).
  const retention = startRetentionSchedule(registry, {
    actor: () => actor,
    changed: () => service.invalidate(null),
    ...(options.retentionCheckMs
      ? { firstCheckMs: options.retentionCheckMs.first, checkMs: options.retentionCheckMs.every }
      : {}),
  });
  return {
    registry,
    service,
    network,
    async close() {
      retention.stop();
      await workers?.close();
      await (await network)?.close();
      await engine.close();
      registry.close();
    },
  };
}
