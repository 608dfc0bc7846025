// v1: what import needs: patients, studies, series, instances.
// STRICT tables so a wrong type fails at insert instead of being stored (sqlite.org/stricttables).
// Counts (instances per series, series per study) are not stored: they are derived by COUNT over
// indexed foreign keys, so a crash can never leave a stale count behind.
import type { Migration } from "./migration";

export const migration001: Migration = {
  version: 1,
  name: "core: patients, studies, series, instances",
  up(db) {
    db.exec(`
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
      ) STRICT;
      CREATE INDEX studies_patient ON studies(patient_ref);
      CREATE INDEX studies_date ON studies(study_date, study_time);

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
      CREATE INDEX series_study ON series(study_ref);

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
      CREATE INDEX instances_series ON instances(series_ref);
    `);
  },
};
