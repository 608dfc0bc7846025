import { describe, expect, it } from "vitest";
import type { Vec3 } from "../../electron/contract/domain";
import {
  gridTransform,
  indexToPatient,
  patientToIndex,
  VolumeGeometryError,
} from "../../electron/contract/geometry";
import {
  resampleToGrid,
  samplePlane,
  sampleTrilinear,
  trilinearAtIndex,
} from "../../electron/dicom/resample";
import {
  fillVolume,
  linearField,
  makeGeometry,
  rng,
  rotatedAxes,
  voxelPosition,
} from "./geometry-fixtures";

// An oblique stack (rotated about all three axes) with a gap and an overlap in its slice table.
const oblique = rotatedAxes(0.3, -0.2, 0.15);
const obliqueGeom = makeGeometry({
  columns: 24,
  rows: 20,
  r: oblique.r,
  c: oblique.c,
  columnSpacing: 1.5,
  rowSpacing: 1.25,
  origin: [-20, -15, 30],
  sliceOffsets: [0, 3, 6, 12, 14, 17, 20.5],
  sliceThickness: 3,
});

describe("geometry: index <-> patient", () => {
  it("matches PS3.3 C.7.6.2.1.1 at integer indices", () => {
    for (const [i, j, k] of [
      [0, 0, 0],
      [23, 0, 2],
      [5, 19, 6],
      [11, 7, 3],
    ] as Vec3[]) {
      const p = indexToPatient(obliqueGeom, [i, j, k]);
      const q = voxelPosition(obliqueGeom, i, j, k);
      for (let a = 0; a < 3; a++) expect(p[a]).toBeCloseTo(q[a]!, 9);
    }
  });

  it("interpolates the slice position table for fractional k (non-uniform spacing)", () => {
    // Between offsets 6 and 12 the midpoint is 9 mm along the normal, not 7.5 of a uniform stack.
    const p = indexToPatient(obliqueGeom, [0, 0, 2.5]);
    const g = obliqueGeom;
    const n = g.normal;
    const p0 = g.slicePositions[0]!;
    expect((p[0] - p0[0]) * n[0] + (p[1] - p0[1]) * n[1] + (p[2] - p0[2]) * n[2]).toBeCloseTo(9, 9);
  });

  it("round-trips index -> patient -> index, inside and beyond the stack", () => {
    const rand = rng(7);
    for (let t = 0; t < 500; t++) {
      const idx: Vec3 = [rand() * 30 - 3, rand() * 26 - 3, rand() * 10 - 2];
      const back = patientToIndex(obliqueGeom, indexToPatient(obliqueGeom, idx));
      for (let a = 0; a < 3; a++) expect(back[a]).toBeCloseTo(idx[a]!, 9);
    }
  });

  it("round-trips a single-slice geometry using its thickness as the slice step", () => {
    const g = makeGeometry({ ...baseAxial(8, 8), sliceOffsets: [5], sliceThickness: 4 });
    const p = indexToPatient(g, [2, 3, 0.5]);
    expect(p[2]).toBeCloseTo(5 + 2, 9);
    const back = patientToIndex(g, p);
    expect(back).toEqual([expect.closeTo(2, 9), expect.closeTo(3, 9), expect.closeTo(0.5, 9)]);
  });

  it("rejects unsorted or coincident slices", () => {
    const bad = makeGeometry({ ...baseAxial(4, 4), sliceOffsets: [0, 2, 2, 4] });
    expect(() => gridTransform(bad)).toThrow(VolumeGeometryError);
    const rev = makeGeometry({ ...baseAxial(4, 4), sliceOffsets: [0, 4, 2] });
    expect(() => gridTransform(rev)).toThrow(/sorted/);
  });
});

function baseAxial(columns: number, rows: number) {
  return {
    columns,
    rows,
    r: [1, 0, 0] as Vec3,
    c: [0, 1, 0] as Vec3,
    columnSpacing: 1,
    rowSpacing: 1,
    origin: [0, 0, 0] as Vec3,
  };
}

