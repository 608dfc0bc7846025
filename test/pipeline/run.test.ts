import { describe, expect, it } from "vitest";
import { SEQUENCES, type SequenceId, type Vec3 } from "../../electron/contract/domain";
import { UsageError } from "../../electron/contract/errors";
import { resolvePipelineConfig } from "../../electron/pipeline/config";
import type { StudyVolumes } from "../../electron/pipeline/prepare";
import { runPipeline, STAGES, type PipelineModels } from "../../electron/pipeline/run";
import type { DetectorOutput, Tensor } from "../../electron/pipeline/types";
import { fillVolume, makeGeometry, rotatedAxes } from "../dicom/geometry-fixtures";

const LESION: Vec3 = [4, -6, 0];

/** Phantom study "blob-v1": a Gaussian lesion (sigma 4 mm) at LESION in all five series. */
function study(): StudyVolumes {
  const out = {} as StudyVolumes;
  SEQUENCES.forEach((s, n) => {
    const g = makeGeometry({
      columns: 32,
      rows: 30,
      ...(s === "T2" ? rotatedAxes(0.1, 0, 0) : rotatedAxes(0, 0, 0)),
      columnSpacing: 2 + 0.1 * n,
      rowSpacing: 2 + 0.1 * n,
      origin: [-31, -30, -10],
      sliceOffsets: [0, 5, 10, 15, 20],
      sliceThickness: 5,
    });
    out[s] = fillVolume(g, (p) => {
      const d2 = (p[0] - LESION[0]) ** 2 + (p[1] - LESION[1]) ** 2 + (p[2] - LESION[2]) ** 2;
      return 1000 * (n + 1) * Math.exp(-d2 / 32) + 0.1 * p[0] + 40;
    });
  });
  return out;
}

/** A stand-in CenterNet (stride 1): one peak at the brightest pixel of channel 0 if it is > 0.8. */
function fakeDetector(found: { calls: number }) {
  return async (input: Tensor): Promise<DetectorOutput> => {
    found.calls++;
    const [n = 0, c = 0, h = 0, w = 0] = input.dims;
    const hm = new Float32Array(n * h * w);
    const size = new Float32Array(n * 2 * h * w);
    for (let b = 0; b < n; b++) {
      const img = input.data.subarray(b * c * h * w, b * c * h * w + h * w);
      let at = 0;
      for (let p = 1; p < img.length; p++) if (img[p]! > img[at]!) at = p;
      if (img[at]! > 0.8) {
        hm[b * h * w + at] = 0.9;
        size[b * 2 * h * w + at] = 4;
        size[b * 2 * h * w + h * w + at] = 4;
      }
    }
    return { heatmap: { dims: [n, 1, h, w], data: hm }, size: { dims: [n, 2, h, w], data: size } };
  };
}

// high = 100: the lesion's peak alone maps to 1, so the stand-in detector sees one maximum.
const config = resolvePipelineConfig({
  detectorSize: 40,
  detectorSpacingMm: 2,
  cropSize: 16,
  mcSamples: 30,
  normalization: { kind: "percentile", low: 1, high: 100 },
});

function models(
  detect: (input: Tensor) => Promise<DetectorOutput>,
  seen: { backbone: number },
): PipelineModels {
  const detectors = {} as PipelineModels["detectors"];
  for (const s of SEQUENCES) {
    detectors[s] = {
      run: detect,
      decoding: { outputStride: 1, heatmapActivation: "none" },
      channels: s === "T2" ? ["T2"] : [s, "T2"],
      normalization: config.normalization,
    };
  }
  return {
    detectors,
    classifier: {
      classes: ["ICC", "HCC", "metastasis"],
      channels: [...SEQUENCES],
      cropSize: 16,
      normalization: config.normalization,
      backbone: async (crops) => {
        seen.backbone++;
        return { dims: [crops.dims[0]!, 2], data: new Float32Array(crops.dims[0]! * 2).fill(1) };
      },
      // logits = [0, 2 * f0 * m0, f1 * m1]: ICC 0, HCC around 2, metastasis around 1.
      head: async (f, m) => {
        const rows = f.dims[0]!;
        const out = new Float32Array(rows * 3);
        for (let i = 0; i < rows; i++) {
          out[i * 3 + 1] = 2 * f.data[i * 2]! * m.data[i * 2]!;
          out[i * 3 + 2] = f.data[i * 2 + 1]! * m.data[i * 2 + 1]!;
        }
        return { dims: [rows, 3], data: out };
      },
    },
  };
}

