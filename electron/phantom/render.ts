// Renders one planned series of a scene into stored pixel values (Uint16, one array per slice).
// Per slice: tissue signals are evaluated at pixel centres with anti-aliased edges, averaged over
// sub-samples across the slice thickness (partial volume), multiplied by a smooth coil bias field,
// scaled by the series gain, and corrupted with Rician noise (magnitude of complex Gaussian noise,
// Gudbjartsson & Patz 1995), so background is Rayleigh-distributed as on a real magnitude image.
import type { SeriesPlan } from "./geometry";
import { lesionSignal, type LesionSignal } from "./lesion-signal";
import { Rng } from "./random";
import { LesionShape, type Scene, type Structure } from "./scene";
import { keepOrdering } from "./randomize";
import { SIGNAL, TISSUES, type Tissue } from "./tissue";

/**
 * 64k standard normal deviates drawn once from a fixed seed: per-pixel noise then costs one table
 * lookup instead of a Box-Muller transform (measured ~3x faster for the noise stage).
 */
const NORMALS = ((): Float32Array => {
  const rng = new Rng("normal-table");
  const t = new Float32Array(65536);
  for (let i = 0; i < t.length; i++) t[i] = rng.normal();
  return t;
})();

interface SeriesContext {
  scene: Scene;
  series: SeriesPlan;
  values: Record<Tissue, number>;
  lesionSignals: Map<Structure, LesionSignal>;
  /** Half the anti-aliasing ramp width in mm. */
  halfEdge: number;
  /**
   * The leading z-invariant structures (body wall, cavity, paraspinal muscles) painted once: on an
   * axial plane they look the same on every slice and sub-sample, and they cover the whole image,
   * so re-painting them dominated the render time.
   */
  background: Float32Array | null;
  firstVarying: number;
  /**
   * The liver's signed distance at each pixel of the current sub-sample, written while the liver
   * is painted and read by the structures clipped to it (vessels, ducts), which otherwise
   * re-evaluated the liver shape and took a fifth of the render time.
   */
  liverMap: Float32Array;
}

function contextFor(scene: Scene, series: SeriesPlan): SeriesContext {
  const base = SIGNAL[series.kind];
  const a = scene.study.anatomy;
  const liver =
    series.kind === "opposed_phase"
      ? base.liver * (1 - a.steatosis)
      : base.liver * (a.cirrhosis && series.postContrast ? 0.93 : 1);
  const values = { ...base, liver };
  const v = series.variation;
  if (v) {
    for (const t of TISSUES) values[t] *= v.tissueScale[t] ?? 1;
    keepOrdering(series.kind, values);
  }
  const lesionSignals = new Map<Structure, LesionSignal>();
  for (const st of scene.structures) {
    if (st.lesion)
      lesionSignals.set(
        st,
        lesionSignal(st.lesion, series.kind, values.liver, v?.lesionContrast ?? 1),
      );
  }
  let firstVarying = 0;
  while (scene.structures[firstVarying]?.shape.aabb[2] === -Infinity) firstVarying++;
  return {
    scene,
    series,
    values,
    lesionSignals,
    halfEdge: Math.max(0.5, series.pixelSpacing * 0.6),
    background: null,
    firstVarying,
    liverMap: new Float32Array(series.matrix * series.rows),
  };
}

const contexts = new WeakMap<SeriesPlan, { scene: Scene; ctx: SeriesContext }>();

function cachedContext(scene: Scene, series: SeriesPlan): SeriesContext {
  const hit = contexts.get(series);
  if (hit && hit.scene === scene) return hit.ctx;
  const ctx = contextFor(scene, series);
  contexts.set(series, { scene, ctx });
  return ctx;
}

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

/**
 * Paints one structure over `buf` on the plane through `origin` spanned by `r` (columns) and `c`
 * (rows). Only the pixel rectangle covered by the structure's bounding box is visited.
 */
