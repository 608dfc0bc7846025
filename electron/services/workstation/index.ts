// The workstation as the app, `npm run dev:web`, the end-to-end tests and bench:ui open it: the
// registry in the data directory, the DICOM volume loader over the managed store, the import
// service and the analysis queue wired into one WorkstationService. The wiring itself is the
// composition root's (services/compose.ts, openServices); this is its workstation-shaped view.
import type { Registry } from "../../registry/index";
import type { DicomNode } from "../network/node";
import { openServices } from "../compose";
import type { WorkstationService } from "./service";

export { WorkstationService } from "./service";
export { dispatch } from "./dispatch";
export { currentActor, importer, volumeLoader } from "./wiring";

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
  const services = openServices({
    dbFile: options.dbFile,
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    models: { root: options.modelsRoot },
    workstation: {
      transport: options.transport,
      ...(options.retentionCheckMs ? { retentionCheckMs: options.retentionCheckMs } : {}),
    },
  });
  const { workstation } = services;
  return {
    registry: services.registry,
    service: workstation.service,
    get network() {
      return workstation.network;
    },
    close: () => services.close(),
  };
}
