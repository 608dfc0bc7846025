// ROI overlays on any pane: a stored ROI is a box in pixels of one slice of one series; its
// corners go to patient coordinates through that series' geometry and from there into the pane's
// series (PS3.3 C.7.6.2.1.1 both ways), so the box lands on the same anatomy whatever the pane's
// field of view, matrix or slice thickness.
import type { Vec3 } from "../../electron/contract/domain";
import type { RoiView } from "../../electron/contract/ipc";
import type { GridTransform } from "../../electron/contract/geometry";

export interface PaneRoi {
  rank: number;
  score: number;
  /** Box in the pane's pixel-index coordinates (integer = pixel centre). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Continuous slice index of the ROI in the pane's stack. */
  k: number;
  /** How many of the pane's slices away the lesion still shows (half its in-plane size). */
  depthSlices: number;
}

/** Mean distance between adjacent slices along the normal, or the thickness for one slice. */
export function sliceSpacing(t: GridTransform): number {
  const s = t.sliceS;
  if (s.length < 2) return t.geometry.sliceThickness || 1;
  return Math.abs(s[s.length - 1]! - s[0]!) / (s.length - 1);
}

export function roiInPane(roi: RoiView, source: GridTransform, pane: GridTransform): PaneRoi {
  const [x0, y0, x1, y1] = roi.box;
  const corners: Vec3[] = [
    [x0, y0, roi.sliceIndex],
    [x1, y0, roi.sliceIndex],
    [x0, y1, roi.sliceIndex],
    [x1, y1, roi.sliceIndex],
  ].map((c) => pane.patientToIndex(source.indexToPatient(c as Vec3)));
  const is = corners.map((c) => c[0]);
  const js = corners.map((c) => c[1]);
  const k = corners.reduce((sum, c) => sum + c[2], 0) / corners.length;
  const g = source.geometry;
  const radiusMm =
    Math.min(Math.abs(x1 - x0) * g.columnSpacing, Math.abs(y1 - y0) * g.rowSpacing) / 2;
  return {
    rank: roi.rank,
    score: roi.score,
    x0: Math.min(...is),
    y0: Math.min(...js),
    x1: Math.max(...is),
    y1: Math.max(...js),
    k,
    depthSlices: Math.max(0.5, radiusMm / sliceSpacing(pane)),
  };
}

/** Whether slice `slice` of the pane shows the ROI, and whether it is the key slice. */
export function roiVisibility(r: PaneRoi, slice: number): "key" | "near" | "hidden" {
  const d = Math.abs(slice - r.k);
  if (d < 0.5 + 1e-6) return "key";
  return d <= r.depthSlices ? "near" : "hidden";
}
