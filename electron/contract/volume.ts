// A scalar image volume on an (optionally oblique, optionally non-uniformly spaced) slice stack,
// as built from one DICOM series. Indexing: data[(k * rows + j) * columns + i], where i is the
// column index, j the row index and k the slice index sorted along the slice normal.
import type { Vec3 } from "./domain";

export interface VolumeGeometry {
  columns: number;
  rows: number;
  slices: number;
  /** ImageOrientationPatient[0..2]: direction in which the column index i increases. */
  rowDirection: Vec3;
  /** ImageOrientationPatient[3..5]: direction in which the row index j increases. */
  columnDirection: Vec3;
  /** rowDirection x columnDirection; slices are sorted by increasing position along it. */
  normal: Vec3;
  /** Spacing in mm between adjacent columns (PixelSpacing[1]) and rows (PixelSpacing[0]). */
  columnSpacing: number;
  rowSpacing: number;
  /** ImagePositionPatient of each slice, in slice order (centre of the first transmitted pixel). */
  slicePositions: Vec3[];
  /** Nominal slice thickness in mm (SliceThickness). */
  sliceThickness: number;
}

export interface Volume {
  geometry: VolumeGeometry;
  /** Stored values with rescale slope/intercept applied. */
  data: Float32Array;
}
