// The parts the composition root (services/compose.ts) wires into a WorkstationService: who is
// working, how a series becomes a volume, and how an import runs. Moved from workstation/index.ts,
// which re-exports them, so that compose.ts and index.ts do not import each other.
import os from "node:os";
import { UsageError } from "../../contract/errors";
import { loadSeries } from "../../dicom/load-series";
import { dwiBValueOfSeries, instanceFilesOfSeries, type Registry } from "../../registry";
import { importPaths, ManagedStore } from "../import/index";
import { assignStudySequences, readInstance } from "../import/defaults";
import { checkImportInputs, type ImportWorkers } from "../import/worker-client";
import { importSummary } from "../site/import-truth";
import type { Importer } from "./imports";
import { findVolumeWorker, VolumeWorkerPool } from "./volume-pool";
import type { VolumeLoader } from "./volumes";

/** Who is working: the operating-system account, recorded with every nurse action. */
export function currentActor(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

/** The volume worker pool when the bundled worker is there (the app, dev:web, tests after a build). */
export function volumeWorkerPool(): VolumeWorkerPool | null {
  const script = findVolumeWorker();
  return script === null ? null : new VolumeWorkerPool(script);
}

/**
 * Series -> Volume from the managed store: decoded in the pool's worker threads when there is a
 * pool, else in this thread. The caller owns the pool and closes it.
 */
export function volumeLoader(
  registry: Registry,
  pool: VolumeWorkerPool | null = volumeWorkerPool(),
): VolumeLoader {
  const store = new ManagedStore(registry.paths.store);
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
