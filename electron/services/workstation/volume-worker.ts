// Worker thread that decodes series into volumes for the viewer, so that opening a study (up to a
// second of DICOM decoding on this 2-core machine, bench/ui.ts) never blocks the main process's
// event loop: IPC, the bridge and scrolling keep answering meanwhile.
import { parentPort } from "node:worker_threads";
import { AppError } from "../../contract/errors";
import { loadSeries } from "../../dicom/load-series";
import type { LoadVolumeRequest, VolumeWorkerReply } from "./volume-protocol";

const port = parentPort;
if (port === null) throw new Error("volume-worker must run as a worker thread.");

port.on("message", (req: LoadVolumeRequest) => {
  loadSeries(req.files, { bValue: req.bValue }).then(
    (loaded) => {
      const reply: VolumeWorkerReply = { type: "volume", id: req.id, volume: loaded.volume };
      port.postMessage(reply, [loaded.volume.data.buffer as ArrayBuffer]);
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const reply: VolumeWorkerReply = {
        type: "error",
        id: req.id,
        error: {
          name: e.name,
          message: e.message,
          code: err instanceof AppError ? err.code : undefined,
        },
      };
      port.postMessage(reply);
    },
  );
});
