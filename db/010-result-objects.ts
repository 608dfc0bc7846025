// v10: the DICOM result objects of an analysis (issue 15 §1): each Comprehensive SR and GSPS
// LiverCAD wrote for an analysis, or an SR it imported and restored an analysis from, is a file in
// the managed store with a row here, so `livercad export` / `send` find the same object again
// (same UIDs, same bytes) instead of writing a new one. An object whose analysis is no longer the
// study's latest is marked superseded (kept: a PACS may already hold it). Creates only its own
// table: the step works whatever other migrations ran before it.
import type { Migration } from "./migration";

export const migration010: Migration = {
  version: 10,
  name: "result objects",
  up(db) {
    db.exec(`
      CREATE TABLE result_objects (
        id INTEGER PRIMARY KEY,
        study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        -- The analysis the object reports (written) or restored (imported).
        analysis_ref INTEGER NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('sr', 'gsps')),
        origin TEXT NOT NULL CHECK (origin IN ('written', 'imported')),
        sop_class_uid TEXT NOT NULL,
        series_instance_uid TEXT NOT NULL,
        sop_instance_uid TEXT NOT NULL UNIQUE,
        -- Relative to the managed store root, like instances.store_path.
        store_path TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
        created_at TEXT NOT NULL,
        -- Set when a later analysis of the study replaced this one (NULL: current).
        superseded_at TEXT,
        superseded_by INTEGER REFERENCES analyses(id) ON DELETE SET NULL,
        UNIQUE (analysis_ref, kind)
      ) STRICT;
      CREATE INDEX result_objects_study ON result_objects(study_ref);
    `);
  },
};
