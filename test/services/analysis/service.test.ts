// The analysis service on a seeded 2-study phantom (seed "analysis-service-1", preset small)
// imported into a temporary registry, with the tiny ONNX fixtures as models (mechanics only: the
// fixtures are untrained, so the threshold is 0 and every peak becomes a box).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelIntegrityError } from "../../../electron/contract/errors";
import { gridTransform } from "../../../electron/contract/geometry";
import { InferenceEngine } from "../../../electron/inference/engine";
import { openPipelineModels } from "../../../electron/inference/open-models";
import { generateCohort } from "../../../electron/phantom/cohort";
import { Registry } from "../../../electron/registry";
import {
  AnalysisService,
  modelOpener,
  studyResults,
  type AnalysisEvent,
} from "../../../electron/services/analysis/index";
import { loadStudyVolumes, studySeries } from "../../../electron/services/analysis/load";
import { importPaths } from "../../../electron/services/import";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import { dataPaths } from "../../../electron/services/paths";
import { worklist } from "../../../electron/cli/commands/worklist";
import { buildWorker, installTinyModels } from "../../inference/helpers";

const SEED = "analysis-service-1";
export const TINY_CONFIG = {
  detectorSize: 16,
  detectorSpacingMm: 24,
  cropSize: 8,
  mcSamples: 20,
  scoreThreshold: 0,
};

/** Five tiny detectors (one per sequence) and the tiny classifier under dir. */

let dir = "";
let registry: Registry;
let engine: InferenceEngine;
let worker: { path: string; remove: () => void };
let uids: string[] = [];

