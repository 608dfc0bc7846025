// v2: the five-sequence assignment per study (issue 3 §2) and the audit log.
// Automatic and manual rows live side by side, so re-running the rules after a later import never
// erases a radiographer's override; the effective assignment prefers the manual row.
import type { Migration } from "./migration";

export const migration002: Migration = {
  version: 2,
  name: "sequence assignments, series exclusions, audit log",
  up(db) {
    db.exec(`
      -- NULL until the assignment rules have run once for the study: its status is then "new".
      ALTER TABLE studies ADD COLUMN assigned_at TEXT;

      CREATE TABLE sequence_assignments (
        study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        sequence TEXT NOT NULL
          CHECK (sequence IN ('T1_pre', 'T2', 'T1_arterial', 'T1_venous', 'DWI')),
        source TEXT NOT NULL CHECK (source IN ('auto', 'manual')),
        series_ref INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        detail TEXT NOT NULL,
        -- DWI: the b-value whose images form the sequence (NULL when unknown or not DWI).
        b_value REAL,
        assigned_at TEXT NOT NULL,
        assigned_by TEXT NOT NULL,
        PRIMARY KEY (study_ref, sequence, source)
      ) STRICT;
      CREATE INDEX sequence_assignments_series ON sequence_assignments(series_ref);

      -- Why the rules set a series aside (localizer, in/opposed phase, delayed phase, ADC ...).
      CREATE TABLE series_exclusions (
        series_ref INTEGER PRIMARY KEY REFERENCES series(id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        reason TEXT NOT NULL,
        decided_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        study_ref INTEGER REFERENCES studies(id) ON DELETE SET NULL,
        details_json TEXT NOT NULL CHECK (json_valid(details_json))
      ) STRICT;
      CREATE INDEX audit_log_study ON audit_log(study_ref, id);

      CREATE VIEW effective_assignments AS
        SELECT a.study_ref, a.sequence, a.series_ref, a.source, a.rule, a.detail, a.b_value,
               a.assigned_at, a.assigned_by
          FROM sequence_assignments a
         WHERE a.source = 'manual'
            OR NOT EXISTS (SELECT 1 FROM sequence_assignments m
                            WHERE m.study_ref = a.study_ref AND m.sequence = a.sequence
                              AND m.source = 'manual');
    `);
    // Studies imported before v2 never had the rules run: assigned_at stays NULL ("new"), and the
    // next import or `livercad assign` runs them.
  },
};
