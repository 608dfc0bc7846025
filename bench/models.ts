// `npm run bench:models`: the shipped models vs the paper-scale classifier (a five-channel
// DenseNet121 with random weights, native-models/training/paper_scale.py) through the same
// pipeline on one phantom study: ms per study (all six stages) and ms per ROI (crop + backbone
// once + dropout/FC head T = 100 times), measured in one run. Prints key=value lines.
// Env: LIVERCAD_MODELS (model root, default native-models/), BENCH_MODELS_PRESET (small | clinical, default clinical), BENCH_MODELS_REPS (default 3).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { SEQUENCES, type SequenceId } from "../electron/contract/domain";
import type { Volume } from "../electron/contract/volume";
import { InferenceEngine } from "../electron/inference/engine";
import { listModelIds, readManifest } from "../electron/inference/model-store";
import { openPipelineModels } from "../electron/inference/open-models";
import { generateCohort, GENERATOR_VERSION } from "../electron/phantom/cohort";
import type { Preset } from "../electron/phantom/protocol";
import { classify } from "../electron/pipeline/classify";
import { resolvePipelineConfig } from "../electron/pipeline/config";
import { runPipeline } from "../electron/pipeline/run";
import {
  loadStudySequences,
  readStudiesIn,
} from "../electron/services/training-export/study-folder";

const REPO = path.resolve(__dirname, "..", "..");
const SHIPPED = path.resolve(process.env.LIVERCAD_MODELS || path.join(REPO, "native-models"));
const PAPER_ID = "classifier-densenet121-paper";
const PRESET = (process.env.BENCH_MODELS_PRESET ?? "clinical") as Preset;
const REPS = Number(process.env.BENCH_MODELS_REPS ?? 3);
const MC_ROIS = 8;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A model root holding the shipped detectors and the paper-scale classifier (symlinks). */
function paperRoot(tmp: string, cropSize: number): string {
  const made = path.join(tmp, "paper-scale");
  if (!fs.existsSync(path.join(made, PAPER_ID, "manifest.json"))) {
    const py = spawnSync(
      "/usr/bin/python3",
      [
        path.join(REPO, "native-models", "training", "paper_scale.py"),
        made,
        "--crop",
        String(cropSize),
      ],
      { encoding: "utf8" },
    );
    if (py.status !== 0) throw new Error(`paper_scale.py failed: ${py.stderr.slice(-2000)}`);
  }
  const root = path.join(tmp, "paper-root");
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root);
  for (const id of listModelIds(SHIPPED)) {
    if (readManifest(SHIPPED, id).manifest.task === "detector") {
      fs.symlinkSync(path.join(SHIPPED, id), path.join(root, id));
    }
  }
  fs.symlinkSync(path.join(made, PAPER_ID), path.join(root, PAPER_ID));
  return root;
}

async function main(): Promise<void> {
  const ids = listModelIds(SHIPPED);
  if (ids.length === 0) throw new Error(`No models in ${SHIPPED}: run npm run train first.`);
  const tmp = path.join(os.tmpdir(), `livercad-bench-models-v${GENERATOR_VERSION}`);
  const cohort = path.join(tmp, `cohort-${PRESET}`);
  if (!fs.existsSync(path.join(cohort, "truth.json"))) {
    fs.rmSync(cohort, { recursive: true, force: true });
    generateCohort({ outDir: cohort, studies: 1, seed: "bench-models", preset: PRESET });
  }
  // The study's own folder: readStudiesIn refuses the cohort's truth.json and phantom.json.
  const folder = fs.readdirSync(cohort, { withFileTypes: true }).find((e) => e.isDirectory())!.name;
  const [study] = await readStudiesIn(path.join(cohort, folder));
  const loaded = await loadStudySequences(study!);
  const volumes = Object.fromEntries(SEQUENCES.map((s) => [s, loaded[s].volume])) as Record<
    SequenceId,
    Volume
  >;
  const config = resolvePipelineConfig();
  const engine = new InferenceEngine({
    workerPath: path.join(__dirname, "..", "inference-worker.cjs"),
    providers: ["cpu"],
  });
  const roots = { shipped: SHIPPED, paper: paperRoot(tmp, config.cropSize) };
  console.log(`study=phantom ${PRESET} seed bench-models, T=${config.mcSamples}, reps=${REPS}`);
  const perStudy: Record<string, number> = {};
  const perRoi: Record<string, number> = {};
  try {
    for (const [name, root] of Object.entries(roots)) {
      const { models, provenance } = await openPipelineModels(engine, root);
      const classifierId = provenance.find((p) => p.task === "classifier")!.id;
      const totals: number[] = [];
      let rois = 0;
      let stages: Record<string, number> = {};
      for (let r = 0; r < REPS + 1; r++) {
        const t0 = performance.now();
        const result = await runPipeline(volumes, models, config);
        if (r === 0) continue; // warm-up: session creation and first-run allocations
        totals.push(performance.now() - t0);
        rois = result.rois.length;
        stages = result.timingsMs;
      }
      // Classifier cost per ROI on fixed crops, so both classifiers see the same ROI count.
      const S = config.cropSize;
      const crops = {
        dims: [MC_ROIS, SEQUENCES.length, S, S],
        data: new Float32Array(MC_ROIS * SEQUENCES.length * S * S).map((_, i) => (i % 97) / 97),
      };
      const mc: number[] = [];
      for (let r = 0; r < REPS; r++) {
        const t0 = performance.now();
        await classify(crops, models.classifier, config);
        mc.push((performance.now() - t0) / MC_ROIS);
      }
      perStudy[name] = median(totals);
      perRoi[name] = median(mc);
      console.log(`${name}.classifier=${classifierId}`);
      console.log(`${name}.ms_per_study=${perStudy[name].toFixed(0)}`);
      console.log(`${name}.rois_per_study=${rois}`);
      for (const [stage, ms] of Object.entries(stages)) {
        console.log(`${name}.stage_ms.${stage}=${ms.toFixed(0)}`);
      }
      console.log(`${name}.ms_per_roi_classify_T${config.mcSamples}=${perRoi[name].toFixed(1)}`);
    }
    console.log(
      `ratio.paper_vs_shipped.ms_per_study=${(perStudy.paper! / perStudy.shipped!).toFixed(2)}`,
    );
    console.log(
      `ratio.paper_vs_shipped.ms_per_roi=${(perRoi.paper! / perRoi.shipped!).toFixed(2)}`,
    );
  } finally {
    await engine.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
