// The end-to-end fixture: a phantom cohort named by its seed (STYLE.md 11) generated and imported
// with the real `livercad` commands into a fresh data directory, then analysis rows written for
// each study.
//
// Where trained models are shipped (native-models/<id>/manifest.json), the analyses come from the
// real pipeline: `livercad analyze`. Otherwise, FIXTURE VALUES, NOT MODEL OUTPUT: without trained
// models no analysis can come from the real pipeline. The rows below go through the registry's own save-analysis API
// (the one the pipeline uses) and are labelled as fixtures in the registry itself (model id
// "e2e-fixture-no-model", provider "fixture (no inference run)"); their ROI is the phantom's
// ground-truth lesion box on the portal-venous series, and their confidences are set so that the
// slider's cut is known in advance.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  DEFAULT_BANDS,
  assess,
  confidenceScores,
  type Calibration,
} from "../../electron/contract/calibration";
import type { Assessment } from "../../electron/contract/confidence";
import type { LesionClass, SequenceId } from "../../electron/contract/domain";
import { LESION_CLASSES, SEQUENCES } from "../../electron/contract/domain";
import { gridTransform } from "../../electron/contract/geometry";
import { loadSeries } from "../../electron/dicom/load-series";
import {
  getStudy,
  instanceFilesOfSeries,
  Registry,
  studyRefOf,
} from "../../electron/registry/index";
import { saveAnalysis, studyResults } from "../../electron/services/analysis/index";
import { writeCalibration } from "../../electron/inference/calibration-store";
import { ManagedStore } from "../../electron/services/import/index";
import { dataPaths } from "../../electron/services/paths";

export const COHORT = { studies: 4, seed: 20260611, preset: "small" } as const;
// Tests and benches run from the repository root (npm scripts).
const ROOT = process.cwd();
const CLI = path.join(ROOT, "bin", "livercad.cjs");

export interface FixtureStudy {
  studyInstanceUid: string;
  /** The latest analysis' status (analyzed, no-roi, incomplete, error). */
  status: string;
  /** The stored prediction; null when the analysis found no lesion. */
  label: LesionClass | null;
  confidence: number | null;
  /** The stored calibrated reading (issue 11 §3), under FIXTURE_CALIBRATION. */
  assessment: Assessment | null;
  /** The rank-1 ROI as stored, or null. */
  roi: {
    seriesInstanceUid: string;
    sequence: SequenceId;
    sliceIndex: number;
    box: [number, number, number, number];
  } | null;
}

export interface Fixture {
  dir: string;
  dbFile: string;
  /** "pipeline": `livercad analyze` with the shipped models; "fixture": labelled fixture rows. */
  analyses: "pipeline" | "fixture";
  studies: FixtureStudy[];
}

/** Trained models are shipped when native-models/ holds model folders with a manifest. */
export function modelsShipped(root = path.join(ROOT, "native-models")): boolean {
  if (process.env.LIVERCAD_E2E_FIXTURE_ANALYSES === "1" || !fs.existsSync(root)) return false;
  return fs.readdirSync(root).some((d) => fs.existsSync(path.join(root, d, "manifest.json")));
}

interface Truth {
  studies: {
    studyInstanceUid: string;
    label: LesionClass;
    series: Record<string, string>;
    boxes: { seriesInstanceUid: string; sopInstanceUid: string; box_px: number[] }[];
  }[];
}

function livercad(args: string[]): void {
  execFileSync(process.execPath, [CLI, ...args], { stdio: "pipe", env: process.env });
}

/** Distinct, known confidences: study i gets 0.99 - 0.013 i (all within the MC range 0.75-1). */
export function fixtureConfidence(i: number): number {
  return Number((0.99 - 0.013 * i).toFixed(4));
}

/**
 * The calibration block the fixture's classifier carries (a fixture, not fitted: issue 11 §3's
 * display and storage are under test, not the fit). It ranks by the paper's score so that the
 * worklist's order stays the paper confidence's that the slider tests check.
 */
export const FIXTURE_CALIBRATION: Calibration = {
  temperature: 0.5,
  rankScore: "paper",
  aurc: { paper: null, maxProb: null, negEntropy: null, margin: null, negMutualInfo: null },
  ece: { bins: 15, before: null, after: null },
  conformal: { method: "APS", coverage: 0.9, qhat: 0.95, calibrationSize: 0 },
  bands: {
    ...DEFAULT_BANDS,
    accuracy: { high: null, medium: null, low: null },
    count: { high: 0, medium: 0, low: 0 },
  },
  closeCallMargin: 0.1,
  provenance: {
    cohort: "test/e2e/fixture.ts (fixture calibration, not fitted)",
    studies: 0,
    fitted: 0,
    truthSha256: "0".repeat(64),
    resultsDate: null,
    appVersion: "0.1.0",
  },
};

