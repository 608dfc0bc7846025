import { describe, expect, it } from "vitest";
import type { Vec3 } from "../../electron/contract/domain";
import type { FrameInfo } from "../../electron/dicom/instance";
import { buildVolume, VolumeBuildError } from "../../electron/dicom/volume";
import type { SliceInput } from "../../electron/dicom/volume";
import { sampleTrilinear } from "../../electron/dicom/resample";
import { indexToPatient } from "../../electron/contract/geometry";
import { rng, rotatedAxes } from "./geometry-fixtures";

const COLS = 6;
const ROWS = 5;
const axes = rotatedAxes(0.4, 0.1, -0.3);
const normal: Vec3 = [
  axes.r[1] * axes.c[2] - axes.r[2] * axes.c[1],
  axes.r[2] * axes.c[0] - axes.r[0] * axes.c[2],
  axes.r[0] * axes.c[1] - axes.r[1] * axes.c[0],
];
const origin: Vec3 = [-40, 12, 80];

function frame(offset: number, over: Partial<FrameInfo> = {}): FrameInfo {
  return {
    index: 0,
    rows: ROWS,
    columns: COLS,
    imagePositionPatient: [0, 1, 2].map((a) => origin[a]! + offset * normal[a]!) as Vec3,
    imageOrientationPatient: [...axes.r, ...axes.c],
    pixelSpacing: [0.8, 0.7],
    sliceThickness: 4,
    rescaleSlope: 1,
    rescaleIntercept: 0,
    diffusionBValue: null,
    ...over,
  };
}

/** Slice m of a stack stores the value 10*m + pixel index, so order is checkable after sorting. */
function slice(offset: number, m: number, over: Partial<FrameInfo> = {}): SliceInput {
  const pixels = new Int32Array(ROWS * COLS).map((_, p) => 10 * m + p);
  return { frame: frame(offset, over), pixels, sopInstanceUid: `1.2.3.${m}` };
}

function shuffled<T>(items: T[], seed: number): T[] {
  const rand = rng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("buildVolume", () => {
  it("sorts oblique slices along the normal, not by input order or UID", () => {
    const offsets = [0, 4, 8, 12, 16, 20];
    const input = shuffled(
      offsets.map((o, m) => slice(o, m)),
      3,
    );
    const built = buildVolume(input);
    expect(built.sopInstanceUids).toEqual(offsets.map((_, m) => `1.2.3.${m}`));
    expect(built.nonUniformSpacing).toBe(false);
    expect(built.warnings).toEqual([]);
    const g = built.volume.geometry;
    expect([g.columns, g.rows, g.slices]).toEqual([COLS, ROWS, 6]);
    expect(g.columnSpacing).toBe(0.7);
    expect(g.rowSpacing).toBe(0.8);
    expect(g.sliceThickness).toBe(4);
    for (let a = 0; a < 3; a++) expect(g.normal[a]).toBeCloseTo(normal[a]!, 12);
    // Slice k holds the frame at offset 4k: its first pixel is 10k.
    for (let k = 0; k < 6; k++) expect(built.volume.data[k * ROWS * COLS]).toBe(10 * k);
    // Positions survive exactly, and sampling at a slice's pixel finds its value.
    const p = indexToPatient(g, [3, 2, 4]);
    expect(sampleTrilinear(built.volume, p)).toBeCloseTo(40 + 2 * COLS + 3, 4);
  });

  it("sorts a stack whose normal points against the scan direction (descending positions)", () => {
    const input = [slice(-0, 0), slice(-5, 1), slice(-10, 2)];
    const built = buildVolume(input);
    expect(built.sopInstanceUids).toEqual(["1.2.3.2", "1.2.3.1", "1.2.3.0"]);
  });

  it("applies each slice's rescale slope and intercept", () => {
    const a = slice(0, 0, { rescaleSlope: 2, rescaleIntercept: -100 });
    const b = slice(3, 1, { rescaleSlope: 0.5, rescaleIntercept: 7 });
    const built = buildVolume([b, a]);
    const d = built.volume.data;
    expect(d[0]).toBe(0 * 2 - 100);
    expect(d[5]).toBe(5 * 2 - 100);
    expect(d[ROWS * COLS]).toBe(10 * 0.5 + 7);
    expect(d[ROWS * COLS + 9]).toBe(19 * 0.5 + 7);
  });

  it("derives spacing from positions and flags non-uniform spacing", () => {
    const built = buildVolume([0, 5, 10, 20, 25].map((o, m) => slice(o, m)));
    expect(built.nonUniformSpacing).toBe(true);
    expect(built.warnings.join()).toMatch(/typically 5\.00 mm, from 5\.00 to 10\.00 mm/);
    const g = built.volume.geometry;
    // The gap is kept in the slice table: k=2.5 is 15 mm from the first slice.
    const p = indexToPatient(g, [0, 0, 2.5]);
    const d = [0, 1, 2].reduce((acc, a) => acc + (p[a]! - origin[a]!) * normal[a]!, 0);
    expect(d).toBeCloseTo(15, 9);
  });

  it("tolerates DS rounding of positions as uniform", () => {
    const jitter = [0, 2.5004, 4.9997, 7.5003, 10.0001];
    expect(buildVolume(jitter.map((o, m) => slice(o, m))).nonUniformSpacing).toBe(false);
  });

  it("keeps the first frame of a repeated position and warns", () => {
    const built = buildVolume([slice(0, 0), slice(5, 1), slice(5.0000001, 2), slice(10, 3)]);
    expect(built.sopInstanceUids).toEqual(["1.2.3.0", "1.2.3.1", "1.2.3.3"]);
    expect(built.volume.geometry.slices).toBe(3);
    expect(built.warnings.join()).toMatch(/1 frame\(s\) repeat a slice position/);
    expect(built.nonUniformSpacing).toBe(false);
  });

  it("builds a single slice with its nominal thickness", () => {
    const built = buildVolume([slice(0, 0, { sliceThickness: null })]);
    expect(built.volume.geometry.slices).toBe(1);
    expect(built.volume.geometry.sliceThickness).toBe(1);
  });

  it("rejects mixed orientation, size, spacing, missing geometry and short pixel data", () => {
    const tilted: [number, number, number, number, number, number] = [1, 0, 0, 0, 0, -1];
    expect(() =>
      buildVolume([slice(0, 0), slice(5, 1, { imageOrientationPatient: tilted })]),
    ).toThrow(/Mixed slice orientations/);
    const big: SliceInput = {
      ...slice(5, 1, { rows: ROWS + 1 }),
      pixels: new Int32Array((ROWS + 1) * COLS),
    };
    expect(() => buildVolume([slice(0, 0), big])).toThrow(
      /Mixed image sizes in one series: 6x5 and 6x6/,
    );
    expect(() => buildVolume([slice(0, 0), slice(5, 1, { pixelSpacing: [0.9, 0.7] })])).toThrow(
      /Mixed pixel spacing/,
    );
    expect(() => buildVolume([slice(0, 0, { imagePositionPatient: null })])).toThrow(
      VolumeBuildError,
    );
    const short: SliceInput = { ...slice(0, 0), pixels: new Int32Array(3) };
    expect(() => buildVolume([short])).toThrow(/has 3 pixel values/);
    expect(() => buildVolume([])).toThrow(/no image frames/);
    const skew: [number, number, number, number, number, number] = [1, 0, 0, 0.5, 0.5, 0];
    expect(() => buildVolume([slice(0, 0, { imageOrientationPatient: skew })])).toThrow(
      /not two orthogonal unit vectors/,
    );
  });
});