describe("sampleTrilinear", () => {
  const vol = fillVolume(obliqueGeom, linearField);

  it("reproduces a linear function of patient position inside an oblique, non-uniform grid", () => {
    const rand = rng(11);
    for (let t = 0; t < 500; t++) {
      const idx: Vec3 = [rand() * 23, rand() * 19, rand() * 6];
      const p = indexToPatient(obliqueGeom, idx);
      // Float32 storage of values around 100 limits the agreement to ~1e-5.
      expect(sampleTrilinear(vol, p)).toBeCloseTo(linearField(p), 3);
    }
  });

  it("returns stored values exactly at voxel centres", () => {
    const p = voxelPosition(obliqueGeom, 7, 4, 3);
    expect(sampleTrilinear(vol, p)).toBe(vol.data[(3 * 20 + 4) * 24 + 7]);
  });

  it("gives the edge value within half a voxel outside and `outside` beyond", () => {
    const edge = trilinearAtIndex(vol, 0, 5, 2);
    expect(sampleTrilinear(vol, indexToPatient(obliqueGeom, [-0.4, 5, 2]), -1)).toBeCloseTo(
      edge,
      5,
    );
    expect(sampleTrilinear(vol, indexToPatient(obliqueGeom, [-0.6, 5, 2]), -1)).toBe(-1);
    expect(sampleTrilinear(vol, indexToPatient(obliqueGeom, [5, 5, 6.7]), -7)).toBe(-7);
    expect(sampleTrilinear(vol, [Number.NaN, 0, 0], -3)).toBe(-3);
  });

  it("interpolates by hand-computed weights", () => {
    const g = makeGeometry({ ...baseAxial(2, 2), sliceOffsets: [0, 2] });
    const v = { geometry: g, data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]) };
    // i=0.5, j=0.5, z=1 mm -> k=0.5: mean of all eight corners.
    expect(sampleTrilinear(v, [0.5, 0.5, 1])).toBeCloseTo(3.5, 6);
    expect(sampleTrilinear(v, [0.25, 0, 0])).toBeCloseTo(0.25, 6);
    expect(sampleTrilinear(v, [0, 0.75, 1.5])).toBeCloseTo(0.75 * 2 + 0.75 * 4, 6);
  });
});