function paint(
  ctx: SeriesContext,
  st: Structure,
  buf: Float32Array,
  origin: [number, number, number],
  r: readonly number[],
  c: readonly number[],
): void {
  const n = ctx.series.matrix;
  const rowsN = ctx.series.rows;
  const ps = ctx.series.pixelSpacing;
  const rps = ctx.series.rowSpacing;
  const shift = st.mobile ? ctx.series.shift : [0, 0, 0];
  // Work in the structure's own frame: subtract the shift from the plane instead of the shape.
  const ox = origin[0] - (shift[0] ?? 0);
  const oy = origin[1] - (shift[1] ?? 0);
  const oz = origin[2] - (shift[2] ?? 0);
  const box = st.shape.aabb;
  const he = ctx.halfEdge;
  let i0 = 0;
  let i1 = n - 1;
  let j0 = 0;
  let j1 = rowsN - 1;
  const o = [ox, oy, oz];
  // Planes are axis-aligned here (axial, coronal, sagittal): each of r, c and the normal is a
  // signed unit axis, so the bounding box maps to a pixel rectangle and an out-of-plane range.
  for (let axis = 0; axis < 3; axis++) {
    const lo = (box[axis] as number) - he;
    const hi = (box[axis + 3] as number) + he;
    const ra = r[axis] as number;
    const ca = c[axis] as number;
    const p = o[axis] as number;
    if (ra !== 0) {
      const a0 = ((lo - p) / ps) * ra;
      const a1 = ((hi - p) / ps) * ra;
      i0 = Math.max(i0, Math.floor(Math.min(a0, a1)));
      i1 = Math.min(i1, Math.ceil(Math.max(a0, a1)));
    } else if (ca !== 0) {
      const a0 = ((lo - p) / rps) * ca;
      const a1 = ((hi - p) / rps) * ca;
      j0 = Math.max(j0, Math.floor(Math.min(a0, a1)));
      j1 = Math.min(j1, Math.ceil(Math.max(a0, a1)));
    } else if (p < lo || p > hi) {
      return;
    }
  }
  if (i0 > i1 || j0 > j1) return;
  const rx = (r[0] as number) * ps;
  const ry = (r[1] as number) * ps;
  const rz = (r[2] as number) * ps;
  const shape = st.shape;
  const mode = st.mode;
  const noise = ctx.scene.noise;
  const liverMap = ctx.liverMap;
  const writeLiver = mode === "liver";
  const plain = ctx.values[st.tissue];
  const liverV = ctx.values.liver;
  const septaV = ctx.values.septa;
  const fibrosis = ctx.scene.study.anatomy.fibrosis;
  const ls = ctx.lesionSignals.get(st);
  const lshape = shape instanceof LesionShape ? shape : null;
  const rimStart = lshape ? 1 - lshape.lesion.rimFraction : 1;
  for (let j = j0; j <= j1; j++) {
    let x = ox + j * (c[0] as number) * rps + i0 * rx;
    let y = oy + j * (c[1] as number) * rps + i0 * ry;
    let z = oz + j * (c[2] as number) * rps + i0 * rz;
    let idx = j * n + i0;
    for (let i = i0; i <= i1; i++, idx++, x += rx, y += ry, z += rz) {
      const d = shape.sdf(x, y, z);
      if (writeLiver) liverMap[idx] = d;
      if (d >= he) continue;
      let alpha = d <= -he ? 1 : 0.5 - d / (2 * he);
      let v = plain;
      switch (mode) {
        case "plain":
          break;
        case "liver": {
          const n1 = noise.sample(x / 3.2, y / 3.2, z / 3.2);
          const n2 = noise.sample(x / 11 + 100, y / 11 + 100, z / 11 + 100);
          v = liverV * (1 + 0.05 * n2 + 0.02 * n1);
          if (fibrosis > 0) {
            // Fibrotic septa: the zero set of the noise forms a reticular network around nodules.
            const w = fibrosis * Math.exp(-(n1 * n1) / 0.03);
            v += (septaV - v) * w;
          }
          break;
        }
        case "clipped": {
          const dl = liverMap[idx] as number;
          if (dl >= he) continue;
          alpha *= dl <= -he ? 1 : 0.5 - dl / (2 * he);
          break;
        }
        case "lesion": {
          if (!ls || !lshape) break;
          const rho = lshape.rho(x, y, z);
          v = ls.core + (ls.rim - ls.core) * smoothstep(rimStart - 0.1, rimStart + 0.1, rho);
          if (ls.capsule === ls.capsule) {
            const t = (rho - 1.02) / 0.05;
            v += (ls.capsule - v) * Math.exp(-t * t);
          }
          v *= 1 + ls.heterogeneity * noise.sample(x / 2.5 + 50, y / 2.5 + 50, z / 2.5 + 50);
          break;
        }
      }
      const cur = buf[idx] as number;
      buf[idx] = cur + alpha * (v - cur);
    }
  }
}

export interface RenderOptions {
  /** Sub-samples across the slice thickness; default max(2, ceil(thickness / 3.5 mm)). */
  subSamples?: number;
}

