// v11: import jobs that survive a restart (issue 13 §5). An import job is a `jobs` row of kind
// 'import' (migration 003 allowed the kind; its paths and label go in params_json, as an analysis
// job's study goes in study_ref); what it found lands here when it ends: the summary counts, each
// rejected file with its reason, and the studies it touched. A table of its own, so the step works
// whatever other migrations ran before it and old jobs simply have no row.
import type { Migration } from "./migration";

export const migration011: Migration = {
  version: 11,
  name: "import job results",
  up(db) {
    db.exec(`
      CREATE TABLE import_job_results (
        job_ref INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
        -- ImportJobSummary (contract/ipc.ts): files, imported, duplicates, skipped, rejected,
        -- studies, complete, incomplete. NULL when the job ended before the import reported.
        summary_json TEXT CHECK (summary_json IS NULL OR json_valid(summary_json)),
        -- [{"path", "reason"}]: rejected files, bounded (services/workstation/imports.ts).
        file_errors_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(file_errors_json)),
        -- [studyInstanceUid]: the studies the import added to or completed.
        studies_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(studies_json))
      ) STRICT;
    `);
  },
};
