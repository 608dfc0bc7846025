import { describe, expect, it } from "vitest";
import type { Vec3 } from "../../electron/contract/domain";
import type { VolumeGeometry } from "../../electron/contract/volume";
import { fuse, keepMostConfident, topCount } from "../../electron/pipeline/fuse";
import type { Detection, Roi } from "../../electron/pipeline/types";

function grid(
  columns: number,
  slices: number,
  spacing: number,
  origin: Vec3,
  sliceGap: number,
): VolumeGeometry {
  return {
    columns,
    rows: columns,
    slices,
    rowDirection: [1, 0, 0],
    columnDirection: [0, 1, 0],
    normal: [0, 0, 1],
    columnSpacing: spacing,
    rowSpacing: spacing,
    slicePositions: Array.from(
      { length: slices },
      (_, k) => [origin[0], origin[1], origin[2] + k * sliceGap] as Vec3,
    ),
    sliceThickness: sliceGap,
  };
}

const det = (d: Partial<Detection>): Detection => ({
  sequence: "T1_venous",
  sliceIndex: 1,
  cx: 0,
  cy: 0,
  w: 0,
  h: 0,
  score: 0.9,
  ...d,
});

describe("fuse: pixel voting", () => {
  const ref = grid(10, 3, 1, [0, 0, 0], 5);

  it("puts the ROI where most boxes overlap, with the covering boxes' mean size and score (worked by hand)", () => {
    // On slice 1: A spans x, y in [1, 5]; B spans x in [3, 7], y in [2, 8]; C spans x in [7, 9],
    // y in [1, 3]. Votes: 2 on pixels i in 3..5, j in 2..5 (A and B); C meets B only at x = 7,
    // y in 2..3, which is also 2 votes but later in raster order. First max pixel (3, 2) is covered
    // by A and B, whose intersection [3, 5] x [2, 5] has centre (4, 3.5); size mean(4, 4) x
    // mean(4, 6) = 4 x 5; score (0.9 + 0.7) / 2 = 0.8.
    const detections = [
      det({ cx: 3, cy: 3, w: 4, h: 4, score: 0.9, sequence: "T1_venous" }),
      det({ cx: 5, cy: 5, w: 4, h: 6, score: 0.7, sequence: "T2" }),
      det({ cx: 8, cy: 2, w: 2, h: 2, score: 0.6, sequence: "DWI" }),
    ];
    const rois = fuse(
      { detections, grids: { T1_venous: ref, T2: ref, DWI: ref }, reference: ref },
      { topFraction: 1, roiScore: "mean", minDetectors: 1 },
    );
    expect(rois).toHaveLength(1);
    const r = rois[0]!;
    expect(r.sliceIndex).toBe(1);
    expect([r.cx, r.cy]).toEqual([4, 3.5]);
    expect([r.w, r.h]).toEqual([4, 5]);
    expect(r.score).toBeCloseTo(0.8, 12);
    expect(r.votes).toBe(2);
    expect(r.sequences.sort()).toEqual(["T1_venous", "T2"]);
    expect(r.centerMm).toEqual([4, 3.5, 5]);
    expect([r.widthMm, r.heightMm]).toEqual([4, 5]);
    expect(r.rank).toBe(1);
  });

  it("maps boxes from another grid through patient coordinates", () => {
    // Source grid: 2 mm pixels, origin (-10, 20, 2.5), 2.5 mm slices. Its pixel (7, -8) on slice 1
    // lies at (-10 + 14, 20 - 16, 5) = (4, 4, 5) mm: reference pixel (4, 4) on slice 1.
    const src = grid(20, 4, 2, [-10, 20, 2.5], 2.5);
    const rois = fuse(
      {
        detections: [det({ sequence: "DWI", sliceIndex: 1, cx: 7, cy: -8, w: 2, h: 1 })],
        grids: { DWI: src },
        reference: ref,
      },
      { topFraction: 1, roiScore: "mean", minDetectors: 1 },
    );
    expect(rois).toHaveLength(1);
    // 2 x 1 source pixels of 2 mm = 4 x 2 mm = 4 x 2 reference pixels.
    expect(rois[0]).toMatchObject({ sliceIndex: 1, cx: 4, cy: 4, w: 4, h: 2 });
    // A box at z = 25 mm is 3 slices beyond the reference stack (0, 5, 10 mm): no slice to vote on.
    const far = grid(20, 10, 2, [-10, 20, 25], 2.5);
    expect(
      fuse(
        {
          detections: [det({ sequence: "DWI", sliceIndex: 0, cx: 7, cy: -8, w: 2, h: 2 })],
          grids: { DWI: far },
          reference: ref,
        },
        { topFraction: 1, roiScore: "mean", minDetectors: 1 },
      ),
    ).toEqual([]);
  });

  it("lets a box narrower than a pixel vote on the pixel nearest its centre", () => {
    // x in [4.2, 4.4] contains no pixel centre; its nearest pixel is 4. A 3-pixel box centred at
    // (4, 6) also covers pixel (4, 6): 2 votes there; the ROI is their intersection's centre.
    const detections = [
      det({ cx: 4.3, cy: 6.1, w: 0.2, h: 0.2, score: 0.6 }),
      det({ cx: 4, cy: 6, w: 3, h: 3, score: 0.8, sequence: "T2" }),
    ];
    const rois = fuse(
      { detections, grids: { T1_venous: ref, T2: ref }, reference: ref },
      { topFraction: 1, roiScore: "mean", minDetectors: 1 },
    );
    expect(rois).toHaveLength(1);
    expect(rois[0]!.votes).toBe(2);
    expect(rois[0]!.cx).toBeCloseTo(4.3, 12);
    expect(rois[0]!.cy).toBeCloseTo(6.1, 12);
  });

  it("yields one ROI per voted slice and nothing (no-roi) without boxes", () => {
    const detections = [
      det({ sliceIndex: 0, cx: 2, cy: 2, w: 2, h: 2, score: 0.6 }),
      det({ sliceIndex: 2, cx: 6, cy: 6, w: 2, h: 2, score: 0.95 }),
    ];
    const rois = fuse(
      { detections, grids: { T1_venous: ref }, reference: ref },
      { topFraction: 1, roiScore: "mean", minDetectors: 1 },
    );
    expect(rois.map((r) => [r.sliceIndex, r.rank])).toEqual([
      [2, 1],
      [0, 2],
    ]);
    expect(
      fuse(
        { detections: [], grids: {}, reference: ref },
        { topFraction: 0.48, roiScore: "mean", minDetectors: 1 },
      ),
    ).toEqual([]);
  });
});

