// A small pool of volume workers (one per core, at most two): requests go to the least busy
// worker; a worker that dies fails its requests with the reason and is replaced on next use
// (the workers' RPC helper, electron/workers/rpc.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AppError } from "../../contract/errors";
import type { Volume } from "../../contract/volume";
import { WorkerExitedError } from "../../workers/protocol";
import { WorkerClient } from "../../workers/rpc";
import type { VolumeProtocol } from "./volume-protocol";

/** The bundled worker (scripts/build-ui.mjs) beside the main bundle, or under dist/. */
export function findVolumeWorker(): string | null {
  const candidates = [
    path.join(__dirname, "volume-worker.cjs"),
    path.join(__dirname, "..", "volume-worker.cjs"),
    path.resolve("dist", "volume-worker.cjs"),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

export class VolumeWorkerPool {
  private readonly workers: WorkerClient<VolumeProtocol>[];

  constructor(script: string, size = Math.min(2, Math.max(1, os.availableParallelism()))) {
    this.workers = Array.from(
      { length: size },
      () =>
        new WorkerClient<VolumeProtocol>({
          name: "volume worker",
          script,
          kind: "thread",
          // A decoding error that is not an AppError keeps the code the viewer has always seen.
          errorCode: "VOLUME_LOAD",
          // Idle workers must not keep a CLI or test process alive.
          unrefWhenIdle: true,
        }),
    );
  }

  async load(files: string[], bValue: number | null): Promise<Volume> {
    let best = this.workers[0]!;
    for (const w of this.workers) if (w.busy < best.busy) best = w;
    try {
      return await best.call("load", { files, bValue });
    } catch (err) {
      if (err instanceof WorkerExitedError) {
        throw new AppError("VOLUME_WORKER", `The volume worker stopped: ${err.how}`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