export async function buildFixture(): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-e2e-"));
  const cohort = path.join(dir, "cohort");
  const dbFile = path.join(dir, "data", "registry.sqlite");
  livercad([
    "phantom",
    "--out",
    cohort,
    "--studies",
    String(COHORT.studies),
    "--seed",
    String(COHORT.seed),
    "--preset",
    COHORT.preset,
  ]);
  livercad(["import", cohort, "--db", dbFile]);
  if (modelsShipped()) {
    // The real pipeline with the shipped models, their classifier given the fixture calibration
    // (in a copy: the ONNX files stay byte-identical); the tests read what it stored.
    const models = path.join(dir, "models");
    for (const id of fs.readdirSync(path.join(ROOT, "native-models"))) {
      if (fs.existsSync(path.join(ROOT, "native-models", id, "manifest.json"))) {
        fs.cpSync(path.join(ROOT, "native-models", id), path.join(models, id), { recursive: true });
      }
    }
    writeCalibration(models, FIXTURE_CALIBRATION);
    livercad(["analyze", "--db", dbFile, "--models", models]);
    const registry = Registry.open(dataPaths(dbFile));
    try {
      const studies = studyResults(registry.db).map((r): FixtureStudy => {
        const top = r.rois.find((x) => x.rank === 1) ?? null;
        return {
          studyInstanceUid: r.studyInstanceUid,
          status: r.status,
          label: r.prediction,
          confidence: r.status === "analyzed" ? r.confidence : null,
          assessment: r.status === "analyzed" ? (r.assessment ?? null) : null,
          roi: top && {
            seriesInstanceUid: top.seriesInstanceUid,
            sequence: top.sequence,
            sliceIndex: top.sliceIndex,
            box: top.box_px,
          },
        };
      });
      return { dir, dbFile, analyses: "pipeline", studies };
    } finally {
      registry.close();
    }
  }
  const truth = JSON.parse(fs.readFileSync(path.join(cohort, "truth.json"), "utf8")) as Truth;
  const registry = Registry.open(dataPaths(dbFile));
  const store = new ManagedStore(registry.paths.store);
  const studies: FixtureStudy[] = [];
  try {
    for (const [i, t] of truth.studies.entries()) {
      const venous = t.series.T1_venous!;
      const files = instanceFilesOfSeries(registry.db, venous).map((p) => store.absolute(p));
      const loaded = await loadSeries(files);
      // The key slice: the portal-venous slice where the ground-truth box is largest.
      let best: { sliceIndex: number; box: [number, number, number, number] } | null = null;
      let bestArea = -1;
      for (const b of t.boxes.filter((x) => x.seriesInstanceUid === venous)) {
        const k = loaded.sopInstanceUids.indexOf(b.sopInstanceUid);
        const [x0, y0, x1, y1] = b.box_px as [number, number, number, number];
        const area = (x1 - x0) * (y1 - y0);
        if (k >= 0 && area > bestArea) {
          bestArea = area;
          best = { sliceIndex: k, box: [x0, y0, x1, y1] };
        }
      }
      if (!best) throw new Error(`Phantom study ${t.studyInstanceUid} has no venous truth box.`);
      const confidence = fixtureConfidence(i);
      const center = gridTransform(loaded.volume.geometry).indexToPatient([
        (best.box[0] + best.box[2]) / 2,
        (best.box[1] + best.box[3]) / 2,
        best.sliceIndex,
      ]);
      const assessment = writeFixtureAnalysis(
        registry,
        t.studyInstanceUid,
        t.label,
        confidence,
        venous,
        best,
        center,
        i,
      );
      studies.push({
        studyInstanceUid: t.studyInstanceUid,
        status: "analyzed",
        label: t.label,
        confidence,
        assessment,
        roi: { seriesInstanceUid: venous, sequence: "T1_venous", ...best },
      });
    }
  } finally {
    registry.close();
  }
  return { dir, dbFile, analyses: "fixture", studies };
}

/** Stores the fixture analysis through the registry API the pipeline uses (saveAnalysis). */
function writeFixtureAnalysis(
  registry: Registry,
  studyUid: string,
  label: LesionClass,
  confidence: number,
  seriesUid: string,
  roi: { sliceIndex: number; box: [number, number, number, number] },
  center: [number, number, number],
  i: number,
): Assessment {
  // Study i's call is 0.8 - 0.12 i likely (0.8, 0.68, 0.56, 0.46 ...): under the fixture's
  // T = 0.5 that is 97% (high), 89% and 71% (medium), 51% (low, a close call against 47%).
  const top = Math.max(0.46, 0.8 - 0.12 * i);
  const probabilities = Object.fromEntries(
    LESION_CLASSES.map((c, k) => [
      c,
      c === label ? top : k === (LESION_CLASSES.indexOf(label) + 1) % 3 ? 0.9 - top : 0.1,
    ]),
  ) as Record<LesionClass, number>;
  const scores = confidenceScores(probabilities, confidence, 0.01);
  const assessment = assess(probabilities, scores, FIXTURE_CALIBRATION);
  const uncertainty = Number((1 - confidence).toFixed(6));
  const classVariances = Object.fromEntries(LESION_CLASSES.map((c) => [c, uncertainty])) as Record<
    LesionClass,
    number
  >;
  const study = getStudy(registry.db, studyUid)!;
  const now = new Date().toISOString();
  saveAnalysis(registry.db, {
    studyRef: studyRefOf(registry.db, studyUid),
    jobId: null,
    status: "analyzed",
    error: null,
    prediction: label,
    probabilities,
    confidence,
    uncertainty,
    scores,
    assessment,
    classVariances,
    samples: 100,
    sequences: Object.fromEntries(
      SEQUENCES.map((q) => [q, study.sequences[q]?.seriesInstanceUid ?? null]),
    ) as Record<SequenceId, string | null>,
    models: [
      {
        id: "e2e-fixture-no-model",
        version: "0",
        task: "classifier",
        sha256: "0".repeat(64),
        files: [],
        provider: "fixture (no inference run)",
      },
    ],
    provider: "fixture (no inference run)",
    parameters: { fixture: "test/e2e/fixture.ts" },
    timingsMs: { total: 0 },
    startedAt: now,
    finishedAt: now,
    rois: [
      {
        seriesInstanceUid: seriesUid,
        sequence: "T1_venous",
        sliceIndex: roi.sliceIndex,
        box_px: roi.box,
        center_mm: center,
        score: 0.9,
        probabilities,
        rank: 1,
        mc: { variance: uncertainty, samples: 100, classVariances },
      },
    ],
  });
  return assessment;
}
