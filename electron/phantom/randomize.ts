// Domain randomization (issue 11 §1), after SynthSeg (Billot et al., Medical Image Analysis 2023):
// the `randomized` preset draws, per study and per series, what a scanner, a site and a patient
// change (vendor naming, matrices, pixel spacing, non-square pixels, slice thickness and gaps,
// partial coverage, shifts between series, tissue signals, fat-suppression failure, noise, bias,
// ghosting, motion, Gibbs ringing, EPI distortion, habitus, ascites, cysts, haemangioma-like
// lesions, lobulated lesions) far beyond one protocol, and keeps as the only class signal what a
// radiologist reads: the lesion's behaviour relative to the liver across the phases (features.ts,
// lesion-signal.ts). The `shifted` preset is the shift test: settings never drawn in training
// (Siemens naming, thin contiguous T1, a larger habitus, a gamma intensity model).
// Everything here comes from its own random streams ("randomize:<key>"), so the small and
// clinical presets keep their bytes.
import type { Vec3 } from "../contract/domain";
import type { AnatomyPlan, Capsule, Ellipsoid } from "./anatomy";
import { liverBaseSdf, nonLiverSdf } from "./anatomy";
import { GAIN, localizerSlices, NOISE, round, type SeriesPlan, type SlicePlan } from "./geometry";
import type { LesionPlan, StudyPlan } from "./study-plan";
import { INJECTION_MINUTE, PROTOCOL, type Preset, type SeriesKind } from "./protocol";
import { deterministicUid, Rng } from "./random";
import { TISSUES, type Tissue } from "./tissue";
import type { Distractors, SeriesVariation, Vendor } from "./variation";
import { VENDORS } from "./vendors";

export type RandomizedPreset = Extract<Preset, "randomized" | "shifted">;

export function isRandomized(preset: Preset): preset is RandomizedPreset {
  return preset === "randomized" || preset === "shifted";
}

/** Vendors per family: Siemens naming is left out of training entirely (the shift test). */
const FAMILY_VENDORS: Record<RandomizedPreset, readonly Vendor[]> = {
  randomized: ["GE", "Philips", "Canon"],
  shifted: ["Siemens"],
};

/**
 * Body habitus: every anatomical coordinate and size scaled (x, y together; z apart). Training
 * draws 0.85-1.12 in-plane; the shift test 1.13-1.22, a range never seen in training.
 */
const HABITUS: Record<RandomizedPreset, [number, number]> = {
  randomized: [0.85, 1.12],
  shifted: [1.13, 1.22],
};

const scale3 = (v: Vec3, s: Vec3): Vec3 => [v[0] * s[0], v[1] * s[1], v[2] * s[2]];
const scaleE = (e: Ellipsoid, s: Vec3): Ellipsoid => ({
  center: scale3(e.center, s),
  axes: scale3(e.axes, s),
});
const scaleC = (c: Capsule, s: Vec3): Capsule => ({
  from: scale3(c.from, s),
  to: scale3(c.to, s),
  radius: c.radius * Math.sqrt(s[0] * s[1]),
});
const scale2 = (v: [number, number], s: Vec3): [number, number] => [v[0] * s[0], v[1] * s[1]];

