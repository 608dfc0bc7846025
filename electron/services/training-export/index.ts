export { exportTraining, CLASSIFIER_CHANNELS, EXPORT_FORMAT_VERSION } from "./export";
export type { ExportOptions, ExportSummary } from "./export";
export { loadStudySequences, readStudiesIn, candidateOf } from "./study-folder";
