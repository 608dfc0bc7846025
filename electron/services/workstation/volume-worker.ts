// Worker thread that decodes series into volumes for the viewer, so that opening a study (up to a
// second of DICOM decoding on this 2-core machine, bench/ui.ts) never blocks the main process's
// event loop: IPC, the bridge and scrolling keep answering meanwhile. Started on its own (not as
// a worker thread), serve() throws a WorkerSetupError naming it.
import { loadSeries } from "../../dicom/load-series";
import { serve } from "../../workers/serve";
import type { VolumeProtocol } from "./volume-protocol";

serve<VolumeProtocol>("volume worker", {
  load: async ({ files, bValue }, call) => {
    const { volume } = await loadSeries(files, { bValue });
    call.transfer(volume.data.buffer as ArrayBuffer);
    return volume;
  },
});
