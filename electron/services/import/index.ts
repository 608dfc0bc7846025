// The import service: what `livercad import`, `livercad assign` and the app's import queue call.
export { importPaths, type ImportOptions, type ReadFn, type AssignFn } from "./service";
export {
  importInstance,
  type InstanceImportContext,
  type InstanceOutcome,
  type InstanceIds,
} from "./instance";
export { runAssignment, overrideSequence, parseSequence, studyReport } from "./assignment";
export { collectFiles, dicomdirReferences, type WalkResult } from "./walk";
export { ManagedStore, storeRelativePath, uidSegment } from "./store";
export * from "./report";
