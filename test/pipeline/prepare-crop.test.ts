import { describe, expect, it } from "vitest";
import { SEQUENCES, type SequenceId, type Vec3 } from "../../electron/contract/domain";
import { indexToPatient } from "../../electron/contract/geometry";
import { sampleTrilinear } from "../../electron/dicom/resample";
import { crop, cropSideMm } from "../../electron/pipeline/crop";
import {
  detectorGrid,
  normalizeVolume,
  percentiles,
  prepare,
  type StudyVolumes,
} from "../../electron/pipeline/prepare";
import type { Roi } from "../../electron/pipeline/types";
import { fillVolume, makeGeometry, rotatedAxes } from "../dicom/geometry-fixtures";

const normalization = { kind: "percentile" as const, low: 1, high: 99 };

/** Five series of one phantom "study": different matrices, spacings, slices and a tilted T2. */
function study(): StudyVolumes {
  const out = {} as StudyVolumes;
  SEQUENCES.forEach((s, n) => {
    const axes = s === "T2" ? rotatedAxes(0.2, 0.05, 0) : rotatedAxes(0, 0, 0);
    const g = makeGeometry({
      columns: 20 + 2 * n,
      rows: 18 + n,
      ...axes,
      columnSpacing: 2 + 0.25 * n,
      rowSpacing: 2 + 0.25 * n,
      origin: [-22, -20, -6 + n],
      sliceOffsets: [0, 4, 8, 12],
      sliceThickness: 4,
    });
    // A smooth field per sequence, different gains and offsets (vendors' arbitrary units).
    out[s] = fillVolume(
      g,
      (p) => (n + 1) * 100 * (Math.sin(p[0] / 9) + Math.cos(p[1] / 7) + p[2] / 10) + 50 * n,
    );
  });
  return out;
}

describe("prepare: normalization", () => {
  it("uses numpy's linear percentiles and is invariant to the scanner's gain and offset", () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => i);
    const [lo, hi] = percentiles(values, 1, 99);
    expect(lo).toBeCloseTo(9.99, 4);
    expect(hi).toBeCloseTo(989.01, 4);
    const vol = study().T1_pre;
    const a = normalizeVolume(vol, normalization).data;
    const scaled = normalizeVolume(
      { geometry: vol.geometry, data: vol.data.map((v) => 3.7 * v - 120) },
      normalization,
    ).data;
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - scaled[i]!));
    expect(max).toBeLessThan(1e-5);
    expect(Math.min(...a)).toBe(0);
    expect(Math.max(...a)).toBe(1);
  });
});

describe("prepare: detector inputs", () => {
  const vols = study();
  const config = {
    normalization,
    detectorSize: 16,
    detectorSpacingMm: 3,
    referenceSequence: "T1_venous" as SequenceId,
  };
  const prepared = prepare(vols, config);

  it("centres a square grid of detectorSpacingMm pixels on each slice of the series", () => {
    const g = vols.DWI.geometry;
    const d = detectorGrid(g, 16, 3);
    for (const k of [0, 3]) {
      const a = indexToPatient(g, [(g.columns - 1) / 2, (g.rows - 1) / 2, k]);
      const b = indexToPatient(d, [7.5, 7.5, k]);
      for (let i = 0; i < 3; i++) expect(b[i]).toBeCloseTo(a[i]!, 9);
    }
    expect([d.columns, d.rows, d.slices, d.columnSpacing]).toEqual([16, 16, 4, 3]);
    expect(prepared.reference).toEqual(detectorGrid(vols.T1_venous.geometry, 16, 3));
  });

  it("stacks [slices, channels, H, W]: the sequence, then T2 resampled into its grid through patient coordinates", () => {
    const art = prepared.detectorInputs.find((d) => d.sequence === "T1_arterial")!;
    expect(art.channels).toEqual(["T1_arterial", "T2"]);
    expect(art.data.length).toBe(4 * 2 * 16 * 16);
    const t2 = prepared.detectorInputs.find((d) => d.sequence === "T2")!;
    expect(t2.channels).toEqual(["T2"]);
    expect(t2.data.length).toBe(4 * 16 * 16);
    let checked = 0;
    for (const [i, j, k] of [
      [8, 8, 1],
      [5, 9, 2],
      [10, 6, 0],
    ] as Vec3[]) {
      const p = indexToPatient(art.geometry, [i, j, k]);
      const at = (c: number): number => art.data[((k * 2 + c) * 16 + j) * 16 + i]!;
      expect(at(0)).toBeCloseTo(sampleTrilinear(prepared.normalized.T1_arterial, p), 5);
      expect(at(1)).toBeCloseTo(sampleTrilinear(prepared.normalized.T2, p), 5);
      if (at(1) > 0) checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe("crop", () => {
  const roi = (centerMm: Vec3, widthMm: number, heightMm: number): Roi => ({
    sliceIndex: 0,
    cx: 0,
    cy: 0,
    centerMm,
    w: 0,
    h: 0,
    widthMm,
    heightMm,
    score: 0.9,
    votes: 1,
    sequences: ["T2"],
    rank: 1,
  });

  it("samples the five sequences on the ROI's plane, in the classifier's channel order", () => {
    const vols = study();
    const reference = detectorGrid(vols.T1_venous.geometry, 16, 3);
    const rois = [roi([0, 0, 2], 10, 20), roi([-4, 3, 5], 4, 4)];
    const channels = [...SEQUENCES].reverse();
    const config = { cropSize: 6, cropMargin: 1.5, cropMinMm: 24 };
    const out = crop(rois, vols, reference, channels, config);
    expect(out.dims).toEqual([2, 5, 6, 6]);
    // ROI 0: side max(24, 1.5 * 20) = 30 mm, 5 mm pixels; ROI 1: the 24 mm minimum, 4 mm pixels.
    expect(cropSideMm(rois[0]!, config)).toBe(30);
    expect(cropSideMm(rois[1]!, config)).toBe(24);
    rois.forEach((r, n) => {
      const px = cropSideMm(r, config) / 6;
      channels.forEach((seq, c) => {
        for (const [x, y] of [
          [0, 0],
          [2, 3],
          [5, 5],
        ] as [number, number][]) {
          // Reference axes are the identity here: u = +x, v = +y.
          const p: Vec3 = [
            r.centerMm[0] + (x - 2.5) * px,
            r.centerMm[1] + (y - 2.5) * px,
            r.centerMm[2],
          ];
          expect(out.data[((n * 5 + c) * 6 + y) * 6 + x]).toBeCloseTo(
            sampleTrilinear(vols[seq], p),
            3,
          );
        }
      });
    });
  });
});
