// Viewer geometry (issue 13 §4): zoom keeps the point under the cursor still; edge letters follow
// the image orientation (LPS).
import { describe, expect, it } from "vitest";
import {
  directionLetter,
  directionLetters,
  paneMarkers,
  zoomAt,
} from "../../renderer/viewer/orientation";

describe("zoomAt", () => {
  it("keeps the image point under the cursor where it was", () => {
    const size = { w: 400, h: 300 };
    const view = { zoom: 1.5, panX: 20, panY: -10 };
    const next = zoomAt(view, 3, 100, 50, size);
    // Screen position of an image offset u (from the image centre, in zoom-1 pixels).
    const screen = (v: typeof view, u: number, axis: "x" | "y") =>
      (axis === "x" ? size.w / 2 + v.panX : size.h / 2 + v.panY) + u * v.zoom;
    const ux = (100 - (size.w / 2 + view.panX)) / view.zoom;
    const uy = (50 - (size.h / 2 + view.panY)) / view.zoom;
    expect(screen(next, ux, "x")).toBeCloseTo(100, 9);
    expect(screen(next, uy, "y")).toBeCloseTo(50, 9);
    expect(next.zoom).toBe(3);
  });
});

describe("directionLetter", () => {
  it("names the dominant LPS direction", () => {
    // Axial, standard orientation: the right edge is the patient's left, the bottom posterior.
    expect(directionLetter([1, 0, 0])).toBe("L");
    expect(directionLetter([-1, 0, 0])).toBe("R");
    expect(directionLetter([0, 1, 0])).toBe("P");
    expect(directionLetter([0, -1, 0])).toBe("A");
    expect(directionLetter([0, 0, -1])).toBe("F");
    expect(directionLetter([0.2, 0.1, 0.97])).toBe("H");
  });
});

describe("paneMarkers", () => {
  const cos30 = Math.cos(Math.PI / 6);
  it("axial: R at the left edge, L right, A top, P bottom", () => {
    expect(paneMarkers([1, 0, 0], [0, 1, 0])).toEqual({
      left: "R",
      right: "L",
      top: "A",
      bottom: "P",
    });
  });
  it("coronal: R/L across, H top, F bottom", () => {
    expect(paneMarkers([1, 0, 0], [0, 0, -1])).toEqual({
      left: "R",
      right: "L",
      top: "H",
      bottom: "F",
    });
  });
  it("sagittal: A left, P right, H top, F bottom", () => {
    expect(paneMarkers([0, 1, 0], [0, 0, -1])).toEqual({
      left: "A",
      right: "P",
      top: "H",
      bottom: "F",
    });
  });
  it("oblique: both directions of a tilted axis, the stronger first", () => {
    // An axial plane tilted 30 degrees about the patient's left-right axis (feet-wards).
    expect(paneMarkers([1, 0, 0], [0, cos30, -0.5])).toEqual({
      left: "R",
      right: "L",
      top: "AH",
      bottom: "PF",
    });
    // Rotated 45 degrees in plane: the rows run left and posterior equally.
    const s = Math.SQRT1_2;
    expect(paneMarkers([s, s, 0], [-s, s, 0]).right).toBe("LP");
    // Scanner noise in the cosines does not add a letter.
    expect(directionLetters([0.999, 0.04, -0.02])).toBe("L");
    expect(directionLetters([0, 0, 0])).toBe(directionLetter([0, 0, 0]));
  });
  it("flipped (patient prone or image mirrored): the letters follow the cosines", () => {
    expect(paneMarkers([-1, 0, 0], [0, -1, 0])).toEqual({
      left: "L",
      right: "R",
      top: "P",
      bottom: "A",
    });
  });
});