/** The anatomy stretched by `s` (x, y, z): organs keep their relations, the body changes size. */
export function scaleAnatomy(a: AnatomyPlan, s: Vec3): AnatomyPlan {
  const r = Math.sqrt(s[0] * s[1]);
  return {
    ...a,
    body: scale2(a.body, s),
    subcutaneousFat: a.subcutaneousFat * r,
    muscleWall: a.muscleWall * r,
    cavity: scale2(a.cavity, s),
    rightLobe: scaleE(a.rightLobe, s),
    leftLobe: scaleE(a.leftLobe, s),
    caudate: scaleE(a.caudate, s),
    liverCut: { point: scale3(a.liverCut.point, s), normal: a.liverCut.normal },
    liverTop: a.liverTop * s[2],
    liverBottom: a.liverBottom * s[2],
    spleen: scaleE(a.spleen, s),
    kidneys: a.kidneys.map((k) => scaleE(k, s)),
    stomach: scaleE(a.stomach, s),
    gallbladder: a.gallbladder ? scaleE(a.gallbladder, s) : null,
    bowel: a.bowel.map((b) => scaleE(b, s)),
    ribs: a.ribs.map((c) => scaleC(c, s)),
    lungs: a.lungs.map((l) => scaleE(l, s)),
    heart: scaleE(a.heart, s),
    pancreas: a.pancreas.map((c) => scaleC(c, s)),
    spine: { center: scale2(a.spine.center, s), radius: a.spine.radius * r },
    canal: { center: scale2(a.canal.center, s), radius: a.canal.radius * r },
    aorta: { center: scale2(a.aorta.center, s), radius: a.aorta.radius * r },
    ivc: { center: scale2(a.ivc.center, s), axes: scale2(a.ivc.axes, s) },
    paraspinal: a.paraspinal.map((p) => scaleE(p, s)),
    portalVeins: a.portalVeins.map((c) => scaleC(c, s)),
    hepaticVeins: a.hepaticVeins.map((c) => scaleC(c, s)),
  };
}

/** Draws the habitus of a randomized study (its own stream) and returns the scaled anatomy. */
export function randomizeAnatomy(
  key: string,
  preset: RandomizedPreset,
  a: AnatomyPlan,
): AnatomyPlan {
  const rng = new Rng(`randomize:anatomy:${key}`);
  const [lo, hi] = HABITUS[preset];
  const sxy = rng.uniform(lo, hi);
  return scaleAnatomy(a, [sxy * rng.uniform(0.95, 1.05), sxy, rng.uniform(0.9, 1.1)]);
}

/** Lobulation amplitude of each lesion (0 = ellipsoid): irregular, lobulated outlines. */
export function randomizeLesionShapes(key: string, lesions: LesionPlan[]): void {
  const rng = new Rng(`randomize:lesions:${key}`);
  for (const l of lesions) {
    l.lobulation = rng.chance(0.7) ? rng.uniform(0.05, 0.22) : 0;
    l.lobePhase = [rng.uniform(0, 6.283), rng.uniform(0, 6.283)];
  }
}

function inLiver(a: AnatomyPlan, c: Vec3, r: number): boolean {
  for (const d of [
    [0, 0, 0],
    [1, 0, 0],
    [-1, 0, 0],
    [0, 1, 0],
    [0, -1, 0],
    [0, 0, 1],
    [0, 0, -1],
  ] as const) {
    const x = c[0] + d[0] * r;
    const y = c[1] + d[1] * r;
    const z = c[2] + d[2] * r;
    if (liverBaseSdf(a, x, y, z) > -3 || nonLiverSdf(a, x, y, z) < 3) return false;
  }
  return true;
}

/** Ascites (25%), simple cysts (35%), haemangioma-like lesions (20%), away from the lesions. */
export function planDistractors(key: string, a: AnatomyPlan, lesions: LesionPlan[]): Distractors {
  const rng = new Rng(`randomize:distractors:${key}`);
  const taken: { c: Vec3; r: number }[] = lesions.map((l) => ({
    c: l.center,
    r: l.diameterMm / 2,
  }));
  const spot = (r: number): Vec3 | null => {
    for (let k = 0; k < 200; k++) {
      const c: Vec3 = [
        rng.uniform(-a.cavity[0], a.cavity[0] * 0.6),
        rng.uniform(-a.cavity[1], a.cavity[1]),
        rng.uniform(a.liverBottom, a.liverTop),
      ];
      if (!inLiver(a, c, r)) continue;
      if (taken.some((t) => Math.hypot(t.c[0] - c[0], t.c[1] - c[1], t.c[2] - c[2]) < t.r + r + 6))
        continue;
      taken.push({ c, r });
      return c;
    }
    return null;
  };
  const blobs = (chance: number, max: number, lo: number, hi: number) => {
    const out: Distractors["cysts"] = [];
    if (!rng.chance(chance)) return out;
    const n = rng.int(1, max);
    for (let k = 0; k < n; k++) {
      const r = rng.uniform(lo, hi);
      const c = spot(r);
      if (c)
        out.push({ center: c, semiAxes: [r, r * rng.uniform(0.8, 1), r * rng.uniform(0.8, 1)] });
    }
    return out;
  };
  return {
    ascitesMm: rng.chance(0.25) ? rng.uniform(4, 14) : 0,
    cysts: blobs(0.35, 4, 3, 12),
    hemangiomas: blobs(0.2, 2, 4, 10),
  };
}

