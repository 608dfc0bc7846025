import { describe, expect, it } from "vitest";
import { DEFAULT_BANDS, type Calibration } from "../../electron/contract/calibration";
import { aggregate } from "../../electron/pipeline/aggregate";
import { classify, summarizeSamples } from "../../electron/pipeline/classify";
import { dropoutMasks, seededRandom } from "../../electron/pipeline/random";
import { rejectedRois } from "../../electron/pipeline/run";
import type { RoiClassification, Tensor } from "../../electron/pipeline/types";

const roi = (mean: number[], variance: number, mutualInformation = 0): RoiClassification => ({
  meanProbabilities: mean,
  classVariances: mean.map(() => variance),
  variance,
  mutualInformation,
  samples: 100,
});

describe("aggregate", () => {
  it("averages ROI probabilities and variances, in the model's class order (worked by hand)", () => {
    // Model order: metastasis, HCC, ICC.
    const rois = [roi([0.1, 0.6, 0.3], 0.02), roi([0.3, 0.4, 0.3], 0.04)];
    const out = aggregate(rois, ["metastasis", "HCC", "ICC"]);
    if (out.status !== "analyzed") throw new Error("expected analyzed");
    // HCC (0.6 + 0.4) / 2 = 0.5; ICC (0.3 + 0.3) / 2 = 0.3; metastasis (0.1 + 0.3) / 2 = 0.2.
    expect(out.probabilities.HCC).toBeCloseTo(0.5, 12);
    expect(out.probabilities.ICC).toBeCloseTo(0.3, 12);
    expect(out.probabilities.metastasis).toBeCloseTo(0.2, 12);
    expect(out.prediction).toBe("HCC");
    // uncertainty = (0.02 + 0.04) / 2 = 0.03; confidence = 0.97.
    expect(out.uncertainty).toBeCloseTo(0.03, 12);
    expect(out.confidence).toBeCloseTo(0.97, 12);
    expect(out.assessment).toBeNull();
  });

  it("computes the five candidate scores, the ROIs' mutual information averaged (by hand)", () => {
    const rois = [roi([0.6, 0.3, 0.1], 0.02, 0.1), roi([0.4, 0.3, 0.3], 0.04, 0.3)];
    const out = aggregate(rois, ["HCC", "ICC", "metastasis"]);
    if (out.status !== "analyzed") throw new Error("expected analyzed");
    // Study probabilities (0.5, 0.3, 0.2): maxProb 0.5, margin 0.2, MI (0.1 + 0.3) / 2 = 0.2.
    expect(out.scores.paper).toBeCloseTo(0.97, 12);
    expect(out.scores.maxProb).toBeCloseTo(0.5, 12);
    expect(out.scores.margin).toBeCloseTo(0.2, 12);
    expect(out.scores.negMutualInfo).toBeCloseTo(-0.2, 12);
    const h = -(0.5 * Math.log(0.5) + 0.3 * Math.log(0.3) + 0.2 * Math.log(0.2));
    expect(out.scores.negEntropy).toBeCloseTo(-h, 12);
  });

  it("applies the classifier's calibration: temperature, band, close call, conformal set", () => {
    const calibration: Calibration = {
      temperature: 0.5,
      rankScore: "maxProb",
      aurc: { paper: 0.3, maxProb: 0.1, negEntropy: 0.2, margin: 0.15, negMutualInfo: 0.25 },
      ece: { bins: 15, before: 0.1, after: 0.04 },
      conformal: { method: "APS", coverage: 0.9, qhat: 0.95, calibrationSize: 40 },
      bands: {
        ...DEFAULT_BANDS,
        accuracy: { high: 1, medium: 0.75, low: 0.5 },
        count: { high: 10, medium: 20, low: 10 },
      },
      closeCallMargin: 0.1,
      provenance: {
        cohort: "val.json",
        studies: 40,
        fitted: 40,
        truthSha256: "a".repeat(64),
        resultsDate: null,
        appVersion: "0.1.0",
      },
    };
    const out = aggregate([roi([0.6, 0.3, 0.1], 0.01)], ["HCC", "ICC", "metastasis"], calibration);
    if (out.status !== "analyzed") throw new Error("expected analyzed");
    // T = 0.5 squares: (0.36, 0.09, 0.01) / 0.46 = (0.7826, 0.1957, 0.0217).
    const a = out.assessment!;
    expect(a.calibratedProbabilities.HCC).toBeCloseTo(0.36 / 0.46, 12);
    expect(a.probCorrect).toBeCloseTo(0.36 / 0.46, 12);
    expect(a.band).toBe("medium");
    expect(a.closeCall).toBe(false);
    // Cumulative 0.7826 < 0.95, 0.9783 >= 0.95: {HCC, ICC}.
    expect(a.predictionSet).toEqual(["HCC", "ICC"]);
    expect(a.rankScoreName).toBe("maxProb");
    expect(a.rankScore).toBeCloseTo(0.6, 12); // the uncalibrated score, as AURC chose it
  });

  it("reports no-roi for a study without ROIs and refuses a class order that lacks a class", () => {
    expect(aggregate([], ["HCC", "ICC", "metastasis"])).toEqual({ status: "no-roi" });
    expect(() => aggregate([roi([1, 0, 0], 0)], ["HCC", "ICC", "other"])).toThrow(
      /lack metastasis/,
    );
  });
});

