// The caller's side of the import worker (worker-protocol.ts): one forked process per import, so
// the caller's event loop only relays progress. Cancel asks the worker to stop between files and,
// when the current file does not finish within a grace period (a hostile file, a stalled network
// share), kills it: the series committed so far stay, the store keeps at worst unregistered copies
// that the next import of the same files reuses (store.ts), and *.tmp leftovers are swept.
import fs from "node:fs";
import path from "node:path";
import { ImportError, UsageError } from "../../contract/errors";
import { WorkerCallError, WorkerExitedError } from "../../workers/protocol";
import { WorkerConnection } from "../../workers/rpc";
import type { DataPaths } from "../paths";
import type { ImportProgress, ImportReport } from "./report";
import type { ImportWorkerProtocol } from "./worker-protocol";

/** The bundled worker (scripts/build.mjs) beside this bundle, or under dist/; null if not built. */
export function findImportWorker(): string | null {
  const candidates = [
    path.join(__dirname, "import-worker.cjs"),
    path.join(__dirname, "..", "import-worker.cjs"),
    path.resolve("dist", "import-worker.cjs"),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

/**
 * Inputs must be absolute: a relative path resolves against whatever folder the server process
 * was started in (issue 12: `{"paths":["../../"]}` walked `/`).
 */
export function checkImportInputs(inputs: string[]): void {
  if (inputs.length === 0) throw new UsageError("Nothing to import: no paths were given.");
  for (const p of inputs) {
    if (!path.isAbsolute(p)) {
      throw new UsageError(`Import paths must be absolute; "${p}" is relative.`);
    }
  }
}

export interface WorkerImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** How long a cancelled worker may take to finish its current file before it is killed. */
  cancelGraceMs?: number;
  maxPendingPerSeries?: number;
}

export class ImportWorkers {
  private readonly running = new Set<WorkerConnection<ImportWorkerProtocol>>();

  constructor(private readonly script: string) {}

  /** Imports `inputs` into the registry at `paths` in a new worker process. */
  async run(
    paths: DataPaths,
    inputs: string[],
    options: WorkerImportOptions = {},
  ): Promise<ImportReport> {
    checkImportInputs(inputs);
    const worker = new WorkerConnection<ImportWorkerProtocol>({
      name: "import worker",
      script: this.script,
      kind: "process",
    });
    this.running.add(worker);
    void worker.exited.then(() => this.running.delete(worker));
    try {
      return await worker.call(
        "import",
        { paths, inputs, maxPendingPerSeries: options.maxPendingPerSeries },
        {
          onProgress: options.onProgress,
          signal: options.signal,
          cancelGraceMs: options.cancelGraceMs ?? 2000,
        },
      );
    } catch (err) {
      if (err instanceof WorkerCallError) {
        throw new ImportError(`Import failed: ${err.message}`, { cause: err });
      }
      if (err instanceof WorkerExitedError) {
        if (err.reason === "error") {
          throw new ImportError(`The import worker ${err.how}`, { cause: err });
        }
        throw new ImportError(
          options.signal?.aborted === true
            ? "Import cancelled during a file; the series committed before it are kept."
            : `The import worker ${err.how} before finishing; the series committed before it ` +
                "are kept. Import the same files again to add the rest.",
          { cause: err },
        );
      }
      throw err;
    } finally {
      void worker.close(); // the worker exits on disconnect
    }
  }

  /** Kills every running import worker (shutdown): committed series stay, as after a cancel. */
  async close(): Promise<void> {
    await Promise.all([...this.running].map((worker) => worker.kill()));
  }
}
