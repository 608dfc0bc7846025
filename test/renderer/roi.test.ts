// ROI overlays: a box stored on one series lands on the same patient position in another series
// with a different field of view, matrix, slice thickness and start position.
import { describe, expect, it } from "vitest";
import type { VolumeGeometry } from "../../electron/contract/volume";
import { GridTransform } from "../../electron/contract/geometry";
import { roiInPane, roiVisibility, sliceSpacing } from "../../renderer/overlays/roi";
import type { RoiView } from "../../electron/contract/ipc";

function axial(
  columns: number,
  spacing: number,
  origin: [number, number],
  z0: number,
  dz: number,
  n: number,
): VolumeGeometry {
  return {
    columns,
    rows: columns,
    slices: n,
    rowDirection: [1, 0, 0],
    columnDirection: [0, 1, 0],
    normal: [0, 0, 1],
    columnSpacing: spacing,
    rowSpacing: spacing,
    slicePositions: Array.from({ length: n }, (_, k) => [origin[0], origin[1], z0 + k * dz]),
    sliceThickness: dz,
  };
}

describe("roiInPane", () => {
  const source = new GridTransform(axial(128, 3, [-192, -192], -60, 3, 41));
  const pane = new GridTransform(axial(256, 1.5, [-180, -200], -61, 5, 25));
  const roi: RoiView = {
    rank: 1,
    seriesInstanceUid: "1.2.3",
    sequence: "T1_venous",
    sliceIndex: 20,
    box: [60, 70, 70, 80],
    centerMm: [-192 + 65 * 3, -192 + 75 * 3, 0],
    score: 0.8,
    probabilities: {},
  };

  it("maps the corners through patient coordinates", () => {
    const r = roiInPane(roi, source, pane);
    // x: -192 + 60*3 = -12 mm -> pane column (-12 + 180) / 1.5 = 112; y: -192 + 210 = 18 -> 145.33.
    expect(r.x0).toBeCloseTo(112, 6);
    expect(r.x1).toBeCloseTo((-192 + 70 * 3 + 180) / 1.5, 6);
    expect(r.y0).toBeCloseTo((18 + 200) / 1.5, 6);
    // z = -60 + 20*3 = 0 mm -> pane k = (0 + 61) / 5 = 12.2
    expect(r.k).toBeCloseTo(12.2, 6);
    // 30 mm box -> 15 mm radius over 5 mm slices.
    expect(r.depthSlices).toBeCloseTo(3, 6);
    expect(sliceSpacing(pane)).toBeCloseTo(5, 9);
  });

  it("is solid on the nearest slice, dashed within the lesion radius, hidden beyond", () => {
    const r = roiInPane(roi, source, pane);
    expect(roiVisibility(r, 12)).toBe("key");
    expect(roiVisibility(r, 14)).toBe("near");
    expect(roiVisibility(r, 16)).toBe("hidden");
  });
});
