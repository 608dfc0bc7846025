// The volume worker's protocol (STYLE.md 6), carried by the workers' RPC helper
// (electron/workers): one method, whose answer's data buffer is transferred, not copied.
import type { Volume } from "../../contract/volume";

export interface VolumeProtocol {
  load: { args: { files: string[]; bValue: number | null }; result: Volume };
}
