// Evaluation of CAD results against ground truth (pure: no Node, no DOM).
export * from "./metrics";
export * from "./match";
export { formatConfidence, formatTable, formatTable3 } from "./table";
export * from "./csv";
export * from "./cohort-files";
export * from "./analytics";
export * from "./confidence-metrics";
export * from "./calibrate";
