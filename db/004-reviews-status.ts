// v4: the nurse's and radiologist's review actions (issue 6 §3) and the derived study status the
// worklist sorts on. Reviews are append-only: the current flags are the latest row per study,
// and every row says who and when, so the history is the audit trail of the flags.
import type { Migration } from "./migration";

export const migration004: Migration = {
  version: 4,
  name: "reviews, study status view",
  up(db) {
    db.exec(`
      CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        reviewed INTEGER NOT NULL CHECK (reviewed IN (0, 1)),
        urgent INTEGER NOT NULL CHECK (urgent IN (0, 1)),
        comment TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX reviews_study ON reviews(study_ref, id);

      -- Status is derived, never stored, so it cannot disagree with the rows it summarizes.
      -- Order of precedence: work in progress, then the latest analysis outcome, then whether the
      -- study has all five sequences. An analysis that found the study incomplete is not final:
      -- a later import can complete the study, so that case falls through to the live check.
      CREATE VIEW study_status AS
        SELECT s.id AS study_ref,
          CASE
            WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.study_ref = s.id
                           AND j.kind = 'import' AND j.state = 'running') THEN 'importing'
            WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.study_ref = s.id
                           AND j.kind = 'analyze' AND j.state = 'running') THEN 'analyzing'
            WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.study_ref = s.id
                           AND j.kind = 'analyze' AND j.state = 'queued') THEN 'queued'
            WHEN la.status IN ('analyzed', 'no-roi', 'error') THEN la.status
            WHEN s.assigned_at IS NULL THEN 'new'
            WHEN (SELECT COUNT(*) FROM effective_assignments e WHERE e.study_ref = s.id) < 5
              THEN 'incomplete'
            ELSE 'ready'
          END AS status,
          la.id AS latest_analysis_ref
        FROM studies s
        LEFT JOIN analyses la
          ON la.id = (SELECT MAX(a.id) FROM analyses a WHERE a.study_ref = s.id);
    `);
  },
};