describe("resampleToGrid", () => {
  it("maps an oblique non-uniform series into a differently oriented grid exactly for linear data", () => {
    const src = fillVolume(obliqueGeom, linearField);
    const other = rotatedAxes(-0.1, 0.25, 0);
    const target = makeGeometry({
      columns: 30,
      rows: 28,
      r: other.r,
      c: other.c,
      columnSpacing: 1.1,
      rowSpacing: 0.9,
      origin: [-22, -18, 28],
      sliceOffsets: [0, 2.5, 5, 7.5, 10, 12.5, 15, 17.5],
    });
    const out = resampleToGrid(src, target, Number.NaN);
    expect(out.geometry).toBe(target);
    let inside = 0;
    let outside = 0;
    for (let k = 0; k < target.slices; k++)
      for (let j = 0; j < target.rows; j++)
        for (let i = 0; i < target.columns; i++) {
          const p = voxelPosition(target, i, j, k);
          const [x, y, z] = patientToIndex(obliqueGeom, p);
          const value = out.data[(k * target.rows + j) * target.columns + i]!;
          const eps = 1e-9;
          if (x >= eps && x <= 23 - eps && y >= eps && y <= 19 - eps && z >= eps && z <= 6 - eps) {
            inside++;
            expect(value).toBeCloseTo(linearField(p), 3);
          } else if (x < -0.5 || x > 23.5 || y < -0.5 || y > 19.5 || z < -0.5 || z > 6.5) {
            outside++;
            expect(value).toBeNaN();
          }
        }
    // The grids overlap partly: both branches must have been exercised.
    expect(inside).toBeGreaterThan(500);
    expect(outside).toBeGreaterThan(500);
  });

  it("is the identity on its own grid", () => {
    const src = fillVolume(obliqueGeom, (p) => Math.sin(p[0]) + p[1] * p[2]);
    const same = resampleToGrid(src, obliqueGeom);
    for (let m = 0; m < src.data.length; m++) expect(same.data[m]).toBeCloseTo(src.data[m]!, 4);
  });

  it("resamples 256x256x40 into another grid well under a second", () => {
    const srcGeom = makeGeometry({
      ...baseAxial(256, 256),
      columnSpacing: 1.4,
      rowSpacing: 1.4,
      sliceOffsets: Array.from({ length: 40 }, (_, k) => k * 5 + (k > 20 ? 1 : 0)),
    });
    const src = fillVolume(srcGeom, linearField);
    const rot = rotatedAxes(0.05, 0.02, 0.03);
    const target = makeGeometry({
      columns: 256,
      rows: 256,
      r: rot.r,
      c: rot.c,
      columnSpacing: 1.45,
      rowSpacing: 1.45,
      origin: [3, 2, 4],
      sliceOffsets: Array.from({ length: 40 }, (_, k) => k * 4.8),
    });
    resampleToGrid(src, target); // warm-up: the first call includes JIT compilation
    // CPU time, best of three: wall time on a runner shared with other jobs measures the queue.
    let ms = Infinity;
    for (let run = 0; run < 3; run++) {
      const c0 = process.cpuUsage();
      resampleToGrid(src, target);
      const c = process.cpuUsage(c0);
      ms = Math.min(ms, (c.user + c.system) / 1000);
    }
    console.log(`resample 256x256x40 -> 256x256x40: ${ms.toFixed(0)} ms CPU`);
    // Measured 165-290 ms CPU on this 2-core machine (idle to load average 10).
    expect(ms).toBeLessThan(1000);
  });
});

describe("samplePlane", () => {
  const vol = fillVolume(obliqueGeom, linearField);

  it("samples an arbitrary oriented patch at the documented positions", () => {
    const centre = indexToPatient(obliqueGeom, [12, 10, 3]);
    const u: Vec3 = [0.6, 0.8, 0];
    const v: Vec3 = [0, 0, 2]; // normalized by samplePlane
    const patch = samplePlane(vol, {
      centre,
      uAxis: u,
      vAxis: v,
      pixelSize: [0.5, 0.4],
      width: 9,
      height: 7,
    });
    expect(patch.length).toBe(63);
    for (let y = 0; y < 7; y++)
      for (let x = 0; x < 9; x++) {
        const p: Vec3 = [
          centre[0] + (x - 4) * 0.5 * 0.6,
          centre[1] + (x - 4) * 0.5 * 0.8,
          centre[2] + (y - 3) * 0.4,
        ];
        expect(patch[y * 9 + x]).toBeCloseTo(linearField(p), 3);
      }
  });

  it("reproduces a stored slice when the plane is that slice, and reuses a buffer", () => {
    const g = obliqueGeom;
    const centre = indexToPatient(g, [(g.columns - 1) / 2, (g.rows - 1) / 2, 4]);
    const buf = new Float32Array(g.columns * g.rows);
    const out = samplePlane(
      vol,
      {
        centre,
        uAxis: g.rowDirection,
        vAxis: g.columnDirection,
        pixelSize: [g.columnSpacing, g.rowSpacing],
        width: g.columns,
        height: g.rows,
      },
      0,
      buf,
    );
    expect(out).toBe(buf);
    const slice = vol.data.subarray(4 * g.columns * g.rows, 5 * g.columns * g.rows);
    for (let m = 0; m < slice.length; m++) expect(out[m]).toBeCloseTo(slice[m]!, 3);
  });

  it("rejects a bad size", () => {
    const centre: Vec3 = [0, 0, 0];
    expect(() =>
      samplePlane(vol, {
        centre,
        uAxis: [1, 0, 0],
        vAxis: [0, 1, 0],
        pixelSize: 1,
        width: 0,
        height: 4,
      }),
    ).toThrow(VolumeGeometryError);
  });
});
