// Index <-> patient coordinate transforms for a VolumeGeometry (contract/volume.ts).
// No Node and no DOM: the pipeline (crop, fuse) uses this too.
//
// DICOM PS3.3 C.7.6.2.1.1: the patient position of pixel (column i, row j) of a slice is
//   P = ImagePositionPatient + i * PixelSpacing[1] * RowDirection + j * PixelSpacing[0] * ColumnDirection
// where RowDirection = ImageOrientationPatient[0..2] and ColumnDirection = ImageOrientationPatient[3..5].
// Between slices the standard says nothing, and real stacks are not always evenly spaced (gaps,
// overlapping slabs), so the slice index k is continuous: a fractional k interpolates the slice
// position table linearly, and beyond either end it extrapolates the outermost spacing.
import type { Vec3 } from "./domain";
import { AppError } from "./errors";
import type { VolumeGeometry } from "./volume";

/** A geometry that cannot describe a slice stack (unsorted or coincident slices, degenerate axes). */
export class VolumeGeometryError extends AppError {
  constructor(message: string) {
    super("VOLUME_GEOMETRY", message);
  }
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function norm(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

export function normalize(a: Vec3): Vec3 {
  const n = norm(a);
  if (!(n > 1e-9)) throw new VolumeGeometryError(`Direction ${JSON.stringify(a)} has no length.`);
  return [a[0] / n, a[1] / n, a[2] / n];
}

/**
 * Precomputed transform of one geometry. Positions are decomposed on the (unit) basis
 * r = row direction, c = column direction, n = slice normal: p = a*r + b*c + s*n. The dual basis
 * makes this exact even when the stored orientation is not perfectly orthogonal (IOP is stored
 * with finite decimals, PS3.5 DS). Each slice position has coordinates (a_k, b_k, s_k); for index
 * (i, j, k): a = a_k + i*columnSpacing, b = b_k + j*rowSpacing, s = s_k.
 */
export class GridTransform {
  readonly geometry: VolumeGeometry;
  readonly r: Vec3;
  readonly c: Vec3;
  readonly n: Vec3;
  /** Dual basis: a = dot(p, ra), b = dot(p, ca), s = dot(p, na). */
  readonly ra: Vec3;
  readonly ca: Vec3;
  readonly na: Vec3;
  readonly sliceA: Float64Array;
  readonly sliceB: Float64Array;
  readonly sliceS: Float64Array;
  /** Spacing along s used beyond a single-slice stack (its thickness). */
  private readonly singleStep: number;
  /** Set when slice positions are evenly spaced along s: k = (s - s_0) / uniformStep. */
  readonly uniformStep: number | null;

  constructor(geometry: VolumeGeometry) {
    const g = geometry;
    if (g.columns < 1 || g.rows < 1 || g.slices < 1 || g.slicePositions.length !== g.slices) {
      throw new VolumeGeometryError(
        `Geometry ${g.columns}x${g.rows}x${g.slices} has ${g.slicePositions.length} slice positions.`,
      );
    }
    if (!(g.columnSpacing > 0) || !(g.rowSpacing > 0)) {
      throw new VolumeGeometryError(
        `Pixel spacing ${g.rowSpacing}/${g.columnSpacing} is not positive.`,
      );
    }
    this.geometry = g;
    this.r = normalize(g.rowDirection);
    this.c = normalize(g.columnDirection);
    this.n = normalize(g.normal);
    const [ra, ca, na] = dualBasis(this.r, this.c, this.n);
    this.ra = ra;
    this.ca = ca;
    this.na = na;
    const count = g.slices;
    this.sliceA = new Float64Array(count);
    this.sliceB = new Float64Array(count);
    this.sliceS = new Float64Array(count);
    g.slicePositions.forEach((p, k) => {
      this.sliceA[k] = dot(p, ra);
      this.sliceB[k] = dot(p, ca);
      this.sliceS[k] = dot(p, na);
    });
    for (let k = 1; k < count; k++) {
      if (!(this.sliceS[k]! > this.sliceS[k - 1]!)) {
        throw new VolumeGeometryError(
          `Slice ${k} is not beyond slice ${k - 1} along the normal: slices must be sorted and distinct.`,
        );
      }
    }
    this.singleStep = g.sliceThickness > 0 ? g.sliceThickness : 1;
    this.uniformStep = count >= 2 ? uniformStep(this.sliceS) : null;
  }

  /** Continuous slice index of normal coordinate s (piecewise linear in the position table). */
  kOfS(s: number): number {
    const S = this.sliceS;
    const count = S.length;
    if (count === 1) return (s - S[0]!) / this.singleStep;
    if (this.uniformStep !== null) return (s - S[0]!) / this.uniformStep;
    if (s <= S[0]!) return (s - S[0]!) / (S[1]! - S[0]!);
    if (s >= S[count - 1]!) {
      return count - 2 + (s - S[count - 2]!) / (S[count - 1]! - S[count - 2]!);
    }
    let lo = 0;
    let hi = count - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (S[mid]! <= s) lo = mid;
      else hi = mid;
    }
    return lo + (s - S[lo]!) / (S[hi]! - S[lo]!);
  }

  /** Writes (a_k, b_k, s_k) of a continuous slice index into out[0..2]. */
  sliceCoords(k: number, out: Float64Array): void {
    const count = this.sliceS.length;
    if (count === 1) {
      out[0] = this.sliceA[0]!;
      out[1] = this.sliceB[0]!;
      out[2] = this.sliceS[0]! + k * this.singleStep;
      return;
    }
    let k0 = Math.floor(k);
    if (k0 < 0) k0 = 0;
    else if (k0 > count - 2) k0 = count - 2;
    const w = k - k0;
    out[0] = this.sliceA[k0]! + w * (this.sliceA[k0 + 1]! - this.sliceA[k0]!);
    out[1] = this.sliceB[k0]! + w * (this.sliceB[k0 + 1]! - this.sliceB[k0]!);
    out[2] = this.sliceS[k0]! + w * (this.sliceS[k0 + 1]! - this.sliceS[k0]!);
  }

  private readonly scratch = new Float64Array(3);

  /** Continuous (i, j, k) -> patient position in mm (LPS). */
  indexToPatient(index: Vec3): Vec3 {
    const [i, j, k] = index;
    const t = this.scratch;
    this.sliceCoords(k, t);
    const a = t[0]! + i * this.geometry.columnSpacing;
    const b = t[1]! + j * this.geometry.rowSpacing;
    const s = t[2]!;
    const { r, c, n } = this;
    return [
      a * r[0] + b * c[0] + s * n[0],
      a * r[1] + b * c[1] + s * n[1],
      a * r[2] + b * c[2] + s * n[2],
    ];
  }

  /** Patient position in mm -> continuous (i, j, k); exact inverse of indexToPatient. */
  patientToIndex(p: Vec3): Vec3 {
    const s = dot(p, this.na);
    const k = this.kOfS(s);
    const t = this.scratch;
    this.sliceCoords(k, t);
    return [
      (dot(p, this.ra) - t[0]!) / this.geometry.columnSpacing,
      (dot(p, this.ca) - t[1]!) / this.geometry.rowSpacing,
      k,
    ];
  }
}

function dualBasis(r: Vec3, c: Vec3, n: Vec3): [Vec3, Vec3, Vec3] {
  // Rows of the inverse of the matrix with columns r, c, n (Cramer's rule).
  const det = dot(r, cross(c, n));
  if (!(Math.abs(det) > 1e-6)) {
    throw new VolumeGeometryError("Row, column and normal directions are not independent.");
  }
  const scale = (v: Vec3): Vec3 => [v[0] / det, v[1] / det, v[2] / det];
  return [scale(cross(c, n)), scale(cross(n, r)), scale(cross(r, c))];
}

function uniformStep(S: Float64Array): number | null {
  const count = S.length;
  const mean = (S[count - 1]! - S[0]!) / (count - 1);
  // Only exactly even stacks take the shortcut, so that kOfS stays the exact inverse of
  // sliceCoords; stacks with DS rounding noise (PS3.5 6.2) use the table search instead.
  for (let k = 1; k < count; k++) {
    if (Math.abs(S[k]! - S[k - 1]! - mean) > 1e-9 * mean) return null;
  }
  return mean;
}

const cache = new WeakMap<VolumeGeometry, GridTransform>();

/** The transform of a geometry, computed once per geometry object (geometries are not mutated). */
export function gridTransform(geometry: VolumeGeometry): GridTransform {
  let t = cache.get(geometry);
  if (t === undefined) {
    t = new GridTransform(geometry);
    cache.set(geometry, t);
  }
  return t;
}

export function indexToPatient(geometry: VolumeGeometry, index: Vec3): Vec3 {
  return gridTransform(geometry).indexToPatient(index);
}

export function patientToIndex(geometry: VolumeGeometry, p: Vec3): Vec3 {
  return gridTransform(geometry).patientToIndex(p);
}
