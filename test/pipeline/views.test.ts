import { describe, expect, it } from "vitest";
import { resolvePipelineConfig } from "../../electron/pipeline/config";
import type { RoiClassification } from "../../electron/pipeline/types";
import { mergeViews, withViews } from "../../electron/pipeline/views";

describe("classifier views (test-time mirror images)", () => {
  // Two ROIs, one channel, 2 x 3 crops: ROI 0 holds 1..6, ROI 1 holds 11..16 (row-major).
  const crops = {
    dims: [2, 1, 2, 3],
    data: Float32Array.from([1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]),
  };

  it("lays out each ROI's views together: as is, left-right, up-down, both (worked by hand)", () => {
    const v = withViews(crops, 4);
    expect(v.dims).toEqual([8, 1, 2, 3]);
    const view = (i: number): number[] => [...v.data.subarray(i * 6, (i + 1) * 6)];
    expect(view(0)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(view(1)).toEqual([3, 2, 1, 6, 5, 4]);
    expect(view(2)).toEqual([4, 5, 6, 1, 2, 3]);
    expect(view(3)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(view(4)).toEqual([11, 12, 13, 14, 15, 16]);
    expect(view(7)).toEqual([16, 15, 14, 13, 12, 11]);
    expect(withViews(crops, 2).dims).toEqual([4, 1, 2, 3]);
    expect(withViews(crops, 1)).toBe(crops); // the paper's single view: the crops untouched
  });

  it("merges each ROI's views into means, counting every view's samples", () => {
    const c = (p: number[], v: number, mi: number): RoiClassification => ({
      meanProbabilities: p,
      classVariances: [v, v, v],
      variance: v,
      mutualInformation: mi,
      samples: 100,
    });
    const merged = mergeViews(
      [
        c([0.6, 0.3, 0.1], 0.02, 0.1),
        c([0.4, 0.5, 0.1], 0.04, 0.3),
        c([1, 0, 0], 0, 0),
        c([1, 0, 0], 0, 0),
      ],
      2,
    );
    expect(merged).toHaveLength(2);
    expect(merged[0]!.meanProbabilities.map((x) => +x.toFixed(12))).toEqual([0.5, 0.4, 0.1]);
    expect(merged[0]!.variance).toBeCloseTo(0.03, 12);
    expect(merged[0]!.classVariances[1]).toBeCloseTo(0.03, 12);
    expect(merged[0]!.mutualInformation).toBeCloseTo(0.2, 12);
    expect(merged[0]!.samples).toBe(200);
    expect(merged[1]!.meanProbabilities).toEqual([1, 0, 0]);
    expect(() => mergeViews([c([1, 0, 0], 0, 0)], 2)).toThrow(/not 2 views per ROI/);
  });

  it("accepts 1, 2 or 4 views in the config and refuses anything else by name", () => {
    expect(resolvePipelineConfig({ classifierViews: 4 }).classifierViews).toBe(4);
    expect(() => resolvePipelineConfig({ classifierViews: 3 as unknown as 4 })).toThrow(
      /classifierViews=3 is not one of 1, 2, 4/,
    );
  });
});
