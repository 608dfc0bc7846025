// Evaluation of CAD results against ground truth (pure: no Node, no DOM).
export * from "./metrics";
export * from "./match";
export { formatConfidence, formatTable } from "./table";
export * from "./confidence-metrics";
export * from "./calibrate";
