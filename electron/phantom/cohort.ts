// The cohort service: plans a cohort, renders and writes every study as DICOM Part 10 files (one
// folder per patient, one sub-folder per series), writes DIR/truth.json and DIR/phantom.json (the
// options that made it, so callers can tell whether an existing cohort is the one they want) and
// returns a summary. The CLI's `phantom` and `demo` commands are thin shells over this.
import fs from "node:fs";
import path from "node:path";
import type { LesionClass } from "../contract/domain";
import { SeriesWriter } from "./dicom-writer";
import type { SeriesPlan } from "./geometry";
import { planCohort, type StudyPlan } from "./plan";
import type { Preset } from "./protocol";
import { renderSlice } from "./render";
import { buildScene } from "./scene";
import { studyTruth, type Truth } from "./truth";

export const GENERATOR_VERSION = "1";

export interface CohortOptions {
  outDir: string;
  studies: number;
  seed: string;
  preset: Preset;
  /** Called after each study is written (progress reporting). */
  onStudy?: (done: number, total: number, study: StudyPlan) => void;
  /**
   * Write only the studies with index % count === index, and no truth.json / phantom.json: one
   * of `count` parallel processes (`livercad phantom --jobs`). Every study depends only on the
   * seed, its index and the study count, so sharding does not change a byte.
   */
  shard?: { index: number; count: number };
}

export interface CohortSummary {
  outDir: string;
  seed: string;
  preset: Preset;
  studies: number;
  classes: Record<LesionClass, number>;
  cirrhosis: number;
  seriesPerStudy: number;
  files: number;
  bytes: number;
  seconds: number;
}

export interface CohortManifest {
  generator: string;
  version: string;
  seed: string;
  studies: number;
  preset: Preset;
}

export function seriesFolder(series: SeriesPlan): string {
  return `S${String(series.seriesNumber).padStart(3, "0")}_${series.kind}`;
}

export function instanceFile(k: number): string {
  return `IM${String(k + 1).padStart(4, "0")}.dcm`;
}

/** Renders and writes one study; returns [files, bytes]. */
export function writeStudy(outDir: string, study: StudyPlan): [number, number] {
  const scene = buildScene(study);
  let files = 0;
  let bytes = 0;
  for (const series of study.series) {
    const dir = path.join(outDir, study.patientId, seriesFolder(series));
    fs.mkdirSync(dir, { recursive: true });
    const writer = new SeriesWriter(study, series);
    for (let k = 0; k < series.slices.length; k++) {
      const data = writer.write(k, renderSlice(scene, series, k));
      fs.writeFileSync(path.join(dir, instanceFile(k)), data);
      files++;
      bytes += data.byteLength;
    }
  }
  return [files, bytes];
}

export function readManifest(outDir: string): CohortManifest | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, "phantom.json"), "utf8")) as CohortManifest;
  } catch {
    return null;
  }
}

function summarize(
  opts: CohortOptions,
  plans: StudyPlan[],
  files: number,
  bytes: number,
  start: bigint,
): CohortSummary {
  const classes: Record<LesionClass, number> = { HCC: 0, ICC: 0, metastasis: 0 };
  for (const p of plans) classes[p.label]++;
  return {
    outDir: opts.outDir,
    seed: opts.seed,
    preset: opts.preset,
    studies: plans.length,
    classes,
    cirrhosis: plans.filter((p) => p.cirrhosis).length,
    seriesPerStudy: plans[0]?.series.length ?? 0,
    files,
    bytes,
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
  };
}

/** Writes DIR/truth.json and DIR/phantom.json (plans only, no pixels); files/bytes are 0. */
export function writeCohortIndex(opts: CohortOptions): CohortSummary {
  const start = process.hrtime.bigint();
  const plans = planCohort({ seed: opts.seed, studies: opts.studies, preset: opts.preset });
  fs.mkdirSync(opts.outDir, { recursive: true });
  const truth: Truth = { studies: plans.map(studyTruth) };
  fs.writeFileSync(path.join(opts.outDir, "truth.json"), `${JSON.stringify(truth)}\n`);
  const manifest: CohortManifest = {
    generator: "livercad phantom",
    version: GENERATOR_VERSION,
    seed: opts.seed,
    studies: opts.studies,
    preset: opts.preset,
  };
  fs.writeFileSync(
    path.join(opts.outDir, "phantom.json"),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  return summarize(opts, plans, 0, 0, start);
}

export function generateCohort(opts: CohortOptions): CohortSummary {
  const start = process.hrtime.bigint();
  const plans = planCohort({ seed: opts.seed, studies: opts.studies, preset: opts.preset });
  fs.mkdirSync(opts.outDir, { recursive: true });
  const shard = opts.shard ?? { index: 0, count: 1 };
  const mine = plans.filter((_, i) => i % shard.count === shard.index);
  let files = 0;
  let bytes = 0;
  mine.forEach((study, i) => {
    const [f, b] = writeStudy(opts.outDir, study);
    files += f;
    bytes += b;
    opts.onStudy?.(i + 1, mine.length, study);
  });
  if (!opts.shard) writeCohortIndex(opts);
  return summarize(opts, mine, files, bytes, start);
}