describe("runPipeline", () => {
  it("finds the phantom lesion, classifies it and records config, counts and timings", async () => {
    const calls = { calls: 0 };
    const seen = { backbone: 0 };
    const stages: string[] = [];
    const res = await runPipeline(study(), models(fakeDetector(calls), seen), config, {
      onStage: (s) => stages.push(s),
    });
    expect(stages).toEqual([...STAGES]);
    expect(Object.keys(res.timingsMs).sort()).toEqual([...STAGES].sort());
    expect(res.config).toEqual(config);
    // 5 slices per series, batches of 8: one call per detector.
    expect(calls.calls).toBe(5);
    for (const s of SEQUENCES)
      expect(res.boxesPerSequence[s as SequenceId]).toBeGreaterThanOrEqual(1);
    expect(res.rois.length).toBeGreaterThanOrEqual(1);
    const top = res.rois[0]!;
    expect(top.rank).toBe(1);
    expect(top.votes).toBeGreaterThanOrEqual(4);
    const dist = Math.hypot(...top.centerMm.map((v, i) => v - LESION[i]!));
    expect(dist).toBeLessThan(4);
    expect(res.outcome.status).toBe("analyzed");
    if (res.outcome.status !== "analyzed") return;
    expect(res.outcome.prediction).toBe("HCC");
    expect(res.outcome.uncertainty).toBeGreaterThan(0);
    expect(top.probabilities.HCC).toBeGreaterThan(top.probabilities.metastasis);
    expect(seen.backbone).toBe(1);
  });

  it("reads a rejection output: a rejected ROI leaves the study's mean and goes last", async () => {
    const plain = models(fakeDetector({ calls: 0 }), { backbone: 0 });
    // The same head with a fourth column, "none" (logit `none` for every ROI).
    const withReject = (none: number): PipelineModels => {
      const m = models(fakeDetector({ calls: 0 }), { backbone: 0 });
      const head3 = m.classifier.head;
      m.classifier.rejectIndex = 3;
      m.classifier.head = async (f, mask) => {
        const three = await head3(f, mask);
        const rows = three.dims[0]!;
        const out = new Float32Array(rows * 4);
        for (let i = 0; i < rows; i++) {
          out.set(three.data.subarray(i * 3, i * 3 + 3), i * 4);
          out[i * 4 + 3] = none;
        }
        return { dims: [rows, 4], data: out };
      };
      return m;
    };
    const base = await runPipeline(study(), plain, config);
    // "none" never wins: the lesion classes are exactly the plain model's, no ROI rejected.
    const kept = await runPipeline(study(), withReject(-20), config);
    expect(kept.outcome).toEqual(base.outcome);
    expect(kept.rois.every((r) => r.rejected === false)).toBe(true);
    expect(kept.rois[0]!.classification.rejectProbability).toBeLessThan(1e-6);
    // "none" always wins: every ROI reaches the threshold, so the least rejected one (the first
    // in fusion order, all being equal) stays and carries the study alone, first in the list.
    const gone = await runPipeline(study(), withReject(20), config);
    expect(gone.outcome.status).toBe("analyzed");
    expect(gone.rois.filter((r) => !r.rejected)).toHaveLength(1);
    expect(gone.rois[0]!.rejected).toBe(false);
    expect(gone.rois.map((r) => r.rank)).toEqual(gone.rois.map((_, i) => i + 1));
    if (gone.outcome.status !== "analyzed") return;
    expect(gone.outcome.probabilities.HCC).toBeCloseTo(gone.rois[0]!.probabilities.HCC, 12);
    // A manifest naming a rejection output on a head without one is refused, not read as NaN.
    const wrong = models(fakeDetector({ calls: 0 }), { backbone: 0 });
    wrong.classifier.rejectIndex = 2;
    await expect(runPipeline(study(), wrong, config)).rejects.toThrow(
      "The classifier's head gives 3 outputs per ROI, its manifest names 4 (classes).",
    );
  });

  it("reports no-roi, without calling the classifier, when no detector fires", async () => {
    const seen = { backbone: 0 };
    const silent = async (input: Tensor): Promise<DetectorOutput> => {
      const [n = 0, , h = 0, w = 0] = input.dims;
      const z = (c: number): Tensor => ({
        dims: [n, c, h, w],
        data: new Float32Array(n * c * h * w),
      });
      return { heatmap: z(1), size: z(2) };
    };
    const res = await runPipeline(study(), models(silent, seen), config);
    expect(res.outcome).toEqual({ status: "no-roi" });
    expect(res.rois).toEqual([]);
    expect(seen.backbone).toBe(0);
  });

  it("refuses models trained on another normalization or crop size", async () => {
    const m = models(fakeDetector({ calls: 0 }), { backbone: 0 });
    m.classifier.cropSize = 32;
    m.detectors.DWI.normalization = { kind: "percentile", low: 0.5, high: 99.5 };
    const err = await runPipeline(study(), m, config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(String(err)).toMatch(
      /DWI detector was trained with .*0\.5.*classifier takes 32-pixel crops/,
    );
  });
});
