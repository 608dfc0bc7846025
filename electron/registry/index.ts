// The case registry's public surface: services, the CLI and the Electron main process import
// from here, never from the individual files.
export { Registry, openDatabase, configure, setSynchronous, type Db, type DataPaths } from "./open";
export { migrate, schemaVersion, dumpSchema, SCHEMA_VERSION } from "./migrate";
export {
  ImportWriter,
  type InstanceRow,
  type SeriesBatch,
  type CommitResult,
} from "./import-writer";
export {
  isSequenceId,
  seriesRecordsForStudy,
  saveAutoAssignments,
  effectiveAssignments,
  overrideAssignment,
  dwiBValueOfStudy,
  effectiveSequenceOfSeries,
  type OverrideRequest,
} from "./assignments";
export {
  listStudies,
  getStudy,
  instanceFilesOfSeries,
  studyRefOf,
  findStudyRef,
  patientIdOfStudy,
  studyCount,
} from "./studies";
export { appendAudit, auditForStudy, lastActionAt, lastAuditAt, type AuditEntry } from "./audit";
export {
  requeueInterruptedJobs,
  claimNextJob,
  renewLease,
  holdsJob,
  retryOrFail,
  newJobOwner,
  interruptedTooOften,
  LEASE_MS,
  HEARTBEAT_MS,
  MAX_ATTEMPTS,
  type ClaimedJobRow,
} from "./jobs";
export { roiRowReader, type RoiRow } from "./rois";
export type * from "./types";
export * from "./evaluation";
export * from "./analysis-queue";
export * from "./analyses";
export * from "./worklist";
export * from "./latest-analysis";
export * from "./reviews";
export * from "./series";
export * from "./site-settings";
export * from "./quality";
export * from "./identity";
export * from "./series-usability";
export * from "./audit-query";
export * from "./import-jobs";
export * from "./result-objects";
export * from "./review-flags";
export * from "./site-models";
export * from "./users";
export * from "./deletion";
export * from "./instances";
export * from "./study-headers";
export * from "./backup";
export * from "./query-retrieve";
