// Training targets from a phantom's truth.json, expressed in what the pipeline sees: truth boxes
// (native image pixels) carried through patient coordinates into the detector grids, and truth
// lesions turned into the ROIs the crop stage takes, with jitter that mimics detector-fused ROIs.
import type { Vec3 } from "../../contract/domain";
import { UsageError } from "../../contract/errors";
import type { VolumeGeometry } from "../../contract/volume";
import { gridTransform } from "../../contract/geometry";
import type { TruthBox, TruthStudy } from "../../phantom/truth";
import type { Roi } from "../../pipeline/types";

/** [x0, y0, x1, y1], pixel (i, j)'s centre at (i, j) (truth.json's and the detector's convention). */
export type BoxPx = [number, number, number, number];

/**
 * A box drawn on slice k of `native` -> the same region on slice k of `grid` (a detector grid of
 * that series: same slices and orientation). The four corners go through patient coordinates and
 * the result is their bounding box, exact for the in-plane similarity the detector grid applies.
 */
export function mapBox(native: VolumeGeometry, grid: VolumeGeometry, k: number, box: BoxPx): BoxPx {
  const src = gridTransform(native);
  const dst = gridTransform(grid);
  const [x0, y0, x1, y1] = box;
  const corners: Vec3[] = [
    [x0, y0, k],
    [x1, y0, k],
    [x0, y1, k],
    [x1, y1, k],
  ].map((c) => dst.patientToIndex(src.indexToPatient(c as Vec3)));
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/**
 * Truth boxes of one series grouped by slice of its volume (slice order = the volume's): a study's
 * lesion boxes (`truth.boxes`) or its distractors' (`truth.distractorBoxes`).
 */
export function boxesBySlice(
  boxes: readonly TruthBox[],
  seriesInstanceUid: string,
  sopInstanceUids: string[],
): Map<number, BoxPx[]> {
  const sliceOf = new Map<string, number>();
  sopInstanceUids.forEach((sop, k) => {
    if (!sliceOf.has(sop)) sliceOf.set(sop, k);
  });
  const out = new Map<number, BoxPx[]>();
  for (const b of boxes) {
    if (b.seriesInstanceUid !== seriesInstanceUid) continue;
    const k = sliceOf.get(b.sopInstanceUid);
    if (k === undefined) {
      throw new UsageError(
        `truth box on ${b.sopInstanceUid}, which is not in series ${seriesInstanceUid}`,
      );
    }
    const list = out.get(k);
    if (list) list.push([...b.box_px]);
    else out.set(k, [[...b.box_px]]);
  }
  return out;
}

/** Index of the truth lesion whose centre lies nearest (in patient mm) to a point. */
export function nearestLesion(truth: TruthStudy, p: Vec3): number {
  let best = 0;
  let bestD = Infinity;
  truth.lesions.forEach((l, i) => {
    const d = Math.hypot(l.center_mm[0] - p[0], l.center_mm[1] - p[1], l.center_mm[2] - p[2]);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

/**
 * The ROI that fuse would report for a truth box on slice k of the reference series: centre and
 * size in the reference detector grid and in mm. Only centerMm, widthMm and heightMm reach crop.
 */
export function roiFromBox(
  native: VolumeGeometry,
  reference: VolumeGeometry,
  k: number,
  box: BoxPx,
): Roi {
  const [x0, y0, x1, y1] = mapBox(native, reference, k, box);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const w = x1 - x0;
  const h = y1 - y0;
  return {
    sliceIndex: k,
    cx,
    cy,
    centerMm: gridTransform(reference).indexToPatient([cx, cy, k]),
    w,
    h,
    widthMm: w * reference.columnSpacing,
    heightMm: h * reference.rowSpacing,
    score: 1,
    votes: 5,
    sequences: [],
    rank: 1,
  };
}

export interface JitterSpec {
  /** Centre shift, uniform in +-centre x the ROI's width (along rows) and height (along columns). */
  centre: number;
  /** Size factor, uniform in [1 - size, 1 + size], drawn separately for width and height. */
  size: number;
}

/**
 * Detector-fused ROIs are off the lesion centre and mis-sized by a fraction of the lesion: the
 * voted pixel is the intersection of several boxes and the size is their mean. Jittered copies of
 * the truth ROI teach the classifier to hold up under the same errors.
 */
export function jitterRoi(
  roi: Roi,
  reference: VolumeGeometry,
  random: () => number,
  spec: JitterSpec,
): Roi {
  const u = (): number => 2 * random() - 1;
  const cx = roi.cx + u() * spec.centre * roi.w;
  const cy = roi.cy + u() * spec.centre * roi.h;
  const w = roi.w * (1 + u() * spec.size);
  const h = roi.h * (1 + u() * spec.size);
  return {
    ...roi,
    cx,
    cy,
    centerMm: gridTransform(reference).indexToPatient([cx, cy, roi.sliceIndex]),
    w,
    h,
    widthMm: w * reference.columnSpacing,
    heightMm: h * reference.rowSpacing,
  };
}
