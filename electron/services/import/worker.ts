// The import worker: a child process that walks, reads and stores one import at a time and writes
// the registry through its own connection (WAL: the app's connection keeps reading meanwhile).
// Bundled to dist/import-worker.cjs; speaks worker-protocol.ts over the fork IPC channel. A file
// that takes the worker minutes (or forever) costs the app nothing: the client kills this process
// on cancel if it does not stop within a grace period (worker-client.ts).
import { AppError } from "../../contract/errors";
import { Registry } from "../../registry/index";
import { assignStudySequences, readInstance } from "./defaults";
import { importPaths } from "./service";
import { ManagedStore } from "./store";
import type { ImportEnvelope, ImportRequest, ImportWorkerMessage } from "./worker-protocol";

const running = new Map<number, AbortController>();

function send(message: ImportWorkerMessage): void {
  process.send?.(message);
}

async function runImport(msg: ImportEnvelope<ImportRequest>): Promise<void> {
  const controller = new AbortController();
  running.set(msg.id, controller);
  const registry = Registry.open(msg.paths);
  // Copies a killed import left half-written (issue 12 §4) go before new ones are made.
  new ManagedStore(msg.paths.store).sweepTemporaries();
  try {
    const report = await importPaths(registry, msg.inputs, {
      read: readInstance,
      assign: assignStudySequences,
      signal: controller.signal,
      maxPendingPerSeries: msg.maxPendingPerSeries,
      onProgress: (progress) => send({ id: msg.id, kind: "progress", progress }),
    });
    send({ id: msg.id, kind: "reply", ok: true, value: report });
  } finally {
    running.delete(msg.id);
    registry.close();
  }
}

process.on("message", (msg: ImportEnvelope) => {
  switch (msg.type) {
    case "cancel":
      running.get(msg.target)?.abort();
      send({ id: msg.id, kind: "reply", ok: true, value: null });
      return;
    case "import":
      runImport(msg).catch((err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        send({
          id: msg.id,
          kind: "reply",
          ok: false,
          error: {
            name: e.name,
            message: e.message,
            ...(e instanceof AppError ? { code: e.code } : {}),
          },
        });
      });
      return;
  }
});

// The parent closing the channel (app quit, parent crash, cancel) ends the worker.
process.on("disconnect", () => process.exit(0));