/** Fat-suppressed series kinds, where a failed fat suppression leaves fat bright. */
const FAT_SUPPRESSED = new Set<SeriesKind>([
  "T2",
  "DWI",
  "T1_pre",
  "T1_arterial",
  "T1_venous",
  "T1_delayed",
]);
const FLUIDS: readonly Tissue[] = ["csf", "bile", "stomach"];

function drawVariation(rng: Rng, kind: SeriesKind, preset: RandomizedPreset): SeriesVariation {
  const tissueScale: Partial<Record<Tissue, number>> = {};
  // Each tissue's signal varies by up to ~1.8x either way (liver too), independently per series:
  // liver vs spleen vs fat vs vessels change order freely, as between vendors, field strengths and
  // sequences. Only the orderings a radiologist relies on are kept (fluid bright on T2, the aorta
  // the brightest on the arterial phase), applied after drawing in render.ts' context.
  for (const t of TISSUES) tissueScale[t] = Math.exp(rng.uniform(-0.6, 0.6));
  if (FAT_SUPPRESSED.has(kind) && rng.chance(0.08)) tissueScale.fat = rng.uniform(5, 10);
  const epi = kind === "DWI" || kind === "ADC";
  return {
    tissueScale,
    lesionContrast: rng.uniform(0.75, 1.25),
    motionBlur: rng.chance(0.2) ? rng.uniform(1, 3) : 0,
    gibbs: rng.chance(0.3) ? rng.uniform(0.05, 0.2) : 0,
    distortion: epi ? rng.uniform(0, 4) : 0,
    gamma:
      preset === "shifted" ? (rng.chance(0.5) ? rng.uniform(0.6, 0.8) : rng.uniform(1.3, 1.6)) : 1,
  };
}

/** The liver's signal relations a radiologist relies on, enforced on a drawn tissue table. */
export function keepOrdering(kind: SeriesKind, v: Record<Tissue, number>): void {
  if (kind === "T2" || kind === "localizer") {
    for (const f of FLUIDS) v[f] = Math.max(v[f], 2.2 * v.liver);
  }
  if (kind === "T1_arterial") {
    const others = Math.max(...TISSUES.filter((t) => t !== "artery").map((t) => v[t]));
    v.artery = Math.max(v.artery, 1.2 * others);
  }
  if (kind === "T1_venous") v.portal = Math.max(v.portal, 1.1 * v.liver);
}

interface KindGeometry {
  /** Column spacing range in mm. */
  spacing: [number, number];
  thickness: [number, number];
  gap: [number, number];
}

/** Per family: thickness and spacing; the shift test's thin contiguous T1 is never drawn in training. */
const GEOMETRY: Record<RandomizedPreset, Record<"T2" | "T1" | "DWI" | "dual", KindGeometry>> = {
  randomized: {
    T2: { spacing: [0.75, 1.8], thickness: [3.5, 9], gap: [0, 2] },
    T1: { spacing: [0.75, 1.9], thickness: [3.6, 8], gap: [0, 1] },
    DWI: { spacing: [1.6, 3.2], thickness: [4, 10], gap: [0, 2] },
    dual: { spacing: [1.0, 2.0], thickness: [5, 8], gap: [0, 1.5] },
  },
  shifted: {
    T2: { spacing: [0.9, 1.3], thickness: [5, 6], gap: [0, 1] },
    T1: { spacing: [1.1, 1.5], thickness: [2.6, 3.4], gap: [0, 0] },
    DWI: { spacing: [2.2, 3.0], thickness: [5, 6], gap: [0, 1] },
    dual: { spacing: [1.2, 1.6], thickness: [5, 6], gap: [0, 1] },
  },
};