describe("summarizeSamples", () => {
  it("is the per-class variance with divisor T-1, averaged over classes (worked by hand)", () => {
    // Two samples: [1, 0] and [0, 1]. Means 0.5, 0.5. Per-class variance with divisor 1:
    // (0.5^2 + 0.5^2) / 1 = 0.5. Mean over classes 0.5.
    const s = summarizeSamples([1, 0, 0, 1], 2, 2);
    expect(s.meanProbabilities).toEqual([0.5, 0.5]);
    expect(s.classVariances).toEqual([0.5, 0.5]);
    expect(s.variance).toBe(0.5);
    // Three samples of class 0: 0.2, 0.4, 0.6 -> mean 0.4, variance (0.04 + 0 + 0.04) / 2 = 0.04.
    const t = summarizeSamples([0.2, 0.8, 0.4, 0.6, 0.6, 0.4], 3, 2);
    expect(t.classVariances[0]).toBeCloseTo(0.04, 12);
    expect(t.variance).toBeCloseTo(0.04, 12);
    expect(summarizeSamples([0.3, 0.7], 1, 2).variance).toBe(0);
    // Mutual information of [1, 0] and [0, 1]: H(0.5, 0.5) - 0 = ln 2; one sample: 0.
    expect(s.mutualInformation).toBeCloseTo(Math.log(2), 12);
    expect(summarizeSamples([0.3, 0.7], 1, 2).mutualInformation).toBe(0);
  });
});

describe("dropout masks", () => {
  it("are inverted-dropout Bernoulli masks, reproducible from the seed", () => {
    const a = dropoutMasks(seededRandom(7), 100, 200, 0.2);
    const b = dropoutMasks(seededRandom(7), 100, 200, 0.2);
    const c = dropoutMasks(seededRandom(8), 100, 200, 0.2);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const zeros = a.filter((v) => v === 0).length / a.length;
    expect(zeros).toBeGreaterThan(0.18);
    expect(zeros).toBeLessThan(0.22);
    expect(new Set(a)).toEqual(new Set([0, Math.fround(1 / 0.8)]));
    // E[mask] = 1: the expectation of the head equals the deterministic head.
    expect(a.reduce((s, v) => s + v, 0) / a.length).toBeCloseTo(1, 1);
  });
});

describe("classify", () => {
  it("runs the backbone once per ROI and the head on T masked copies per ROI", async () => {
    const backboneCalls: number[][] = [];
    const headCalls: number[][] = [];
    // Backbone: feature = [mean of crop, 1]; head: logits = [f0 * m0, f1 * m1, 0].
    const backbone = async (x: Tensor): Promise<Tensor> => {
      backboneCalls.push(x.dims);
      const n = x.dims[0]!;
      const per = x.data.length / n;
      const f = new Float32Array(n * 2);
      for (let r = 0; r < n; r++) {
        f[r * 2] = x.data.subarray(r * per, (r + 1) * per).reduce((s, v) => s + v, 0) / per;
        f[r * 2 + 1] = 1;
      }
      return { dims: [n, 2], data: f };
    };
    const head = async (f: Tensor, m: Tensor): Promise<Tensor> => {
      headCalls.push(f.dims);
      const rows = f.dims[0]!;
      const out = new Float32Array(rows * 3);
      for (let i = 0; i < rows; i++) {
        out[i * 3] = f.data[i * 2]! * m.data[i * 2]!;
        out[i * 3 + 1] = f.data[i * 2 + 1]! * m.data[i * 2 + 1]!;
      }
      return { dims: [rows, 3], data: out };
    };
    const crops: Tensor = { dims: [3, 5, 4, 4], data: new Float32Array(3 * 80) };
    crops.data.fill(4, 0, 80); // ROI 0 strongly class 0
    const config = { mcSamples: 50, dropoutP: 0.2, seed: 3 };
    const res = await classify(crops, { backbone, head }, config);
    expect(backboneCalls).toEqual([[3, 5, 4, 4]]);
    expect(headCalls).toEqual([[150, 2]]);
    expect(res).toHaveLength(3);
    expect(res[0]!.meanProbabilities[0]).toBeGreaterThan(res[1]!.meanProbabilities[0]!);
    expect(res[0]!.variance).toBeGreaterThan(0);
    const again = await classify(crops, { backbone, head }, config);
    expect(again).toEqual(res);
    // With p = 0 every sample is the deterministic head: zero variance.
    const det = await classify(crops, { backbone, head }, { ...config, dropoutP: 0 });
    for (const r of det) expect(r.variance).toBeLessThan(1e-15);
    expect(det[2]!.meanProbabilities[1]).toBeCloseTo(Math.E / (Math.E + 2), 6);
  });
});

