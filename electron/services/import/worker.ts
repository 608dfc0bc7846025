// The import worker: a child process that walks, reads and stores one import at a time and writes
// the registry through its own connection (WAL: the app's connection keeps reading meanwhile).
// Bundled to dist/import-worker.cjs; answers worker-protocol.ts through the workers' RPC helper
// (electron/workers/serve.ts) over the fork IPC channel. A file that takes the worker minutes (or
// forever) costs the app nothing: the client kills this process on cancel if it does not stop
// within a grace period (worker-client.ts).
import { Registry } from "../../registry/index";
import { serve } from "../../workers/serve";
import { assignStudySequences, readInstance } from "./defaults";
import { importPaths } from "./service";
import { ManagedStore } from "./store";
import type { ImportWorkerProtocol } from "./worker-protocol";

serve<ImportWorkerProtocol>("import worker", {
  import: async (req, call) => {
    const registry = Registry.open(req.paths);
    try {
      // Copies a killed import left half-written (issue 12 §4) go before new ones are made.
      new ManagedStore(req.paths.store).sweepTemporaries();
      return await importPaths(registry, req.inputs, {
        read: readInstance,
        assign: assignStudySequences,
        // A cancel stops the import between files; what was read so far is committed.
        signal: call.signal,
        maxPendingPerSeries: req.maxPendingPerSeries,
        onProgress: (progress) => call.progress(progress),
      });
    } finally {
      registry.close();
    }
  },
});
