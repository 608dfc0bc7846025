// v3: analysis jobs and their results with full provenance (issue 4 §3).
// A job row is the queue: a worker claims the oldest queued row; a row left "running" by a killed
// process is put back to "queued" at start-up (requeueInterrupted in electron/registry/jobs.ts).
// Structured but open-ended data (per-class probabilities, Monte-Carlo statistics, parameters,
// timings, model lists) is JSON checked by json_valid: its shape is owned by the pipeline's typed
// code, and the registry must not need a migration each time a statistic is added.
import type { Migration } from "./migration";

export const migration003: Migration = {
  version: 3,
  name: "jobs, analyses, rois",
  up(db) {
    db.exec(`
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('import', 'analyze')),
        study_ref INTEGER REFERENCES studies(id) ON DELETE CASCADE,
        state TEXT NOT NULL
          CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        stage TEXT,
        progress REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
        cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
        attempts INTEGER NOT NULL DEFAULT 0,
        params_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params_json)),
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX jobs_state ON jobs(state, id);
      CREATE INDEX jobs_study ON jobs(study_ref, state);

      CREATE TABLE analyses (
        id INTEGER PRIMARY KEY,
        study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        job_ref INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        status TEXT NOT NULL CHECK (status IN ('analyzed', 'no-roi', 'incomplete', 'error')),
        error TEXT,
        prediction TEXT CHECK (prediction IS NULL OR prediction IN ('HCC', 'ICC', 'metastasis')),
        -- {"HCC": p, "ICC": p, "metastasis": p}: study probabilities (mean over ROIs).
        probabilities_json TEXT CHECK (probabilities_json IS NULL OR json_valid(probabilities_json)),
        confidence REAL,
        uncertainty REAL,
        -- Study-level Monte-Carlo statistics per class (mean, variance, spread of the T samples).
        mc_stats_json TEXT CHECK (mc_stats_json IS NULL OR json_valid(mc_stats_json)),
        -- {"T1_pre": seriesInstanceUid, ...}: the series the analysis actually read.
        sequences_json TEXT NOT NULL CHECK (json_valid(sequences_json)),
        -- [{"id", "version", "sha256"}] for every model file loaded.
        models_json TEXT NOT NULL CHECK (json_valid(models_json)),
        provider TEXT NOT NULL,
        parameters_json TEXT NOT NULL CHECK (json_valid(parameters_json)),
        timings_json TEXT NOT NULL CHECK (json_valid(timings_json)),
        app_version TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX analyses_study ON analyses(study_ref, id);

      CREATE TABLE rois (
        id INTEGER PRIMARY KEY,
        analysis_ref INTEGER NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        rank INTEGER NOT NULL CHECK (rank >= 1),
        series_ref INTEGER NOT NULL REFERENCES series(id),
        sequence TEXT NOT NULL
          CHECK (sequence IN ('T1_pre', 'T2', 'T1_arterial', 'T1_venous', 'DWI')),
        slice_index INTEGER NOT NULL CHECK (slice_index >= 0),
        -- Box in pixels of that slice: columns x0..x1, rows y0..y1.
        box_x0 REAL NOT NULL,
        box_y0 REAL NOT NULL,
        box_x1 REAL NOT NULL,
        box_y1 REAL NOT NULL,
        -- Centre in DICOM patient coordinates (LPS, mm), so overlays map onto any series.
        center_x_mm REAL NOT NULL,
        center_y_mm REAL NOT NULL,
        center_z_mm REAL NOT NULL,
        score REAL NOT NULL,
        probabilities_json TEXT NOT NULL CHECK (json_valid(probabilities_json)),
        -- Per-class Monte-Carlo statistics of this ROI (mean, variance, samples summary).
        mc_stats_json TEXT NOT NULL CHECK (json_valid(mc_stats_json)),
        UNIQUE (analysis_ref, rank)
      ) STRICT;
      CREATE INDEX rois_series ON rois(series_ref);
    `);
  },
};
