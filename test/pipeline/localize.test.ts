import { describe, expect, it } from "vitest";
import type { VolumeGeometry } from "../../electron/contract/volume";
import { decodeCenterNet, localize } from "../../electron/pipeline/localize";
import type { DetectorOutput, Tensor } from "../../electron/pipeline/types";

const cfg = { scoreThreshold: 0.5, maxPeaksPerSlice: 100, detectorBatch: 2 };

/** A synthetic one-class CenterNet output of batch n on an h x w grid. */
function synthetic(n: number, h: number, w: number): DetectorOutput {
  const t = (c: number): Tensor => ({ dims: [n, c, h, w], data: new Float32Array(n * c * h * w) });
  return { heatmap: t(1), size: t(2), offset: t(2) };
}
function put(t: Tensor, b: number, c: number, y: number, x: number, v: number): void {
  const [, C = 0, h = 0, w = 0] = t.dims;
  t.data[((b * C + c) * h + y) * w + x] = v;
}

describe("CenterNet decode", () => {
  it("keeps 3x3 local maxima >= 0.5 and converts cells, offsets and sizes to input pixels", () => {
    const out = synthetic(1, 8, 8);
    // Peak A at (x=2,y=3) 0.9 with a 0.8 shoulder next to it (suppressed by the 3x3 max).
    put(out.heatmap, 0, 0, 3, 2, 0.9);
    put(out.heatmap, 0, 0, 3, 3, 0.8);
    // Peak B at (6,6) 0.6: a separate local maximum. Peak C at (0,7) 0.4: under the threshold.
    put(out.heatmap, 0, 0, 6, 6, 0.6);
    put(out.heatmap, 0, 0, 7, 0, 0.4);
    put(out.size, 0, 0, 3, 2, 2.5); // width 2.5 cells
    put(out.size, 0, 1, 3, 2, 1.0); // height 1 cell
    put(out.offset!, 0, 0, 3, 2, 0.25);
    put(out.offset!, 0, 1, 3, 2, 0.75);
    put(out.size, 0, 0, 6, 6, 1);
    put(out.size, 0, 1, 6, 6, 1);
    const boxes = decodeCenterNet(out, 0, { outputStride: 4, heatmapActivation: "none" }, cfg);
    expect(boxes).toHaveLength(2);
    // Worked by hand: cx = (2 + 0.25) * 4 - 0.5 = 8.5, cy = (3 + 0.75) * 4 - 0.5 = 14.5,
    // w = 2.5 * 4 = 10, h = 1 * 4 = 4.
    expect(boxes[0]).toEqual({ cx: 8.5, cy: 14.5, w: 10, h: 4, score: expect.closeTo(0.9, 6) });
    expect(boxes[1]).toEqual({ cx: 23.5, cy: 23.5, w: 4, h: 4, score: expect.closeTo(0.6, 6) });
  });

  it("applies the sigmoid when the manifest says the heatmap holds logits, and the cell centre without an offset head", () => {
    const out = synthetic(1, 4, 4);
    delete out.offset;
    out.heatmap.data.fill(-5); // logits: sigmoid(-5) = 0.007 everywhere else
    put(out.heatmap, 0, 0, 1, 1, 2); // sigmoid(2) = 0.8808
    put(out.heatmap, 0, 0, 3, 3, -1); // sigmoid(-1) = 0.269: dropped
    const boxes = decodeCenterNet(out, 0, { outputStride: 2, heatmapActivation: "sigmoid" }, cfg);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(boxes[0]!.cx).toBe((1 + 0.5) * 2 - 0.5);
  });

  it("keeps only the strongest maxPeaksPerSlice peaks", () => {
    const out = synthetic(1, 9, 9);
    put(out.heatmap, 0, 0, 0, 0, 0.7);
    put(out.heatmap, 0, 0, 4, 4, 0.95);
    put(out.heatmap, 0, 0, 8, 8, 0.8);
    const boxes = decodeCenterNet(
      out,
      0,
      { outputStride: 1, heatmapActivation: "none" },
      {
        ...cfg,
        maxPeaksPerSlice: 2,
      },
    );
    expect(boxes.map((b) => b.score)).toEqual([expect.closeTo(0.95, 6), expect.closeTo(0.8, 6)]);
  });
});

describe("localize", () => {
  it("batches slices, feeds [n, C, H, W] and labels boxes with their slice", async () => {
    const geometry: VolumeGeometry = {
      columns: 8,
      rows: 8,
      slices: 5,
      rowDirection: [1, 0, 0],
      columnDirection: [0, 1, 0],
      normal: [0, 0, 1],
      columnSpacing: 1,
      rowSpacing: 1,
      slicePositions: [0, 1, 2, 3, 4].map((z) => [0, 0, z * 5] as [number, number, number]),
      sliceThickness: 5,
    };
    const data = new Float32Array(5 * 2 * 64);
    // Mark slice k's first channel with the value k so that the fake detector can see it.
    for (let k = 0; k < 5; k++) data.fill(k, k * 128, k * 128 + 64);
    const calls: number[][] = [];
    const run = async (input: Tensor): Promise<DetectorOutput> => {
      calls.push(input.dims);
      const n = input.dims[0]!;
      const out = synthetic(n, 2, 2);
      for (let b = 0; b < n; b++) {
        // Only slice 3 has a lesion.
        if (input.data[b * 128] === 3) put(out.heatmap, b, 0, 1, 0, 0.75);
      }
      return out;
    };
    const dets = await localize(
      [{ sequence: "T1_arterial", geometry, channels: ["T1_arterial", "T2"], data }],
      { T1_arterial: { run, decoding: { outputStride: 4, heatmapActivation: "none" } } },
      cfg,
    );
    expect(calls).toEqual([
      [2, 2, 8, 8],
      [2, 2, 8, 8],
      [1, 2, 8, 8],
    ]);
    expect(dets).toHaveLength(1);
    expect(dets[0]).toMatchObject({ sequence: "T1_arterial", sliceIndex: 3, cx: -0.5, cy: 3.5 });
  });
});
