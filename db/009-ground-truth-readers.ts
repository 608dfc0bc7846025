// v9: a site's ground truth (the final, pathology diagnosis) and its readers' diagnoses, imported
// from files a coordinator fills (issue 16 §1) or edited in the study view. Each file is one row of
// evaluation_imports, so an analytics cohort can be "what came in with that file". Only this
// migration's own tables are created: it runs whatever other migrations ran before it.
import type { Migration } from "./migration";

export const migration009: Migration = {
  version: 9,
  name: "ground truth, reader reads",
  up(db) {
    db.exec(`
      CREATE TABLE evaluation_imports (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('truth', 'readers')),
        file_name TEXT NOT NULL,
        row_count INTEGER NOT NULL CHECK (row_count >= 0),
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;

      -- One final diagnosis per study: a later file or an edit replaces it (the audit log keeps
      -- the previous value). lesions_json holds a phantom's lesion centres for localization.
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
      CREATE INDEX ground_truth_import ON ground_truth(import_ref);

      -- The paper's reader study: each reader's diagnosis and confidence (1-5) per study.
      CREATE TABLE reader_reads (
        id INTEGER PRIMARY KEY,
        study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        reader TEXT NOT NULL,
        diagnosis TEXT NOT NULL CHECK (diagnosis IN ('HCC', 'ICC', 'metastasis')),
        confidence INTEGER NOT NULL CHECK (confidence BETWEEN 1 AND 5),
        import_ref INTEGER NOT NULL REFERENCES evaluation_imports(id) ON DELETE CASCADE,
        UNIQUE (reader, study_ref)
      ) STRICT;
      CREATE INDEX reader_reads_study ON reader_reads(study_ref);
    `);
  },
};
