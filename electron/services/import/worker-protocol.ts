// The typed protocol between the process that asks for an import and the import worker
// (STYLE.md 6), carried by the workers' RPC helper (electron/workers): one method whose progress
// events relay the import's, then one reply with the report or the error as {name, message,
// code}; a cancel fires the import's AbortSignal in the worker. Import runs there, off the main
// event loop (issue 12 §1): a folder of hostile files then slows one worker, not every other
// request.
import type { DataPaths } from "../paths";
import type { ImportProgress, ImportReport } from "./report";

export interface ImportRequest {
  /** The registry and store the worker opens (the caller's own, on the same files). */
  paths: DataPaths;
  /** Absolute paths of files, folders and DICOMDIRs. */
  inputs: string[];
  maxPendingPerSeries?: number;
}

export interface ImportWorkerProtocol {
  import: { args: ImportRequest; result: ImportReport; progress: ImportProgress };
}