describe("fuse: consensus ROI score", () => {
  const ref = grid(10, 3, 1, [0, 0, 0], 5);

  it("averages each detector's best covering box over every detector that ran (worked by hand)", () => {
    // Five detectors ran. Slice 0: T1 venous 0.9 and, overlapping it, T2 0.7 and a second T2 box
    // 0.6 (one vote per box, the sequence's best counts once): (0.9 + 0.7) / 5 = 0.32; the paper's
    // mean of the covering boxes is (0.9 + 0.7 + 0.6) / 3 = 0.733. Slice 2: DWI alone at 0.95:
    // consensus 0.19, mean 0.95. Consensus ranks the two-sequence ROI first, the paper's mean the
    // single-detector one.
    const grids = { T1_pre: ref, T1_arterial: ref, T1_venous: ref, T2: ref, DWI: ref };
    const detections = [
      det({ sliceIndex: 0, cx: 3, cy: 3, w: 4, h: 4, score: 0.9 }),
      det({ sliceIndex: 0, cx: 3, cy: 3, w: 4, h: 4, score: 0.7, sequence: "T2" }),
      det({ sliceIndex: 0, cx: 3, cy: 3, w: 2, h: 2, score: 0.6, sequence: "T2" }),
      det({ sliceIndex: 2, cx: 7, cy: 7, w: 2, h: 2, score: 0.95, sequence: "DWI" }),
    ];
    const consensus = fuse(
      { detections, grids, reference: ref },
      { topFraction: 1, roiScore: "consensus", minDetectors: 1 },
    );
    expect(consensus.map((r) => r.sliceIndex)).toEqual([0, 2]);
    expect(consensus[0]!.score).toBeCloseTo(0.32, 12);
    expect(consensus[1]!.score).toBeCloseTo(0.19, 12);
    expect(consensus[0]!.votes).toBe(3);
    const paper = fuse(
      { detections, grids, reference: ref },
      { topFraction: 1, roiScore: "mean", minDetectors: 1 },
    );
    expect(paper.map((r) => r.sliceIndex)).toEqual([2, 0]);
    expect(paper[1]!.score).toBeCloseTo(2.2 / 3, 12);
    // The top fraction then keeps the consensus winner: ceil(2 * 0.48) = 1.
    expect(
      fuse(
        { detections, grids, reference: ref },
        { topFraction: 0.48, roiScore: "consensus", minDetectors: 1 },
      ).map((r) => r.sliceIndex),
    ).toEqual([0]);
  });
});

