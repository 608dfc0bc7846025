// v7: a workstation a site can run safely (issue 13). Site settings (key -> JSON value, who and
// when), and the image-quality gate's verdict per analysis (contract/quality.ts QualityFlag) in a
// table of its own, so old analyses simply have none. Creates only its own tables: the step works
// whatever other migrations ran before it.
import type { Migration } from "./migration";

export const migration007: Migration = {
  version: 7,
  name: "site settings, analysis quality flags",
  up(db) {
    db.exec(`
      CREATE TABLE site_settings (
        key TEXT PRIMARY KEY,
        value_json TEXT NOT NULL CHECK (json_valid(value_json)),
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE analysis_quality (
        analysis_ref INTEGER PRIMARY KEY REFERENCES analyses(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('ok', 'incomplete', 'refused')),
        -- QualityFlag: {status, policy, findings: [{sequence, seriesInstanceUid, severity, code,
        -- message}]}; messages name series numbers and descriptions, never the patient.
        flag_json TEXT NOT NULL CHECK (json_valid(flag_json))
      ) STRICT;
    `);
  },
};
