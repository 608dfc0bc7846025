// Stage 3, fuse. In: every detector's boxes, the detector grids they live on, the reference grid.
// Out: at most one ROI per reference slice (pixel voting), the most confident topFraction kept.
import type { SequenceId, Vec3 } from "../contract/domain";
import type { VolumeGeometry } from "../contract/volume";
import { dot, gridTransform, type GridTransform } from "../contract/geometry";
import type { PipelineConfig } from "./config";
import type { Detection, Roi } from "./types";

export interface FuseInput {
  detections: Detection[];
  /** The grid each sequence's detections were decoded on. */
  grids: Partial<Record<SequenceId, VolumeGeometry>>;
  /** The frame the votes are counted in (the reference sequence's detector grid). */
  reference: VolumeGeometry;
}

/** A detector box carried into the reference frame (pixel indices of the reference grid). */
interface MappedBox {
  sequence: SequenceId;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  w: number;
  h: number;
  score: number;
}

/**
 * Paper, "Key ROI Localization": "each pixel in the slice receives a vote if any bounding box from
 * the five detectors overlaps with it. The pixel with the most votes corresponds to the regressed
 * ROI location. The size and confidence of the final ROI [are] the average values from all
 * overlapping bounding boxes. Finally, we only pass on the most confident ROIs for each study
 * (top 48%)". Two choices the paper leaves open, fixed here:
 * - a pixel is covered when its centre lies inside the closed box, and a box narrower than a
 *   pixel still covers the pixel nearest its centre, so that no detection is silently voteless;
 * - ties: the first most-voted pixel in raster order picks the covering boxes; every pixel of their
 *   intersection has the same (maximal) count, so the ROI centre is that intersection's centre,
 *   which does not depend on the scan order within the winning region.
 * One choice departs from the paper by default: the ROI's score, which ranks it for the top
 * fraction, is the consensus over all detectors (`roiScore`), not the covering boxes' mean; the
 * paper's mean stays available. Chosen on validation in round 7 (README, "Models").
 */
export function fuse(
  input: FuseInput,
  config: Pick<PipelineConfig, "topFraction" | "roiScore" | "minDetectors"> &
    Partial<Pick<PipelineConfig, "sliceVoting">>,
): Roi[] {
  const slab = config.sliceVoting === "slab";
  const detectors = Object.keys(input.grids).length;
  const ref = gridTransform(input.reference);
  const { columns, rows, slices } = input.reference;
  const perSlice = new Map<number, MappedBox[]>();
  for (const d of input.detections) {
    const grid = input.grids[d.sequence];
    if (grid === undefined) throw new Error(`No grid for ${d.sequence} detections.`);
    const src = gridTransform(grid);
    const centre = src.indexToPatient([d.cx, d.cy, d.sliceIndex]) as Vec3;
    const [ci, cj, ck] = ref.patientToIndex(centre);
    const voted = slab ? slabSlices(centre, grid, ref, slices) : [];
    const k = Math.round(ck);
    // A box farther than half a slice from every reference slice has no slice to vote on.
    if (voted.length === 0 && k >= 0 && k < slices && Math.abs(ck - k) <= 0.5) voted.push(k);
    if (voted.length === 0) continue;
    // The box's in-plane axes, in mm, projected on the reference axes: the axis-aligned extent of
    // the rotated rectangle (exact when both series share an orientation).
    const wMm = d.w * grid.columnSpacing;
    const hMm = d.h * grid.rowSpacing;
    const w =
      (Math.abs(wMm * dot(src.r, ref.r)) + Math.abs(hMm * dot(src.c, ref.r))) /
      input.reference.columnSpacing;
    const h =
      (Math.abs(wMm * dot(src.r, ref.c)) + Math.abs(hMm * dot(src.c, ref.c))) /
      input.reference.rowSpacing;
    const box: MappedBox = {
      sequence: d.sequence,
      x0: ci - w / 2,
      x1: ci + w / 2,
      y0: cj - h / 2,
      y1: cj + h / 2,
      w,
      h,
      score: d.score,
    };
    for (const v of voted) {
      const list = perSlice.get(v);
      if (list) list.push(box);
      else perSlice.set(v, [box]);
    }
  }

  const rois: Roi[] = [];
  const votes = new Uint16Array(columns * rows);
  for (const k of [...perSlice.keys()].sort((a, b) => a - b)) {
    const boxes = perSlice.get(k)!;
    votes.fill(0);
    const spans = boxes.map((b) => pixelSpan(b, columns, rows));
    for (const [i0, i1, j0, j1] of spans) {
      for (let j = j0; j <= j1; j++) {
        for (let i = i0; i <= i1; i++) votes[j * columns + i]!++;
      }
    }
    let best = 0;
    let at = -1;
    for (let p = 0; p < votes.length; p++) {
      if (votes[p]! > best) {
        best = votes[p]!;
        at = p;
      }
    }
    if (at < 0) continue; // every box of this slice lies outside the reference grid
    const pi = at % columns;
    const pj = (at - pi) / columns;
    const covering = boxes.filter((_, n) => {
      const [i0, i1, j0, j1] = spans[n]!;
      return i0 <= pi && pi <= i1 && j0 <= pj && pj <= j1;
    });
    const cx =
      (Math.max(...covering.map((b) => b.x0)) + Math.min(...covering.map((b) => b.x1))) / 2;
    const cy =
      (Math.max(...covering.map((b) => b.y0)) + Math.min(...covering.map((b) => b.y1))) / 2;
    const w = mean(covering.map((b) => b.w));
    const h = mean(covering.map((b) => b.h));
    rois.push({
      sliceIndex: k,
      cx,
      cy,
      centerMm: ref.indexToPatient([cx, cy, k]) as Vec3,
      w,
      h,
      widthMm: w * input.reference.columnSpacing,
      heightMm: h * input.reference.rowSpacing,
      score:
        config.roiScore === "consensus"
          ? consensusScore(covering, detectors)
          : mean(covering.map((b) => b.score)),
      votes: covering.length,
      sequences: [...new Set(covering.map((b) => b.sequence))],
      rank: 0,
    });
  }
  const agreed = rois.filter((r) => r.sequences.length >= config.minDetectors);
  return keepMostConfident(agreed.length > 0 ? agreed : rois, config.topFraction);
}

