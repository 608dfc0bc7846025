// `npm run bench:pipeline`: one clinical-preset phantom study through the CAD pipeline, as the
// analysis service runs it after import (load from the store, six stages, save), per-stage ms,
// then the Monte-Carlo cost: T=100 split (backbone once, dropout + FC T times) and T=100 naive
// full passes, both against one deterministic pass on the same crops. The last line holds every
// key=value. Models: native-models/ (or $LIVERCAD_MODELS) when it holds models, else the tiny
// test fixtures, and the output says which.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { listModelIds } from "../electron/inference/model-store";
import { generateCohort, GENERATOR_VERSION, readManifest } from "../electron/phantom/cohort";
import { classify } from "../electron/pipeline/classify";
import { crop } from "../electron/pipeline/crop";
import { prepare } from "../electron/pipeline/prepare";
import type { Roi } from "../electron/pipeline/types";
import { studyResults } from "../electron/services/analysis/index";
import { loadStudyVolumes, studySeries } from "../electron/services/analysis/load";
import { importPaths } from "../electron/services/import";
import { assignStudySequences, readInstance } from "../electron/services/import/defaults";
import { openServices } from "../electron/services/compose";
import { installTinyModels, TINY_MODEL_CONFIG } from "../test/fixtures/models/tiny-models";

const REPO = path.resolve(__dirname, "..", "..");
const SEED = process.env.BENCH_SEED ?? "bench-pipeline";
const T = 100;
const MC_ROIS = 8;

function hwmMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Median ms of each function, run alternately after one warm-up call each: the first call with a
 * new shape grows onnxruntime's memory arena, and alternating spreads the drift of a shared
 * machine over both sides of a ratio instead of charging it to whichever ran second.
 */
