// Decoded frames of one series -> a Volume (contract/volume.ts) on a sorted slice stack.
// No Node and no DOM: the pipeline may build volumes from frames it already holds.
//
// DICOM gives no slice order: InstanceNumber and file names are often unrelated to anatomy, so
// slices are sorted by their position along the slice normal, the cross product of the two
// ImageOrientationPatient directions (PS3.3 C.7.6.2.1.1). Spacing comes from those positions,
// never from SpacingBetweenSlices (0018,0088), which is optional and often wrong for gaps.
import type { Vec3 } from "../contract/domain";
import { AppError } from "../contract/errors";
import type { Volume, VolumeGeometry } from "../contract/volume";
import type { FrameInfo } from "./instance";
import { cross, dot, norm, normalize } from "../contract/geometry";

/** Frames that cannot form one volume (mixed orientation or size, missing geometry). */
export class VolumeBuildError extends AppError {
  constructor(message: string) {
    super("VOLUME_BUILD", message);
  }
}

export interface SliceInput {
  frame: FrameInfo;
  /** Stored values (before rescale) from DicomInstance.decodeFrame, rows*columns long. */
  pixels: Int32Array | Float32Array;
  sopInstanceUid: string;
}

export interface BuiltVolume {
  volume: Volume;
  /** SOP Instance UID of each slice, in slice order (repeated for frames of one multi-frame file). */
  sopInstanceUids: string[];
  /** Frame Number (1-based, PS3.3 C.7.6.6) of each slice within its instance, in slice order. */
  frameNumbers: number[];
  nonUniformSpacing: boolean;
  warnings: string[];
}

/** Orientation components may differ by this much and still be one stack (about 0.06 degrees). */
const ORIENTATION_TOLERANCE = 1e-3;
/** Two slices closer than this along the normal (mm) occupy the same position. */
const DUPLICATE_TOLERANCE_MM = 1e-3;

function describeSlice(s: SliceInput): string {
  return `instance ${s.sopInstanceUid} frame ${s.frame.index + 1}`;
}

