// Analytic volumes with known geometry for the geometry, resampler and volume tests.
import type { Vec3 } from "../../electron/contract/domain";
import type { Volume, VolumeGeometry } from "../../electron/contract/volume";
import { cross, normalize } from "../../electron/contract/geometry";

/** Rotation of the identity axes by angles (radians) about z, then y, then x. */
export function rotatedAxes(az: number, ay: number, ax: number): { r: Vec3; c: Vec3 } {
  const rot = (v: Vec3): Vec3 => {
    let [x, y, z] = v;
    [x, y] = [x * Math.cos(az) - y * Math.sin(az), x * Math.sin(az) + y * Math.cos(az)];
    [x, z] = [x * Math.cos(ay) + z * Math.sin(ay), -x * Math.sin(ay) + z * Math.cos(ay)];
    [y, z] = [y * Math.cos(ax) - z * Math.sin(ax), y * Math.sin(ax) + z * Math.cos(ax)];
    return [x, y, z];
  };
  return { r: rot([1, 0, 0]), c: rot([0, 1, 0]) };
}

export function makeGeometry(opts: {
  columns: number;
  rows: number;
  r: Vec3;
  c: Vec3;
  columnSpacing: number;
  rowSpacing: number;
  origin: Vec3;
  /** Offsets of each slice along the normal, mm, increasing. */
  sliceOffsets: number[];
  sliceThickness?: number;
}): VolumeGeometry {
  const normal = normalize(cross(opts.r, opts.c));
  return {
    columns: opts.columns,
    rows: opts.rows,
    slices: opts.sliceOffsets.length,
    rowDirection: opts.r,
    columnDirection: opts.c,
    normal,
    columnSpacing: opts.columnSpacing,
    rowSpacing: opts.rowSpacing,
    slicePositions: opts.sliceOffsets.map((o) => [
      opts.origin[0] + o * normal[0],
      opts.origin[1] + o * normal[1],
      opts.origin[2] + o * normal[2],
    ]),
    sliceThickness: opts.sliceThickness ?? 1,
  };
}

/** Patient position of integer voxel (i, j, k) straight from PS3.3 C.7.6.2.1.1. */
export function voxelPosition(g: VolumeGeometry, i: number, j: number, k: number): Vec3 {
  const p = g.slicePositions[k]!;
  return [0, 1, 2].map(
    (a) =>
      p[a]! + i * g.columnSpacing * g.rowDirection[a]! + j * g.rowSpacing * g.columnDirection[a]!,
  ) as Vec3;
}

export type Field = (p: Vec3) => number;

/** A linear function of patient position: trilinear interpolation must reproduce it exactly. */
export const linearField: Field = (p) => 0.5 * p[0] - 0.25 * p[1] + 0.75 * p[2] + 100;

export function fillVolume(g: VolumeGeometry, f: Field): Volume {
  const data = new Float32Array(g.columns * g.rows * g.slices);
  for (let k = 0; k < g.slices; k++)
    for (let j = 0; j < g.rows; j++)
      for (let i = 0; i < g.columns; i++) {
        data[(k * g.rows + j) * g.columns + i] = f(voxelPosition(g, i, j, k));
      }
  return { geometry: g, data };
}

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
