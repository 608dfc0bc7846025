import { describe, expect, it } from "vitest";
import { UsageError } from "../../electron/contract/errors";
import { DEFAULT_PIPELINE_CONFIG, resolvePipelineConfig } from "../../electron/pipeline/config";

describe("pipeline config", () => {
  it("defaults to the paper's parameters", () => {
    const c = resolvePipelineConfig();
    expect([c.scoreThreshold, c.topFraction, c.mcSamples, c.dropoutP]).toEqual([
      0.5, 0.48, 100, 0.2,
    ]);
    expect(c).toEqual(DEFAULT_PIPELINE_CONFIG);
    expect(c.normalization).not.toBe(DEFAULT_PIPELINE_CONFIG.normalization); // a copy per run
  });

  it("refuses values that would make a run meaningless, listing each", () => {
    let err: unknown;
    try {
      resolvePipelineConfig({ topFraction: 0, mcSamples: 2.5, dropoutP: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect(String(err)).toContain("topFraction=0 is outside (0, 1]");
    expect(String(err)).toContain("mcSamples=2.5 must be a positive integer");
    expect(String(err)).toContain("dropoutP must be below 1");
    expect(() =>
      resolvePipelineConfig({ normalization: { kind: "percentile", low: 99, high: 1 } }),
    ).toThrow(/low < high/);
    expect(resolvePipelineConfig({ topFraction: 1, seed: 5 }).seed).toBe(5);
    // A config file is JSON: an unknown ROI score is refused by name, not run as the paper's mean.
    expect(() => resolvePipelineConfig({ roiScore: "max" as unknown as "mean" })).toThrow(
      /roiScore=max is not one of mean, consensus/,
    );
    expect(() => resolvePipelineConfig({ sliceVoting: "all" as unknown as "slab" })).toThrow(
      /sliceVoting=all is not one of nearest, slab/,
    );
    expect(resolvePipelineConfig({}).sliceVoting).toBe("nearest");
  });
});
