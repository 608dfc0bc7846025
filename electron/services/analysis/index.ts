// The analysis service (issue 4 §3), what `livercad analyze` and the app's analysis queue call.
export { AnalysisService, modelRecords, providerOf } from "./service";
export type { AnalysisServiceOptions, OpenedModels, QueueSummary } from "./service";
export { defaultModelsRoot, modelOpener, usesShippedModels, type ModelSource } from "./models";
export {
  studyResults,
  saveAnalysis,
  unanalyzedStudies,
  enqueueStudies,
  requestCancel,
  jobState,
} from "../../registry";
export * from "./types";