describe("fuse: detectors' agreement", () => {
  const ref = grid(10, 3, 1, [0, 0, 0], 5);
  const grids = { T1_venous: ref, T2: ref, DWI: ref };

  it("drops ROIs fewer than minDetectors sequences voted for, unless none reaches it", () => {
    // Slice 0: T1 venous + T2 agree (2 sequences); slices 1 and 2: one detector each.
    const detections = [
      det({ sliceIndex: 0, cx: 3, cy: 3, w: 2, h: 2, score: 0.6 }),
      det({ sliceIndex: 0, cx: 3, cy: 3, w: 2, h: 2, score: 0.6, sequence: "T2" }),
      det({ sliceIndex: 1, cx: 6, cy: 6, w: 2, h: 2, score: 0.9, sequence: "DWI" }),
      det({ sliceIndex: 2, cx: 6, cy: 6, w: 2, h: 2, score: 0.8 }),
    ];
    const run = (minDetectors: number, d = detections): number[] =>
      fuse(
        { detections: d, grids, reference: ref },
        { topFraction: 1, roiScore: "mean", minDetectors },
      ).map((r) => r.sliceIndex);
    expect(run(1)).toEqual([1, 2, 0]);
    expect(run(2)).toEqual([0]);
    // No ROI reaches 2: every ROI stays, so the study is not made "no-roi" by the rule.
    expect(run(2, detections.slice(2))).toEqual([1, 2]);
    expect(run(3)).toEqual([1, 2, 0]);
  });
});

describe("fuse: slice voting", () => {
  // Reference: thin 3 mm venous slices at z = 0, 3, ..., 15. T2: 6 mm slices at z = 0, 6, 12.
  const ref = grid(10, 6, 1, [0, 0, 0], 3);
  const slicesOf = (t2: VolumeGeometry, sliceIndex: number, sliceVoting?: "nearest" | "slab") =>
    fuse(
      {
        detections: [det({ sequence: "T2", sliceIndex, cx: 4, cy: 4, w: 2, h: 2 })],
        grids: { T2: t2 },
        reference: ref,
      },
      { topFraction: 1, roiScore: "consensus", minDetectors: 1, sliceVoting },
    )
      .map((r) => r.sliceIndex)
      .sort((a, b) => a - b);

  it("votes a thick slice's box on every thin reference slice whose centre it images", () => {
    const t2 = grid(10, 3, 1, [0, 0, 0], 6);
    // z = 6, 6 mm thick: [3, 9] holds the centres at 3, 6 and 9 (edges included).
    expect(slicesOf(t2, 1, "slab")).toEqual([1, 2, 3]);
    expect(slicesOf(t2, 1, "nearest")).toEqual([2]);
    expect(slicesOf(t2, 1)).toEqual([2]); // absent: nearest, as before the option
    // z = 0: [-3, 3] is clipped to the grid.
    expect(slicesOf(t2, 0, "slab")).toEqual([0, 1]);
  });

  it("keeps to the slab's own thickness across a gap, and falls back to the nearest slice", () => {
    // 4 mm slices every 6 mm: z = 6 images [4, 8], the centre at 6 only.
    const gapped = { ...grid(10, 3, 1, [0, 0, 0], 6), sliceThickness: 4 };
    expect(slicesOf(gapped, 1, "slab")).toEqual([2]);
    // A 2 mm slice at z = 4.5 images [3.5, 5.5]: no reference centre, so the nearest (z = 6,
    // half a slice away) as with "nearest".
    const thin = { ...grid(10, 1, 1, [0, 0, 4.5], 2) };
    expect(slicesOf(thin, 0, "slab")).toEqual([2]);
    expect(slicesOf(thin, 0, "nearest")).toEqual([2]);
  });
});

describe("top 48% rounding", () => {
  it("keeps ceil(n * 0.48), at least one, exact products not rounded up", () => {
    expect([0, 1, 2, 3, 4, 10, 25, 50, 100].map((n) => topCount(n, 0.48))).toEqual([
      0, 1, 1, 2, 2, 5, 12, 24, 48,
    ]);
    expect(topCount(7, 1)).toBe(7);
  });

  it("keeps the most confident, ties broken by slice order", () => {
    const roi = (sliceIndex: number, score: number): Roi => ({
      sliceIndex,
      cx: 0,
      cy: 0,
      centerMm: [0, 0, 0],
      w: 1,
      h: 1,
      widthMm: 1,
      heightMm: 1,
      score,
      votes: 1,
      sequences: ["T2"],
      rank: 0,
    });
    const kept = keepMostConfident(
      [roi(0, 0.6), roi(1, 0.9), roi(2, 0.7), roi(3, 0.9), roi(4, 0.5)],
      0.48,
    );
    // ceil(5 * 0.48) = ceil(2.4) = 3.
    expect(kept.map((r) => [r.sliceIndex, r.rank])).toEqual([
      [1, 1],
      [3, 2],
      [2, 3],
    ]);
  });
});
