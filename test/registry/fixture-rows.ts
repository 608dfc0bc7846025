// Registry rows for the tests of the registry's read functions (issue 12 §5): a migrated temp
// registry with studies written as import writes them (helpers.ts batch) and analyses saved through
// saveAnalysis. Synthetic UIDs and names only.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach } from "vitest";
import { MIGRATIONS } from "../../db/index";
import { LESION_CLASSES, SEQUENCES, type LesionClass } from "../../electron/contract/domain";
import type { Assessment } from "../../electron/contract/confidence";
import type { RoiRecord } from "../../electron/contract/analysis";
import { configure, migrate, saveAnalysis, studyRefOf, type Db } from "../../electron/registry";
import { tempDir } from "./helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});

/** A fresh registry file migrated to the newest schema; closed after the test. */
export function freshRegistry(): { db: Db; file: string } {
  const file = path.join(tempDir(), "registry.sqlite");
  const db = new Database(file);
  configure(db);
  open.push(db);
  migrate(db, MIGRATIONS);
  return { db, file };
}

/** Closes `db` after the test (for connections a test opens itself). */
export function closeLater(db: Db): Db {
  open.push(db);
  return db;
}

/** `1.2.826.0.1.3680043.10.1.<study>`, the study UID helpers.ts batch() writes. */
export const studyUid = (study: string) => `1.2.826.0.1.3680043.10.1.${study}`;

const even = Object.fromEntries(LESION_CLASSES.map((c) => [c, 1 / 3])) as Record<
  LesionClass,
  number
>;

export const ASSESSMENT: Assessment = {
  calibratedProbabilities: even,
  probCorrect: 0.5,
  band: "low",
  closeCall: true,
  predictionSet: ["HCC", "ICC"],
  coverage: 0.9,
  rankScore: 0.5,
  rankScoreName: "probCorrect",
};

/** Saves an analysis of `study` with `rois` ROIs on series `<study>.1`; returns its id. */
export function analyze(
  db: Db,
  study: string,
  opts: {
    rois?: number;
    parameters?: unknown;
    assessment?: Assessment | null;
    /** Per ROI, a rejection output's reading (a classifier with "not a lesion"). */
    reject?: RoiRecord["reject"][];
  } = {},
): number {
  const uid = studyUid(study);
  const rois: RoiRecord[] = Array.from({ length: opts.rois ?? 0 }, (_, k) => ({
    seriesInstanceUid: `${uid}.1`,
    sequence: "T1_venous",
    sliceIndex: k,
    box_px: [1, 1, 9, 9],
    center_mm: [0, 0, 0],
    score: 0.9,
    probabilities: even,
    rank: k + 1,
    mc: { variance: 0.1, samples: 10, classVariances: even },
    ...(opts.reject?.[k] ? { reject: opts.reject[k] } : {}),
  }));
  return saveAnalysis(db, {
    studyRef: studyRefOf(db, uid),
    jobId: null,
    status: rois.length > 0 ? "analyzed" : "no-roi",
    error: null,
    prediction: rois.length > 0 ? "HCC" : null,
    probabilities: rois.length > 0 ? even : null,
    confidence: rois.length > 0 ? 0.5 : null,
    uncertainty: rois.length > 0 ? 0.1 : null,
    assessment: opts.assessment ?? null,
    classVariances: rois.length > 0 ? even : null,
    samples: rois.length > 0 ? 10 : null,
    sequences: Object.fromEntries(SEQUENCES.map((q) => [q, null])) as Record<
      (typeof SEQUENCES)[number],
      string | null
    >,
    models: [],
    provider: "test",
    parameters: opts.parameters ?? { test: true },
    timingsMs: {},
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    rois,
  });
}
