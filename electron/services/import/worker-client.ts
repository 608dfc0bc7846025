// The caller's side of the import worker (worker-protocol.ts): one forked process per import, so
// the caller's event loop only relays progress. Cancel asks the worker to stop between files and,
// when the current file does not finish within a grace period (a hostile file, a stalled network
// share), kills it: the series committed so far stay, the store keeps at worst unregistered copies
// that the next import of the same files reuses (store.ts), and *.tmp leftovers are swept.
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ImportError, UsageError } from "../../contract/errors";
import type { DataPaths } from "../paths";
import type { ImportProgress, ImportReport } from "./report";
import type { ImportEnvelope, ImportWorkerMessage, ImportWorkerRequest } from "./worker-protocol";

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
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly script: string) {}

  /** Imports `inputs` into the registry at `paths` in a new worker process. */
  run(
    paths: DataPaths,
    inputs: string[],
    options: WorkerImportOptions = {},
  ): Promise<ImportReport> {
    checkImportInputs(inputs);
    const child = fork(this.script, [], {
      serialization: "advanced",
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.children.add(child);
    let nextId = 1;
    const send = (req: ImportWorkerRequest): number => {
      const id = nextId++;
      const envelope: ImportEnvelope = { ...req, id };
      if (child.connected) child.send(envelope);
      return id;
    };
    return new Promise<ImportReport>((resolve, reject) => {
      let settled = false;
      let killTimer: NodeJS.Timeout | null = null;
      const finish = (err: Error | null, report?: ImportReport): void => {
        if (settled) return;
        settled = true;
        if (killTimer) clearTimeout(killTimer);
        options.signal?.removeEventListener("abort", onAbort);
        if (child.connected) child.disconnect(); // the worker exits on disconnect
        if (err) reject(err);
        else resolve(report!);
      };
      const importId = send({
        type: "import",
        paths,
        inputs,
        maxPendingPerSeries: options.maxPendingPerSeries,
      });
      const onAbort = (): void => {
        send({ type: "cancel", target: importId });
        killTimer = setTimeout(() => {
          child.kill("SIGKILL");
        }, options.cancelGraceMs ?? 2000);
      };
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener("abort", onAbort, { once: true });
      child.on("message", (msg: ImportWorkerMessage) => {
        if (msg.id !== importId) return;
        if (msg.kind === "progress") {
          options.onProgress?.(msg.progress);
        } else if (msg.ok) {
          finish(null, msg.value!);
        } else {
          finish(new ImportError(`Import failed: ${msg.error.message}`));
        }
      });
      child.once("exit", (code, signal) => {
        this.children.delete(child);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const cancelled = options.signal?.aborted === true;
        finish(
          new ImportError(
            cancelled
              ? "Import cancelled during a file; the series committed before it are kept."
              : `The import worker ${how} before finishing; the series committed before it are ` +
                  "kept. Import the same files again to add the rest.",
          ),
        );
      });
      child.once("error", (err) =>
        finish(new ImportError(`The import worker failed: ${err.message}`, { cause: err })),
      );
    });
  }

  /** Kills every running import worker (shutdown): committed series stay, as after a cancel. */
  async close(): Promise<void> {
    const exits = [...this.children].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once("exit", () => done());
          child.kill("SIGKILL");
        }),
    );
    await Promise.all(exits);
  }
}
