// The volume worker's protocol (STYLE.md 6): requests carry an id; answers carry the same id and
// either the volume (its data buffer transferred, not copied) or the error as {name, message}.
import type { Volume } from "../../contract/volume";

export interface LoadVolumeRequest {
  type: "load";
  id: number;
  files: string[];
  bValue: number | null;
}

export type VolumeWorkerReply =
  | { type: "volume"; id: number; volume: Volume }
  | { type: "error"; id: number; error: { name: string; code?: string; message: string } };
