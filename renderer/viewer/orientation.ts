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
