// The typed protocol between the process that asks for an import and the import worker
// (STYLE.md 6, the same shape as inference/protocol.ts): requests with ids; the worker answers
// progress events with the request's id, then exactly one reply carrying the report or an error
// as {name, message, code}. Import runs there, off the main event loop (issue 12 §1): a folder of
// hostile files then slows one worker, not every other request.
import type { WireError } from "../../inference/protocol";
import type { DataPaths } from "../paths";
import type { ImportProgress, ImportReport } from "./report";

export interface ImportRequest {
  type: "import";
  /** The registry and store the worker opens (the caller's own, on the same files). */
  paths: DataPaths;
  /** Absolute paths of files, folders and DICOMDIRs. */
  inputs: string[];
  maxPendingPerSeries?: number;
}
/** Stops the import with id `target` between files; what was read so far is committed. */
export interface CancelRequest {
  type: "cancel";
  target: number;
}

export type ImportWorkerRequest = ImportRequest | CancelRequest;
export type ImportEnvelope<R extends ImportWorkerRequest = ImportWorkerRequest> = R & {
  id: number;
};

export type ImportWorkerMessage =
  | { id: number; kind: "progress"; progress: ImportProgress }
  | { id: number; kind: "reply"; ok: true; value: ImportReport | null }
  | { id: number; kind: "reply"; ok: false; error: WireError };