function newService(): AnalysisService {
  return new AnalysisService({
    registry,
    openModels: () => openPipelineModels(engine, path.join(dir, "models")),
    config: TINY_CONFIG,
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-analysis-"));
  generateCohort({ outDir: path.join(dir, "cohort"), studies: 2, seed: SEED, preset: "small" });
  installTinyModels(path.join(dir, "models"));
  registry = Registry.open(dataPaths(path.join(dir, "db", "registry.sqlite")));
  const report = await importPaths(registry, [path.join(dir, "cohort")], {
    read: readInstance,
    assign: assignStudySequences,
  });
  uids = report.studies.map((s) => s.studyInstanceUid);
  worker = await buildWorker();
  engine = new InferenceEngine({ workerPath: worker.path, providers: ["cpu"] });
});

afterAll(async () => {
  await engine?.close();
  worker?.remove();
  registry?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const jobRow = (id: number) =>
  registry.db
    .prepare("SELECT state, stage, progress, attempts, error FROM jobs WHERE id = ?")
    .get(id) as { state: string; stage: string; progress: number; attempts: number };

describe(`analysis service, phantom seed=${SEED} studies=2, tiny models`, () => {
  it("refuses to start without models, with a message naming the folder", async () => {
    const empty = path.join(dir, "no-models");
    const { engine: e, open } = modelOpener({ root: empty });
    await expect(open()).rejects.toThrow(ModelIntegrityError);
    await expect(open()).rejects.toThrow(/No trained models in .*no-models/);
    await e.close();
  });

  it("takes the detector grid size the detector manifests fix (16 for the fixtures)", async () => {
    const { engine: e, open } = modelOpener({
      root: path.join(dir, "models"),
      workerPath: worker.path,
      providers: ["cpu"],
    });
    try {
      const opened = await open();
      expect(opened.detectorSize).toBe(16);
      const service = new AnalysisService({
        registry,
        openModels: async () => opened,
        config: { scoreThreshold: 0 },
      });
      const { config } = await service.prepared();
      expect(config).toMatchObject({ detectorSize: 16, cropSize: 8, scoreThreshold: 0 });
    } finally {
      await e.close();
    }
  });

  it("queues unanalyzed studies, reports every stage, stores results with provenance", async () => {
    const service = newService();
    const events: AnalysisEvent[] = [];
    service.on((e) => events.push(e));
    const jobs = service.enqueueUnanalyzed();
    expect(jobs).toHaveLength(2);
    expect(await service.processQueue()).toEqual({ done: 2, failed: 0, cancelled: 0 });
    expect(service.enqueueUnanalyzed()).toEqual([]);

    const first = events.filter((e) => e.type !== "queued" && e.jobId === jobs[0]);
    expect(first.map((e) => (e.type === "progress" ? e.stage : e.type))).toEqual([
      "started",
      "load",
      "prepare",
      "localize",
      "fuse",
      "crop",
      "classify",
      "aggregate",
      "save",
      "finished",
    ]);
    expect(jobRow(jobs[0]!)).toMatchObject({ state: "done", progress: 1 });

    const results = studyResults(registry.db);
    expect(results.map((r) => r.studyInstanceUid).sort()).toEqual([...uids].sort());
    // The worklist: most confident first; with --top 50 one of two studies is marked.
    const list = worklist(results, 50);
    expect(list[0]!.confidence!).toBeGreaterThanOrEqual(list[1]!.confidence!);
    expect(list.map((e) => e.flag)).toEqual(["confident", "needs radiologist review"]);
    for (const r of results) {
      expect(r.status).toBe("analyzed");
      expect(Object.keys(r).sort()).toEqual(
        [
          "studyInstanceUid",
          "patientId",
          "status",
          "error",
          "prediction",
          "probabilities",
          "confidence",
          "uncertainty",
          "scores",
          "sequences",
          "rois",
          "model",
          "provider",
          "timings_ms",
          "analyzedAt",
        ].sort(),
      );
      expect(r.provider).toBe("cpu");
      expect(r.model.models).toHaveLength(6);
      expect(r.model.models.every((m) => /^[0-9a-f]{64}$/.test(m.sha256))).toBe(true);
      expect(r.model.config).toMatchObject({ ...TINY_CONFIG, topFraction: 0.48 });
      for (const s of ["load", "prepare", "localize", "fuse", "crop", "classify", "aggregate"]) {
        expect(r.timings_ms[s], s).toBeGreaterThanOrEqual(0);
      }
      expect(r.confidence! + r.uncertainty!).toBeCloseTo(1, 9);
      // Issue 11 §3: the five scores are stored; the tiny classifier has no calibration block,
      // so there is no assessment.
      expect(r.scores!.paper).toBe(r.confidence);
      expect(r.scores!.negMutualInfo).toBeLessThanOrEqual(0);
      expect(r.assessment).toBeUndefined();
      expect(r.rois.length).toBeGreaterThan(0);
      expect(r.rois.map((x) => x.rank)).toEqual(r.rois.map((_, i) => i + 1));

      // Each ROI's box is in the reference series' own pixels: its centre maps to center_mm.
      const series = studySeries(registry, r.studyInstanceUid);
      const loaded = await loadStudyVolumes(registry, series);
      const t = gridTransform(loaded.T1_venous.volume.geometry);
      for (const roi of r.rois) {
        expect(Object.keys(roi)).toEqual(
          expect.arrayContaining([
            "seriesInstanceUid",
            "sequence",
            "sliceIndex",
            "box_px",
            "center_mm",
            "score",
            "probabilities",
          ]),
        );
        expect(roi.seriesInstanceUid).toBe(r.sequences.T1_venous);
        const [x0, y0, x1, y1] = roi.box_px;
        const p = t.indexToPatient([(x0 + x1) / 2, (y0 + y1) / 2, roi.sliceIndex]);
        for (let a = 0; a < 3; a++) expect(p[a]).toBeCloseTo(roi.center_mm[a]!, 1);
        const sum = roi.probabilities.HCC + roi.probabilities.ICC + roi.probabilities.metastasis;
        expect(sum).toBeCloseTo(1, 5);
        expect(roi.mc.samples).toBe(20);
      }
    }
  });

  it("cancels a queued job at once and a running one at the next stage", async () => {
    const service = newService();
    const [queued] = service.enqueue([uids[0]!]);
    expect(service.cancel(queued!)).toBe("cancelled");
    expect(await service.processQueue()).toEqual({ done: 0, failed: 0, cancelled: 0 });

    const before = studyResults(registry.db).find((r) => r.studyInstanceUid === uids[1])!;
    const [running] = service.enqueue([uids[1]!]);
    const finished: AnalysisEvent[] = [];
    service.on((e) => {
      if (e.type === "progress" && e.stage === "localize") service.cancel(running!);
      if (e.type === "finished") finished.push(e);
    });
    expect(await service.processQueue()).toEqual({ done: 0, failed: 0, cancelled: 1 });
    expect(finished).toEqual([
      expect.objectContaining({ state: "cancelled", status: null, analysisId: null }),
    ]);
    // Asked during localize's progress event: the worker stops when fuse ends.
    expect(jobRow(running!)).toMatchObject({ state: "cancelled", stage: "fuse" });
    // Nothing was stored: the latest result is still the earlier one.
    const after = studyResults(registry.db).find((r) => r.studyInstanceUid === uids[1])!;
    expect(after.analyzedAt).toBe(before.analyzedAt);
  });

  it("re-queues a job left running by a killed process and finishes it", async () => {
    const [job] = newService().enqueue([uids[0]!]);
    // What a process killed mid-analysis leaves behind.
    registry.db
      .prepare("UPDATE jobs SET state = 'running', stage = 'classify', progress = 0.6 WHERE id = ?")
      .run(job!);
    const service = newService();
    expect(service.requeued).toBe(1);
    expect(jobRow(job!)).toMatchObject({ state: "queued", attempts: 1 });
    expect(await service.processQueue()).toEqual({ done: 1, failed: 0, cancelled: 0 });
    expect(jobRow(job!)).toMatchObject({ state: "done", progress: 1 });
  });
});