/** Noise-free tissue signal of slice `k` (partial-volume averaged), for tests and montages. */
export function renderSignal(
  scene: Scene,
  series: SeriesPlan,
  k: number,
  opts: RenderOptions = {},
): Float32Array {
  const ctx = cachedContext(scene, series);
  const slice = series.slices[k];
  if (!slice) throw new RangeError(`slice ${k} outside series ${series.kind}`);
  const n = series.matrix;
  const size = n * series.rows;
  const o = slice.orientation;
  const r = [o[0], o[1], o[2]];
  const c = [o[3], o[4], o[5]];
  const nrm = [
    r[1]! * c[2]! - r[2]! * c[1]!,
    r[2]! * c[0]! - r[0]! * c[2]!,
    r[0]! * c[1]! - r[1]! * c[0]!,
  ];
  const subs =
    series.kind === "localizer"
      ? 1
      : (opts.subSamples ?? Math.max(2, Math.ceil(series.thickness / 3.5)));
  const axial = o[2] === 0 && o[5] === 0;
  if (axial && !ctx.background) {
    ctx.background = new Float32Array(size);
    for (let i = 0; i < ctx.firstVarying; i++) {
      const st = scene.structures[i];
      if (st) paint(ctx, st, ctx.background, [slice.position[0], slice.position[1], 0], r, c);
    }
  }
  const acc = new Float32Array(size);
  const buf = new Float32Array(size);
  for (let s = 0; s < subs; s++) {
    const off = series.thickness * ((s + 0.5) / subs - 0.5);
    const origin: [number, number, number] = [
      slice.position[0] + off * nrm[0]!,
      slice.position[1] + off * nrm[1]!,
      slice.position[2] + off * nrm[2]!,
    ];
    if (axial && ctx.background) {
      buf.set(ctx.background);
      ctx.liverMap.fill(Infinity);
      for (let i = ctx.firstVarying; i < scene.structures.length; i++)
        paint(ctx, scene.structures[i]!, buf, origin, r, c);
    } else {
      buf.fill(0);
      ctx.liverMap.fill(Infinity);
      for (const st of scene.structures) paint(ctx, st, buf, origin, r, c);
    }
    for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (buf[i] as number) / subs;
  }
  return acc;
}

/**
 * Separable [1 2 1]/4 blur: the point-spread function of k-space truncation and apodisation keeps
 * real MR edges about a pixel wide; without it the analytic phantom looks like vector graphics.
 */
function blur(img: Float32Array, n: number, rows: number): Float32Array {
  const tmp = new Float32Array(img.length);
  for (let j = 0; j < rows; j++) {
    const row = j * n;
    for (let i = 0; i < n; i++) {
      const l = img[row + Math.max(0, i - 1)] as number;
      const r = img[row + Math.min(n - 1, i + 1)] as number;
      tmp[row + i] = 0.25 * l + 0.5 * (img[row + i] as number) + 0.25 * r;
    }
  }
  const out = new Float32Array(img.length);
  for (let j = 0; j < rows; j++) {
    const up = Math.max(0, j - 1) * n;
    const dn = Math.min(rows - 1, j + 1) * n;
    for (let i = 0; i < n; i++) {
      out[j * n + i] =
        0.25 * (tmp[up + i] as number) +
        0.5 * (tmp[j * n + i] as number) +
        0.25 * (tmp[dn + i] as number);
    }
  }
  return out;
}

/**
 * Respiratory ghosting of 2D acquisitions (T2 FSE, EPI DWI): a faint copy of the image displaced by
 * half the field of view along the phase-encoding direction (here the row direction, ROW in tag
 * (0018,1312)), the classic motion artefact of abdominal MRI.
 */
function ghost(img: Float32Array, n: number, rows: number, amplitude: number): void {
  if (amplitude <= 0) return;
  const copy = img.slice();
  const half = Math.floor(n / 2);
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < n; i++) {
      img[j * n + i] =
        (img[j * n + i] as number) + amplitude * (copy[j * n + ((i + half) % n)] as number);
    }
  }
}

/**
 * The artefacts of the randomized presets (issue 11 §1) on a noise-free slice: motion blur along
 * the phase-encoding direction (rows), Gibbs ringing (edges convolved with a truncated sinc, the
 * image of k-space truncation), EPI distortion (rows displaced along the phase direction by a
 * smooth field, as B0 inhomogeneity does to DWI) and the shift test's gamma intensity model.
 */