/**
 * `sliceVoting: "slab"`: the reference slices whose centres lie inside the detector slice through
 * `centre` (its SliceThickness along its normal, edges included); none when it holds no centre.
 */
function slabSlices(
  centre: Vec3,
  grid: VolumeGeometry,
  ref: GridTransform,
  slices: number,
): number[] {
  const half = grid.sliceThickness / 2;
  if (!(half > 0)) return [];
  const end = (sign: number): number =>
    ref.patientToIndex([0, 1, 2].map((a) => centre[a]! + sign * half * grid.normal[a]!) as Vec3)[2];
  const a = end(-1);
  const b = end(1);
  const from = Math.max(0, Math.ceil(Math.min(a, b) - 1e-9));
  const to = Math.min(slices - 1, Math.floor(Math.max(a, b) + 1e-9));
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/**
 * How many of n ROIs the top fraction keeps: ceil(n * fraction), so a study with any ROI keeps at
 * least one (paper: a study is "no-roi" only when the localizer finds nothing) and a fraction is
 * never rounded down to dropping a whole extra ROI. The 1e-9 guard keeps exact products exact:
 * 25 * 0.48 is 12.000000000000002 in binary floating point, and ceil of that must still be 12.
 */
export function topCount(n: number, fraction: number): number {
  if (n <= 0) return 0;
  return Math.min(n, Math.max(1, Math.ceil(n * fraction - 1e-9)));
}

/** Sorts by score (ties: lower slice first), keeps topCount, and numbers the ranks from 1. */
export function keepMostConfident(rois: Roi[], fraction: number): Roi[] {
  const sorted = [...rois].sort((a, b) => b.score - a.score || a.sliceIndex - b.sliceIndex);
  return sorted.slice(0, topCount(rois.length, fraction)).map((r, i) => ({ ...r, rank: i + 1 }));
}

/** Covered pixel range [i0, i1] x [j0, j1], clipped to the grid (empty when i0 > i1). */
function pixelSpan(b: MappedBox, columns: number, rows: number): [number, number, number, number] {
  const axis = (lo: number, hi: number, n: number): [number, number] => {
    let a = Math.ceil(lo);
    let z = Math.floor(hi);
    if (a > z) a = z = Math.round((lo + hi) / 2);
    return [Math.max(0, a), Math.min(n - 1, z)];
  };
  const [i0, i1] = axis(b.x0, b.x1, columns);
  const [j0, j1] = axis(b.y0, b.y1, rows);
  return [i0, i1, j0, j1];
}

/** Mean over the `detectors` that ran of each one's best covering box (0 for one with none). */
function consensusScore(covering: MappedBox[], detectors: number): number {
  const best = new Map<SequenceId, number>();
  for (const b of covering) best.set(b.sequence, Math.max(best.get(b.sequence) ?? 0, b.score));
  return [...best.values()].reduce((s, v) => s + v, 0) / Math.max(detectors, best.size);
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