describe("a rejection output (not a lesion)", () => {
  // Backbone: feature = the crop's mean. Head (no dropout effect at p = 0): logits in the model's
  // order [HCC, none, ICC, metastasis] = [1, 4 * f - 2, 0, 0], so a bright crop reads "none".
  const backbone = async (x: Tensor): Promise<Tensor> => {
    const n = x.dims[0]!;
    const per = x.data.length / n;
    const f = new Float32Array(n);
    for (let r = 0; r < n; r++) f[r] = x.data.subarray(r * per, (r + 1) * per)[0]!;
    return { dims: [n, 1], data: f };
  };
  const head = async (f: Tensor): Promise<Tensor> => {
    const rows = f.dims[0]!;
    const out = new Float32Array(rows * 4);
    for (let i = 0; i < rows; i++) {
      out[i * 4] = 1;
      out[i * 4 + 1] = 4 * f.data[i]! - 2;
    }
    return { dims: [rows, 4], data: out };
  };

  it("reports its probability per ROI and gives the lesion classes a softmax of their own", async () => {
    const crops: Tensor = { dims: [2, 5, 2, 2], data: new Float32Array(2 * 20) };
    crops.data.fill(1, 20); // ROI 1 bright: "none" logit 2
    const res = await classify(
      crops,
      { backbone, head, rejectIndex: 1 },
      { mcSamples: 4, dropoutP: 0, seed: 1 },
    );
    const e = Math.E;
    // ROI 0: logits [1, -2, 0, 0]; ROI 1: [1, 2, 0, 0].
    expect(res[0]!.rejectProbability).toBeCloseTo(e ** -2 / (e + e ** -2 + 2), 6);
    expect(res[1]!.rejectProbability).toBeCloseTo(e ** 2 / (e + e ** 2 + 2), 6);
    // Lesion classes in the model's order without "none": [HCC, ICC, metastasis] = softmax(1, 0, 0).
    for (const r of res) {
      expect(r.meanProbabilities).toHaveLength(3);
      expect(r.meanProbabilities[0]).toBeCloseTo(e / (e + 2), 6);
      expect(r.meanProbabilities[1]).toBeCloseTo(1 / (e + 2), 6);
    }
    // Without a rejection output the fourth column would be a class: refused downstream, not here.
    const plain = await classify(crops, { backbone, head }, { mcSamples: 4, dropoutP: 0, seed: 1 });
    expect(plain[0]!.rejectProbability).toBeUndefined();
    expect(plain[0]!.meanProbabilities).toHaveLength(4);
    await expect(
      classify(crops, { backbone, head, rejectIndex: 4 }, { mcSamples: 4, dropoutP: 0, seed: 1 }),
    ).rejects.toThrow(/Rejection output 4 is outside the head's 4 columns/);
  });

  it("leaves rejected ROIs out of the study's mean, keeping the least rejected when all are", () => {
    const r = (p: number, reject?: number) => ({
      ...roi([p, 1 - p, 0], 0.01),
      ...(reject === undefined ? {} : { rejectProbability: reject }),
    });
    expect(rejectedRois([r(0.9, 0.2), r(0.1, 0.7), r(0.5, 0.5)], 0.5)).toEqual([false, true, true]);
    expect(rejectedRois([r(0.9, 0.8), r(0.1, 0.6), r(0.5, 0.9)], 0.5)).toEqual([true, false, true]);
    expect(rejectedRois([r(0.9), r(0.1)], 0.5)).toEqual([false, false]);
    expect(rejectedRois([], 0.5)).toEqual([]);
  });
});
