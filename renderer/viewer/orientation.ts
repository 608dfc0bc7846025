// Pure viewer geometry (issue 13 §4): zoom about the cursor and the patient-direction letters at
// a pane's edges. No DOM, so it is unit-tested (test/renderer/orientation.test.ts).
/**
 * The view after zooming to `zoom` about the screen point (x, y): the image centre sits at
 * (w/2 + panX, h/2 + panY) and every image point moves away from (x, y) by the zoom ratio.
 */
export function zoomAt(
  view: { zoom: number; panX: number; panY: number },
  zoom: number,
  x: number,
  y: number,
  size: { w: number; h: number },
): { zoom: number; panX: number; panY: number } {
  const k = zoom / view.zoom;
  const cx = size.w / 2;
  const cy = size.h / 2;
  return { zoom, panX: x - (x - cx - view.panX) * k - cx, panY: y - (y - cy - view.panY) * k - cy };
}

/** The patient direction a unit vector points to most (LPS: +x left, +y posterior, +z head). */
export function directionLetter(v: readonly number[]): string {
  const a = v.map(Math.abs);
  const i = a[0]! >= a[1]! && a[0]! >= a[2]! ? 0 : a[1]! >= a[2]! ? 1 : 2;
  const pos = v[i]! >= 0;
  return i === 0 ? (pos ? "L" : "R") : i === 1 ? (pos ? "P" : "A") : pos ? "H" : "F";
}

/**
 * Every patient direction a unit vector points to by a clear share, strongest first: "L" for an
 * axial row, "PF" for a column tilted 30 degrees from axial towards the feet. A component counts
 * from 0.25 (about 15 degrees of tilt); smaller ones are scanner noise in the cosines.
 */
export function directionLetters(v: readonly number[], min = 0.25): string {
  const letters = [
    ["L", "R"],
    ["P", "A"],
    ["H", "F"],
  ] as const;
  const parts = [0, 1, 2]
    .map((i) => ({ i, c: v[i] ?? 0 }))
    .filter((p) => Math.abs(p.c) >= min)
    .sort((a, b) => Math.abs(b.c) - Math.abs(a.c))
    .map((p) => letters[p.i]![p.c >= 0 ? 0 : 1]);
  return parts.length === 0 ? directionLetter(v) : parts.join("");
}

export interface PaneMarkers {
  left: string;
  right: string;
  top: string;
  bottom: string;
}

/**
 * The letters at a pane's four edges from ImageOrientationPatient (PS3.3 C.7.6.2.1.1): the row
 * cosines point from the left edge to the right one (increasing column), the column cosines from
 * the top to the bottom (increasing row), in LPS patient coordinates.
 */
export function paneMarkers(row: readonly number[], column: readonly number[]): PaneMarkers {
  const neg = (v: readonly number[]) => v.map((x) => -x);
  return {
    left: directionLetters(neg(row)),
    right: directionLetters(row),
    top: directionLetters(neg(column)),
    bottom: directionLetters(column),
  };
}
