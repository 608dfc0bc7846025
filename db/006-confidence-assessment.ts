// v6: the confidence a nurse can read (issue 11 §3). Each analysis keeps its five candidate
// confidence scores (scores_json: {paper, maxProb, negEntropy, margin, negMutualInfo}) and, when
// the classifier had a calibration, the Assessment (assessment_json, contract/confidence.ts).
// Only adds nullable columns to analyses: old analyses read back without scores or assessment,
// and the step works whatever other migrations ran before it.
import type { Migration } from "./migration";

export const migration006: Migration = {
  version: 6,
  name: "analysis confidence scores and assessment",
  up(db) {
    db.exec(`
      ALTER TABLE analyses ADD COLUMN scores_json TEXT;
      ALTER TABLE analyses ADD COLUMN assessment_json TEXT;
    `);
  },
};