export function buildVolume(slices: SliceInput[]): BuiltVolume {
  const first = slices[0];
  if (first === undefined) throw new VolumeBuildError("The series has no image frames.");
  const { rows, columns } = first.frame;
  const iop = requireGeometry(first).iop;
  const spacing = requireGeometry(first).spacing;
  for (const s of slices) {
    const g = requireGeometry(s);
    if (s.frame.rows !== rows || s.frame.columns !== columns) {
      throw new VolumeBuildError(
        `Mixed image sizes in one series: ${columns}x${rows} and ${s.frame.columns}x${s.frame.rows} (${describeSlice(s)}).`,
      );
    }
    if (s.pixels.length !== rows * columns) {
      throw new VolumeBuildError(
        `${describeSlice(s)} has ${s.pixels.length} pixel values; ${columns}x${rows} needs ${rows * columns} (single-sample images only).`,
      );
    }
    if (g.iop.some((v, m) => Math.abs(v - iop[m]!) > ORIENTATION_TOLERANCE)) {
      throw new VolumeBuildError(
        `Mixed slice orientations in one series (${describeSlice(s)} differs from the first): ` +
          "a localizer or multi-plane series cannot be built into one volume.",
      );
    }
    if (g.spacing.some((v, m) => Math.abs(v - spacing[m]!) > 1e-3 * spacing[m]!)) {
      throw new VolumeBuildError(
        `Mixed pixel spacing in one series: ${spacing.join("/")} and ${g.spacing.join("/")} mm (${describeSlice(s)}).`,
      );
    }
  }

  const rowDirection: Vec3 = [iop[0], iop[1], iop[2]];
  const columnDirection: Vec3 = [iop[3], iop[4], iop[5]];
  if (
    Math.abs(norm(rowDirection) - 1) > 1e-2 ||
    Math.abs(norm(columnDirection) - 1) > 1e-2 ||
    Math.abs(dot(rowDirection, columnDirection)) > 1e-2
  ) {
    throw new VolumeBuildError(
      `ImageOrientationPatient ${iop.join("\\")} is not two orthogonal unit vectors (PS3.3 C.7.6.2.1.1).`,
    );
  }
  const r = normalize(rowDirection);
  const c = normalize(columnDirection);
  const normal = normalize(cross(r, c));

  // Stable sort by distance along the normal; equal distances keep input order.
  const order = slices
    .map((s, m) => ({ s, m, d: dot(s.frame.imagePositionPatient!, normal) }))
    .sort((x, y) => x.d - y.d || x.m - y.m);

  const warnings: string[] = [];
  const kept: typeof order = [];
  let duplicates = 0;
  for (const o of order) {
    const prev = kept[kept.length - 1];
    if (prev !== undefined && o.d - prev.d < DUPLICATE_TOLERANCE_MM) duplicates++;
    else kept.push(o);
  }
  if (duplicates > 0) {
    warnings.push(
      `${duplicates} frame(s) repeat a slice position already present; the first of each position was kept.`,
    );
  }

  const gaps = kept.slice(1).map((o, m) => o.d - kept[m]!.d);
  const median = medianOf(gaps);
  let nonUniformSpacing = false;
  if (median !== null) {
    // 1% of the spacing (at least 0.01 mm) absorbs the DS rounding of positions (PS3.5 6.2).
    const tolerance = Math.max(0.01, 0.01 * median);
    nonUniformSpacing = gaps.some((g) => Math.abs(g - median) > tolerance);
    if (nonUniformSpacing) {
      warnings.push(
        `Non-uniform slice spacing: typically ${fmt(median)} mm, from ${fmt(Math.min(...gaps))} to ${fmt(Math.max(...gaps))} mm.`,
      );
    }
  }

  const plane = rows * columns;
  const data = new Float32Array(plane * kept.length);
  kept.forEach(({ s }, k) => {
    const { rescaleSlope: slope, rescaleIntercept: intercept } = s.frame;
    const px = s.pixels;
    const base = k * plane;
    for (let m = 0; m < plane; m++) data[base + m] = px[m]! * slope + intercept;
  });

  const thickness = first.frame.sliceThickness;
  const geometry: VolumeGeometry = {
    columns,
    rows,
    slices: kept.length,
    rowDirection,
    columnDirection,
    normal,
    // PixelSpacing is [row spacing (between rows), column spacing (between columns)], PS3.3 10.7.1.3.
    columnSpacing: spacing[1],
    rowSpacing: spacing[0],
    slicePositions: kept.map((o) => [...o.s.frame.imagePositionPatient!] as Vec3),
    sliceThickness: thickness !== null && thickness > 0 ? thickness : (median ?? 1),
  };
  return {
    volume: { geometry, data },
    sopInstanceUids: kept.map((o) => o.s.sopInstanceUid),
    frameNumbers: kept.map((o) => o.s.frame.index + 1),
    nonUniformSpacing,
    warnings,
  };
}

function requireGeometry(s: SliceInput): {
  iop: [number, number, number, number, number, number];
  spacing: [number, number];
} {
  const { imagePositionPatient, imageOrientationPatient, pixelSpacing } = s.frame;
  if (imagePositionPatient === null || imageOrientationPatient === null || pixelSpacing === null) {
    throw new VolumeBuildError(
      `${describeSlice(s)} lacks ImagePositionPatient, ImageOrientationPatient or PixelSpacing: ` +
        "its place in patient space is unknown (PS3.3 C.7.6.2).",
    );
  }
  if (!(pixelSpacing[0] > 0 && pixelSpacing[1] > 0)) {
    throw new VolumeBuildError(`${describeSlice(s)} has pixel spacing ${pixelSpacing.join("\\")}.`);
  }
  return { iop: imageOrientationPatient, spacing: pixelSpacing };
}

function medianOf(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function fmt(v: number): string {
  return v.toFixed(2);
}
