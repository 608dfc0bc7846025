// PNG montage of one phantom study for human review (issue 2 §3): the five sequences at the index
// lesion's level side by side, each windowed from its own histogram, with every truth box of that
// slice outlined, so a radiologist can judge whether the phantom reads as liver MRI.
import { PNG } from "pngjs";
import { SEQUENCES } from "../contract/domain";
import type { SeriesPlan } from "./geometry";
import type { StudyPlan } from "./plan";
import { SEQUENCE_OF_KIND } from "./protocol";
import { renderSlice } from "./render";
import { buildScene } from "./scene";
import { lesionSection } from "./truth";

const PANEL = 256;

function nearestSlice(series: SeriesPlan, z: number): number {
  let best = 0;
  series.slices.forEach((s, k) => {
    if (Math.abs(s.location - z) < Math.abs((series.slices[best]?.location ?? 0) - z)) best = k;
  });
  return best;
}

/** Window from the 1st percentile to 10% above the 99.7th of the non-background pixels. */
function windowOf(px: Uint16Array): [number, number] {
  const vals = Array.from(px)
    .filter((v) => v > 0)
    .sort((a, b) => a - b);
  if (vals.length === 0) return [0, 1];
  const lo = vals[Math.floor(vals.length * 0.01)] ?? 0;
  const hi = (vals[Math.floor(vals.length * 0.997)] ?? 1) * 1.1;
  return [lo, Math.max(hi, lo + 1)];
}

/** Renders the montage of `study` and returns the PNG file bytes. */
export function studyMontage(study: StudyPlan): Buffer {
  const scene = buildScene(study);
  const index = study.lesions[0];
  if (!index) throw new Error(`study ${study.key} has no lesion`);
  const gap = 4;
  const png = new PNG({ width: SEQUENCES.length * (PANEL + gap) - gap, height: PANEL });
  png.data.fill(0);
  for (let a = 3; a < png.data.length; a += 4) png.data[a] = 255;
  SEQUENCES.forEach((id, p) => {
    const series = study.series.find((s) => SEQUENCE_OF_KIND[s.kind] === id);
    if (!series) throw new Error(`study ${study.key} lacks ${id}`);
    const k = nearestSlice(series, index.center[2] + series.shift[2]);
    const px = renderSlice(scene, series, k);
    const [lo, hi] = windowOf(px);
    const n = series.matrix;
    const scale = Math.max(n, series.rows * (series.rowSpacing / series.pixelSpacing)) / PANEL;
    const aspect = series.rowSpacing / series.pixelSpacing;
    const x0 = p * (PANEL + gap);
    for (let y = 0; y < PANEL; y++) {
      for (let x = 0; x < PANEL; x++) {
        const row = Math.floor((y * scale) / aspect);
        const col = Math.floor(x * scale);
        const v = row < series.rows && col < n ? (px[row * n + col] ?? 0) : 0;
        const g = Math.round(Math.min(1, Math.max(0, (v - lo) / (hi - lo))) * 255);
        const o = (y * png.width + x0 + x) * 4;
        png.data[o] = g;
        png.data[o + 1] = g;
        png.data[o + 2] = g;
      }
    }
    for (const lesion of study.lesions) {
      const box = lesionSection(lesion, series, k);
      if (!box) continue;
      // Outline one pixel outside the box so the lesion edge itself stays visible.
      const [bx0, by0, bx1, by1] = box.map((b) => b / scale) as [number, number, number, number];
      const X0 = Math.floor(bx0) - 1;
      const Y0 = Math.floor(by0) - 1;
      const X1 = Math.ceil(bx1) + 1;
      const Y1 = Math.ceil(by1) + 1;
      const dot = (x: number, y: number): void => {
        if (x < 0 || y < 0 || x >= PANEL || y >= PANEL) return;
        const o = (y * png.width + x0 + x) * 4;
        png.data[o] = 255;
        png.data[o + 1] = 210;
        png.data[o + 2] = 0;
      };
      for (let x = X0; x <= X1; x++) {
        dot(x, Y0);
        dot(x, Y1);
      }
      for (let y = Y0; y <= Y1; y++) {
        dot(X0, y);
        dot(X1, y);
      }
    }
  });
  return PNG.sync.write(png);
}
