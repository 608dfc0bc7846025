// A small pool of volume workers (one per core, at most two): requests go to the least busy
// worker; a worker that dies fails its requests with the reason and is replaced on next use.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { AppError } from "../../contract/errors";
import type { Volume } from "../../contract/volume";
import type { LoadVolumeRequest, VolumeWorkerReply } from "./volume-protocol";

/** The bundled worker (scripts/build-ui.mjs) beside the main bundle, or under dist/. */
export function findVolumeWorker(): string | null {
  const candidates = [
    path.join(__dirname, "volume-worker.cjs"),
    path.join(__dirname, "..", "volume-worker.cjs"),
    path.resolve("dist", "volume-worker.cjs"),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve(v: Volume): void; reject(e: Error): void }>;
}

export class VolumeWorkerPool {
  private readonly slots: (Slot | null)[];
  private nextId = 1;

  constructor(
    private readonly script: string,
    size = Math.min(2, Math.max(1, os.availableParallelism())),
  ) {
    this.slots = Array.from({ length: size }, () => null);
  }

  private spawn(index: number): Slot {
    const worker = new Worker(this.script);
    const slot: Slot = { worker, pending: new Map() };
    worker.on("message", (reply: VolumeWorkerReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      if (reply.type === "volume") p.resolve(reply.volume);
      else p.reject(new AppError(reply.error.code ?? "VOLUME_LOAD", reply.error.message));
    });
    const fail = (err: Error) => {
      for (const p of slot.pending.values()) {
        p.reject(new AppError("VOLUME_WORKER", `The volume worker stopped: ${err.message}`));
      }
      slot.pending.clear();
      if (this.slots[index] === slot) this.slots[index] = null;
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
    // Idle workers must not keep a CLI or test process alive.
    worker.unref();
    this.slots[index] = slot;
    return slot;
  }

  load(files: string[], bValue: number | null): Promise<Volume> {
    let best = 0;
    for (let i = 1; i < this.slots.length; i++) {
      if ((this.slots[i]?.pending.size ?? 0) < (this.slots[best]?.pending.size ?? 0)) best = i;
    }
    const slot = this.slots[best] ?? this.spawn(best);
    const id = this.nextId++;
    const req: LoadVolumeRequest = { type: "load", id, files, bValue };
    return new Promise<Volume>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage(req);
    }).finally(() => {
      if (slot.pending.size === 0) slot.worker.unref();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s?.worker.terminate()));
    this.slots.fill(null);
  }
}