async function medians(reps: number, fns: (() => Promise<unknown>)[]): Promise<number[]> {
  const times = fns.map(() => [] as number[]);
  for (const fn of fns) await fn();
  for (let i = 0; i < reps; i++) {
    for (const [k, fn] of fns.entries()) {
      const t0 = performance.now();
      await fn();
      times[k]!.push(performance.now() - t0);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
}

async function median(reps: number, fn: () => Promise<unknown>): Promise<number> {
  return (await medians(reps, [fn]))[0]!;
}

async function main(): Promise<void> {
  const tmp = path.join(os.tmpdir(), `livercad-bench-pipeline-v${GENERATOR_VERSION}`);
  const cohort = path.join(tmp, "cohort");
  const m = readManifest(cohort);
  if (!m || m.seed !== SEED || m.studies !== 1 || m.preset !== "clinical") {
    fs.rmSync(cohort, { recursive: true, force: true });
    generateCohort({ outDir: cohort, studies: 1, seed: SEED, preset: "clinical" });
  }
  const envRoot = process.env.LIVERCAD_MODELS;
  const shipped = path.resolve(
    envRoot && envRoot.length > 0 ? envRoot : path.join(REPO, "native-models"),
  );
  let root = shipped;
  let overrides = {};
  if (listModelIds(shipped).length === 0) {
    root = path.join(tmp, "tiny-models");
    fs.rmSync(root, { recursive: true, force: true });
    installTinyModels(root, path.join(REPO, "test", "fixtures", "models"));
    overrides = TINY_MODEL_CONFIG;
    console.log(`models: no trained models in ${shipped}; using the tiny test fixtures (${root})`);
  } else {
    console.log(`models: ${shipped}`);
  }

  const home = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-bench-pipeline-db-"));
  const services = openServices({
    dbFile: path.join(home, "registry.sqlite"),
    // As before this bench: the folder is opened without the pins or the site-model check (the
    // tiny fixtures are neither); the measured stages are the app's.
    models: {
      root,
      workerPath: path.join(__dirname, "..", "inference-worker.cjs"),
      unchecked: true,
    },
    analysis: { config: overrides },
  });
  const { registry, analysis: service } = services;
  const engine = services.models.engine;
  try {
    await importPaths(registry, [cohort], { read: readInstance, assign: assignStudySequences });
    const { opened, config } = await service.prepared();
    console.log(
      `  ${opened.provenance.map((p) => `${p.id}@${p.version}`).join(", ")} on ${opened.provenance[0]?.provider}`,
    );
    const stages: [string, number][] = [];
    service.on((e) => {
      if (e.type === "progress") stages.push([e.stage, e.ms]);
    });
    service.enqueueUnanalyzed();
    const t0 = performance.now();
    const summary = await service.processQueue();
    const studySeconds = (performance.now() - t0) / 1000;
    if (summary.done !== 1)
      throw new Error(`the analysis did not finish: ${JSON.stringify(summary)}`);
    const result = studyResults(registry.db)[0]!;
    console.log(
      `study: ${result.status}, ${result.rois.length} ROIs, prediction ${result.prediction}`,
    );
    for (const [stage, ms] of stages) console.log(`  ${stage.padEnd(10)} ${ms.toFixed(1)} ms`);

    // Monte-Carlo cost on MC_ROIS crops of this study (the ROIs found, repeated if fewer).
    const uid = result.studyInstanceUid;
    const loaded = await loadStudyVolumes(registry, studySeries(registry, uid));
    const vols = Object.fromEntries(Object.entries(loaded).map(([k, v]) => [k, v.volume]));
    const prepared = prepare(vols as Parameters<typeof prepare>[0], config);
    const base: Roi[] = result.rois.map((r, i) => ({
      sliceIndex: r.sliceIndex,
      cx: 0,
      cy: 0,
      centerMm: r.center_mm,
      w: 0,
      h: 0,
      widthMm: 30,
      heightMm: 30,
      score: r.score,
      votes: 1,
      sequences: [],
      rank: i + 1,
    }));
    if (base.length === 0) throw new Error("no ROI to classify");
    const rois = Array.from({ length: MC_ROIS }, (_, i) => base[i % base.length]!);
    const c = opened.models.classifier;
    const crops = crop(rois, prepared.normalized, prepared.reference, c.channels, config);
    const features = await c.backbone(crops);
    const F = features.dims[1]!;
    const ones = { dims: [MC_ROIS, F], data: new Float32Array(MC_ROIS * F).fill(1) };
    const [oneMs, splitMs] = (await medians(21, [
      async () => c.head(await c.backbone(crops), ones),
      () => classify(crops, c, { ...config, mcSamples: T }),
    ])) as [number, number];
    const mask = { dims: [MC_ROIS, F], data: new Float32Array(MC_ROIS * F).fill(1.25) };
    const naiveMs = await median(3, async () => {
      for (let t = 0; t < T; t++) await c.head(await c.backbone(crops), mask);
    });
    console.log(
      `MC on ${MC_ROIS} ROIs: one pass ${oneMs.toFixed(2)} ms, T=${T} split ${splitMs.toFixed(2)} ms, ` +
        `T=${T} full passes ${naiveMs.toFixed(1)} ms`,
    );
    const peak = process.resourceUsage().maxRSS / 1024 + hwmMb(engine.pid);
    const kv = {
      models: root === shipped ? "shipped" : "tiny-fixtures",
      provider: result.provider,
      rois: result.rois.length,
      ...Object.fromEntries(stages.map(([s, ms]) => [`${s}_ms`, ms.toFixed(1)])),
      mc_overhead_ratio: (splitMs / oneMs).toFixed(2),
      mc_naive_ratio: (naiveMs / oneMs).toFixed(1),
      study_seconds: studySeconds.toFixed(2),
      peak_rss_mb: peak.toFixed(0),
    };
    console.log(
      Object.entries(kv)
        .map(([k, v]) => `${k}=${v}`)
        .join(" "),
    );
  } finally {
    await services.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