function geometryKind(kind: SeriesKind): "T2" | "T1" | "DWI" | "dual" | null {
  switch (kind) {
    case "T2":
      return "T2";
    case "DWI":
    case "ADC":
      return "DWI";
    case "in_phase":
    case "opposed_phase":
      return "dual";
    case "T1_pre":
    case "T1_arterial":
    case "T1_venous":
    case "T1_delayed":
      return "T1";
    case "localizer":
      return null;
  }
}

/** Axial slices on a rectangular grid: columns along x, rows along y, from `top` down. */
function axialGrid(
  cx: number,
  cy: number,
  columns: number,
  rows: number,
  colSp: number,
  rowSp: number,
  top: number,
  bottom: number,
  step: number,
): SlicePlan[] {
  const n = Math.ceil((top - bottom) / step) + 1;
  const x0 = round(cx - (columns * colSp) / 2 + colSp / 2, 0.001);
  const y0 = round(cy - (rows * rowSp) / 2 + rowSp / 2, 0.001);
  return Array.from({ length: n }, (_, k) => {
    const z = round(top - k * step, 0.001);
    return { position: [x0, y0, z] as Vec3, orientation: [1, 0, 0, 0, 1, 0], location: z };
  });
}

/** Every series of a randomized or shifted study, drawn from its own stream. */
export function planRandomizedSeries(study: StudyPlan, preset: RandomizedPreset): SeriesPlan[] {
  const rng = new Rng(`randomize:series:${study.key}`);
  const vendor = rng.pick(FAMILY_VENDORS[preset]);
  const naming = VENDORS[vendor];
  const implicitVr = rng.chance(1 / 3);
  const a = study.anatomy;
  const fovX = round(rng.uniform(Math.max(300, 2 * a.body[0] + 30), 2 * a.body[0] + 110), 10);
  const cx = round(rng.uniform(-15, 5), 0.5);
  const cy = round(rng.uniform(-10, 10), 0.5);
  // Partial coverage: either end may stop short of the liver, but never short of the index
  // lesion (the truth must stay on every sequence).
  const index = study.lesions[0];
  const lesionTop = index ? index.center[2] + index.semiAxes[2] + 5 : a.liverTop;
  const lesionBottom = index ? index.center[2] - index.semiAxes[2] - 5 : a.liverBottom;
  const top = Math.max(lesionTop, a.liverTop + 12 - (rng.chance(0.3) ? rng.uniform(0, 40) : 0));
  const bottom = Math.min(
    lesionBottom,
    a.liverBottom - 12 + (rng.chance(0.3) ? rng.uniform(0, 40) : 0),
  );
  // Shifts between series of up to 15 mm (breath holds at different depths, table moves).
  const drawShift = (): Vec3 => [
    round(rng.uniform(-3, 3), 0.01),
    round(rng.uniform(-6, 6), 0.01),
    round(rng.uniform(-15, 15), 0.01),
  ];
  const shared: Partial<
    Record<
      "T1" | "DWI" | "dual",
      {
        colSp: number;
        rowSp: number;
        columns: number;
        rows: number;
        thickness: number;
        gap: number;
      }
    >
  > = {};
  const injection = study.studyStartSeconds + INJECTION_MINUTE * 60 + rng.int(0, 40);
  const dualShift = drawShift();
  const dwiShift = drawShift();
  const series = PROTOCOL.map((p): SeriesPlan => {
    const g = geometryKind(p.kind);
    let grid: {
      colSp: number;
      rowSp: number;
      columns: number;
      rows: number;
      thickness: number;
      gap: number;
    };
    if (g === null) {
      grid = { colSp: 480 / 256, rowSp: 480 / 256, columns: 256, rows: 256, thickness: 10, gap: 0 };
    } else if (g !== "T2" && shared[g]) {
      grid = shared[g];
    } else {
      const range = GEOMETRY[preset][g];
      const colSp = round(rng.uniform(range.spacing[0], range.spacing[1]), 0.0001);
      const nonSquare = rng.chance(1 / 3);
      const rowSp = nonSquare ? round(colSp * rng.uniform(1.05, 1.35), 0.0001) : colSp;
      const fov = fovX + (g === "DWI" ? rng.uniform(0, 30) : 0);
      const columns = Math.min(512, Math.max(64, Math.round(fov / colSp / 2) * 2));
      // Rectangular FOV: the AP extent is 70-100% of LR, as phase FOV reductions do.
      const rows = Math.min(
        512,
        Math.max(64, Math.round((fov * rng.uniform(0.72, 1)) / rowSp / 2) * 2),
      );
      grid = {
        colSp,
        rowSp,
        columns,
        rows,
        thickness: round(rng.uniform(range.thickness[0], range.thickness[1]), 0.1),
        gap: round(rng.uniform(range.gap[0], range.gap[1]), 0.1),
      };
      if (g !== "T2") shared[g] = grid;
    }
    const shift: Vec3 =
      p.kind === "localizer"
        ? [0, 0, 0]
        : g === "DWI"
          ? dwiShift
          : g === "dual"
            ? dualShift
            : drawShift();
    const step = grid.thickness + grid.gap;
    const slices =
      p.kind === "localizer"
        ? localizerSlices(480, grid.colSp)
        : axialGrid(cx, cy, grid.columns, grid.rows, grid.colSp, grid.rowSp, top, bottom, step);
    const acquisitionSeconds =
      p.postContrastDelay === null
        ? study.studyStartSeconds + p.startMinute * 60 + rng.int(0, 50)
        : injection + p.postContrastDelay;
    const slope = p.kind === "ADC" ? 1 : rng.pick([1, 1, 0.5, 2, 4]);
    const variation = drawVariation(rng, p.kind, preset);
    return {
      kind: p.kind,
      protocol: p,
      seriesInstanceUid: deterministicUid(`series:${study.key}:${p.kind}`),
      seriesNumber: p.seriesNumber,
      description: rng.pick(naming.descriptions[p.kind]),
      matrix: grid.columns,
      pixelSpacing: grid.colSp,
      rows: grid.rows,
      rowSpacing: grid.rowSp,
      vendor,
      implicitVr,
      variation,
      thickness: grid.thickness,
      spacingBetweenSlices: round(step, 0.01),
      slices,
      shift,
      repetitionTime: round(rng.uniform(p.repetitionTime[0], p.repetitionTime[1]), 0.1),
      echoTime: round(rng.uniform(p.echoTime[0], p.echoTime[1]), 0.01),
      gain:
        (GAIN[p.kind] * (p.kind === "ADC" ? 1 : study.intensityScale * rng.uniform(0.4, 1.8))) /
        slope,
      rescaleSlope: slope,
      noiseSigma: NOISE[p.kind] * Math.exp(rng.uniform(Math.log(0.5), Math.log(2.5))),
      bias: [rng.uniform(-0.3, 0.3), rng.uniform(-0.35, 0.35), rng.uniform(0, 0.6)],
      acquisitionSeconds,
      postContrast: p.postContrastDelay !== null,
      ghosting:
        p.kind === "T2" || p.kind === "DWI"
          ? rng.uniform(0, 0.12)
          : rng.chance(0.15)
            ? rng.uniform(0, 0.04)
            : 0,
    };
  });
  const dwi = series.find((x) => x.kind === "DWI");
  const adc = series.find((x) => x.kind === "ADC");
  if (vendor === "GE" && dwi && adc) adc.description = `ADC (10^-6 mm2/s):${dwi.description}`;
  return series;
}