function degrade(img: Float32Array, series: SeriesPlan, key: string): Float32Array {
  const v = series.variation;
  if (!v) return img;
  const n = series.matrix;
  const rows = series.rows;
  let out = img;
  if (v.motionBlur > 0) {
    const w = Math.max(1, Math.round(v.motionBlur));
    const tmp = new Float32Array(out.length);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < rows; j++) {
        let s = 0;
        let c = 0;
        for (let d = -w; d <= w; d++) {
          const jj = j + d;
          if (jj < 0 || jj >= rows) continue;
          s += out[jj * n + i] as number;
          c++;
        }
        tmp[j * n + i] = s / c;
      }
    }
    out = tmp;
  }
  if (v.gibbs > 0) {
    // Truncated sinc (no window): ringing of amplitude ~ v.gibbs beside every edge, both axes.
    const taps = [-3, -2, -1, 0, 1, 2, 3].map((t) =>
      t === 0 ? 1 : (v.gibbs * Math.sin(Math.PI * t * 0.5)) / (Math.PI * t * 0.5),
    );
    const sum = taps.reduce((a, b) => a + b, 0);
    const k = taps.map((t) => t / sum);
    const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
      const dst = new Float32Array(src.length);
      for (let j = 0; j < rows; j++) {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let t = -3; t <= 3; t++) {
            const ii = horizontal ? Math.min(n - 1, Math.max(0, i + t)) : i;
            const jj = horizontal ? j : Math.min(rows - 1, Math.max(0, j + t));
            s += (k[t + 3] as number) * (src[jj * n + ii] as number);
          }
          dst[j * n + i] = s;
        }
      }
      return dst;
    };
    out = pass(pass(out, true), false);
  }
  if (v.distortion > 0) {
    const phase = new Rng(`distortion:${key}:${series.kind}`).uniform(0, 2 * Math.PI);
    const tmp = new Float32Array(out.length);
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < n; i++) {
        const d =
          v.distortion * Math.sin((2 * Math.PI * i) / n + phase) * Math.sin((Math.PI * j) / rows);
        const y = Math.min(rows - 1, Math.max(0, j + d));
        const y0 = Math.floor(y);
        const y1 = Math.min(rows - 1, y0 + 1);
        const f = y - y0;
        tmp[j * n + i] = (1 - f) * (out[y0 * n + i] as number) + f * (out[y1 * n + i] as number);
      }
    }
    out = tmp;
  }
  if (v.gamma !== 1) {
    for (let i = 0; i < out.length; i++) out[i] = Math.pow(Math.max(0, out[i] as number), v.gamma);
  }
  return out;
}

/** Stored values of slice `k`: signal x bias x gain with Rician noise, as the scanner writes them. */
export function renderSlice(
  scene: Scene,
  series: SeriesPlan,
  k: number,
  opts: RenderOptions = {},
): Uint16Array {
  const rows = series.rows;
  let signal = blur(renderSignal(scene, series, k, opts), series.matrix, rows);
  if (series.kind === "T2" || series.kind === "DWI" || series.variation)
    ghost(signal, series.matrix, rows, series.ghosting);
  if (series.variation) signal = degrade(signal, series, scene.study.key);
  const slice = series.slices[k];
  if (!slice) throw new RangeError(`slice ${k} outside series ${series.kind}`);
  const n = series.matrix;
  const ps = series.pixelSpacing;
  const o = slice.orientation;
  const rng = new Rng(`pixels:${scene.study.key}:${series.kind}:${k}`);
  const out = new Uint16Array(n * rows);
  const rps = series.rowSpacing;
  const sigma = series.noiseSigma;
  const [b0, b1, b2] = series.bias;
  const adc = series.kind === "ADC";
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < n; i++) {
      const idx = j * n + i;
      const x = slice.position[0] + i * ps * o[0] + j * rps * o[3];
      const y = slice.position[1] + i * ps * o[1] + j * rps * o[4];
      const s = signal[idx] as number;
      let v: number;
      if (adc) {
        // ADC is a fitted map: Gaussian fit error, background masked to 0 as scanners do.
        v = s < 50 ? 0 : s + sigma * (NORMALS[rng.nextU32() >>> 16] as number);
      } else {
        const xn = x / 200;
        const yn = y / 150;
        const m = s * (1 + b0 * xn + b1 * yn + b2 * (xn * xn + yn * yn));
        const u = rng.nextU32();
        const re = m + sigma * (NORMALS[u >>> 16] as number);
        const im = sigma * (NORMALS[u & 0xffff] as number);
        v = Math.sqrt(re * re + im * im);
      }
      out[idx] = Math.min(65535, Math.max(0, Math.round(v * series.gain)));
    }
  }
  return out;
}
