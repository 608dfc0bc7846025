-- Generated from db/ migrations by test/registry/schema.test.ts (UPDATE_SCHEMA_SNAPSHOT=1 rewrites it).
-- PRAGMA user_version = 12;

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
      , scores_json TEXT, assessment_json TEXT) STRICT;

CREATE TABLE analysis_quality (
        analysis_ref INTEGER PRIMARY KEY REFERENCES analyses(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('ok', 'incomplete', 'refused')),
        -- QualityFlag: {status, policy, findings: [{sequence, seriesInstanceUid, severity, code,
        -- message}]}; messages name series numbers and descriptions, never the patient.
        flag_json TEXT NOT NULL CHECK (json_valid(flag_json))
      ) STRICT;

CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        study_ref INTEGER REFERENCES studies(id) ON DELETE SET NULL,
        details_json TEXT NOT NULL CHECK (json_valid(details_json))
      ) STRICT;

CREATE TABLE evaluation_imports (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('truth', 'readers')),
        file_name TEXT NOT NULL,
        row_count INTEGER NOT NULL CHECK (row_count >= 0),
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;

CREATE TABLE ground_truth (
        study_ref INTEGER PRIMARY KEY REFERENCES studies(id) ON DELETE CASCADE,
        label TEXT NOT NULL CHECK (label IN ('HCC', 'ICC', 'metastasis')),
        largest_lesion_mm REAL CHECK (largest_lesion_mm IS NULL OR largest_lesion_mm > 0),
        lesions_json TEXT CHECK (lesions_json IS NULL OR json_valid(lesions_json)),
        source TEXT NOT NULL CHECK (source IN ('file', 'manual')),
        import_ref INTEGER REFERENCES evaluation_imports(id) ON DELETE SET NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;

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

CREATE TABLE instances (
        id INTEGER PRIMARY KEY,
        series_ref INTEGER NOT NULL REFERENCES series(id),
        sop_instance_uid TEXT NOT NULL UNIQUE,
        sop_class_uid TEXT NOT NULL,
        transfer_syntax_uid TEXT NOT NULL,
        instance_number INTEGER,
        frame_count INTEGER NOT NULL CHECK (frame_count >= 1),
        pixel_rows INTEGER NOT NULL,
        pixel_columns INTEGER NOT NULL,
        -- Distinct diffusion b-values of the instance's frames (JSON array, usually one or none):
        -- a DWI series mixes b-values, and both assignment and the DWI volume pick the highest.
        b_values_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(b_values_json)),
        -- Relative to the managed store root, so a data directory can be moved as a whole.
        store_path TEXT NOT NULL UNIQUE,
        file_size INTEGER NOT NULL,
        imported_at TEXT NOT NULL
      ) STRICT;

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
      , owner TEXT, lease_expires_at TEXT, heartbeat_at TEXT) STRICT;

CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        patient_id TEXT NOT NULL,
        patient_name TEXT NOT NULL,
        birth_date TEXT NOT NULL,
        sex TEXT NOT NULL,
        created_at TEXT NOT NULL,
        -- PS3.3 C.7.1.1 Patient ID is only unique within its issuer and is often empty on
        -- anonymized media: name and birth date disambiguate.
        UNIQUE (patient_id, patient_name, birth_date)
      ) STRICT;

CREATE TABLE reader_reads (
        id INTEGER PRIMARY KEY,
        study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        reader TEXT NOT NULL,
        diagnosis TEXT NOT NULL CHECK (diagnosis IN ('HCC', 'ICC', 'metastasis')),
        confidence INTEGER NOT NULL CHECK (confidence BETWEEN 1 AND 5),
        import_ref INTEGER NOT NULL REFERENCES evaluation_imports(id) ON DELETE CASCADE,
        UNIQUE (reader, study_ref)
      ) STRICT;

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

CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        reviewed INTEGER NOT NULL CHECK (reviewed IN (0, 1)),
        urgent INTEGER NOT NULL CHECK (urgent IN (0, 1)),
        comment TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;

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

CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        study_ref INTEGER NOT NULL REFERENCES studies(id),
        series_instance_uid TEXT NOT NULL UNIQUE,
        modality TEXT NOT NULL,
        series_number INTEGER,
        description TEXT NOT NULL,
        sop_class_uid TEXT NOT NULL,
        pixel_rows INTEGER NOT NULL,
        pixel_columns INTEGER NOT NULL,
        slice_thickness REAL,
        -- ImageOrientationPatient of the first frame: axial vs other planes for assignment.
        orientation_json TEXT CHECK (orientation_json IS NULL OR json_valid(orientation_json)),
        -- The reader's SeriesInfo as JSON: sequence assignment re-runs from the registry when a
        -- later import adds series to a study, without re-reading any file.
        info_json TEXT NOT NULL CHECK (json_valid(info_json)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

CREATE TABLE series_exclusions (
        series_ref INTEGER PRIMARY KEY REFERENCES series(id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        reason TEXT NOT NULL,
        decided_at TEXT NOT NULL
      ) STRICT;

CREATE TABLE site_models (
        id INTEGER PRIMARY KEY,
        model_id TEXT NOT NULL,
        version TEXT NOT NULL,
        task TEXT NOT NULL,
        folder TEXT NOT NULL,
        -- {"<file path in the folder>": "<sha256>"} of every file the manifest lists
        files_json TEXT NOT NULL CHECK (json_valid(files_json)),
        manifest_sha256 TEXT NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        UNIQUE (model_id, files_json)
      ) STRICT;

CREATE TABLE site_settings (
        key TEXT PRIMARY KEY,
        value_json TEXT NOT NULL CHECK (json_valid(value_json)),
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;

CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        patient_ref INTEGER NOT NULL REFERENCES patients(id),
        study_instance_uid TEXT NOT NULL UNIQUE,
        study_date TEXT NOT NULL,
        study_time TEXT NOT NULL,
        description TEXT NOT NULL,
        accession_number TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      , assigned_at TEXT) STRICT;

CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('nurse', 'radiologist', 'coordinator', 'admin')),
        -- "scrypt$N$r$p$salt-hex$hash-hex" (services/users/password.ts)
        password_hash TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        password_changed_at TEXT NOT NULL,
        last_sign_in_at TEXT
      ) STRICT;

CREATE INDEX analyses_study ON analyses(study_ref, id);

CREATE INDEX audit_log_study ON audit_log(study_ref, id);

CREATE INDEX ground_truth_import ON ground_truth(import_ref);

CREATE INDEX instances_series ON instances(series_ref);

CREATE INDEX jobs_state ON jobs(state, id);

CREATE INDEX jobs_study ON jobs(study_ref, state);

CREATE INDEX reader_reads_study ON reader_reads(study_ref);

CREATE INDEX result_objects_study ON result_objects(study_ref);

CREATE INDEX reviews_study ON reviews(study_ref, id);

CREATE INDEX rois_series ON rois(series_ref);

CREATE INDEX sequence_assignments_series ON sequence_assignments(series_ref);

CREATE INDEX series_study ON series(study_ref);

CREATE INDEX studies_date ON studies(study_date, study_time);

CREATE INDEX studies_patient ON studies(patient_ref);

CREATE VIEW effective_assignments AS
        SELECT a.study_ref, a.sequence, a.series_ref, a.source, a.rule, a.detail, a.b_value,
               a.assigned_at, a.assigned_by
          FROM sequence_assignments a
         WHERE a.source = 'manual'
            OR NOT EXISTS (SELECT 1 FROM sequence_assignments m
                            WHERE m.study_ref = a.study_ref AND m.sequence = a.sequence
                              AND m.source = 'manual');

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
