// The cohort PLAN: every per-study parameter (class, lesions and their features, cirrhosis,
// anatomy, series geometry, breathing shifts, intensity scale, identifiers and times) drawn from
// the seed, without rendering a pixel. Distribution tests over 400 studies run on this alone;
// render.ts turns one planned series into pixels.
import type { LesionClass, Vec3 } from "../contract/domain";
import { LESION_CLASSES } from "../contract/domain";
import { planAnatomy, liverBaseSdf, nonLiverSdf, type AnatomyPlan } from "./anatomy";
import { ATYPICAL_RATE, drawFeatures } from "./features";
import { planSeries } from "./geometry";
import type { Preset } from "./protocol";
import { deterministicUid, Rng } from "./random";
import {
  isRandomized,
  planDistractors,
  planRandomizedSeries,
  randomizeAnatomy,
  randomizeLesionShapes,
} from "./randomize";
import type { LesionPlan, StudyPlan } from "./study-plan";

export type { LesionPlan, StudyPlan } from "./study-plan";

export interface CohortPlanOptions {
  seed: string;
  studies: number;
  preset: Preset;
}

/** The paper's Table 2 (n = 400): class counts, largest-lesion size and cirrhosis per class. */
export const TABLE2 = {
  counts: { HCC: 207, ICC: 83, metastasis: 110 },
  medianSizeCm: { HCC: 3.97, ICC: 5.43, metastasis: 3.11 },
  atMost2cm: { HCC: 0.14, ICC: 0.07, metastasis: 0.32 },
  cirrhosis: { HCC: 0.61, ICC: 0.3, metastasis: 0.07 },
  menShare: { HCC: 0.83, ICC: 0.64, metastasis: 0.61 },
  meanAge: { HCC: 54, ICC: 58, metastasis: 57 },
} as const;

/**
 * Log-normal size model per class fitted to Table 2: median m and P(d <= 2 cm) = p give
 * sigma = ln(2/m) / z_p. HCC: sigma = ln(2/3.97)/-1.080 = 0.635; ICC: ln(2/5.43)/-1.476 = 0.677;
 * metastasis: ln(2/3.11)/-0.468 = 0.943. The resulting means (4.9/6.8/4.8 cm) sit near the
 * paper's 5.1/6.3/4.4 cm.
 */
export const SIZE_MODEL: Record<LesionClass, { medianMm: number; sigma: number }> = {
  HCC: { medianMm: 39.7, sigma: 0.635 },
  ICC: { medianMm: 54.3, sigma: 0.677 },
  metastasis: { medianMm: 31.1, sigma: 0.943 },
};
const MIN_INDEX_MM = 10;
const MAX_INDEX_MM = 120;

/** Class of every study: exact Table-2 proportions (largest remainder), shuffled by the seed. */
function assignClasses(rng: Rng, n: number): LesionClass[] {
  const total = 400;
  const quotas = LESION_CLASSES.map((c) => (TABLE2.counts[c] * n) / total);
  const counts = quotas.map(Math.floor);
  const order = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; counts.reduce((s, c) => s + c, 0) < n; k++) {
    const i = order[k % order.length]?.[1] ?? 0;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const labels: LesionClass[] = [];
  LESION_CLASSES.forEach((c, i) => {
    for (let k = 0; k < (counts[i] ?? 0); k++) labels.push(c);
  });
  return rng.shuffle(labels);
}

/** True when the whole ellipsoid (26 surface directions + centre) sits in liver parenchyma. */
function fitsInLiver(a: AnatomyPlan, c: Vec3, s: Vec3, margin: number): boolean {
  for (let dx = -1; dx <= 1; dx++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dz = -1; dz <= 1; dz++) {
        const n = Math.hypot(dx, dy, dz) || 1;
        const x = c[0] + (dx / n) * s[0];
        const y = c[1] + (dy / n) * s[1];
        const z = c[2] + (dz / n) * s[2];
        if (liverBaseSdf(a, x, y, z) > -margin || nonLiverSdf(a, x, y, z) < margin) return false;
      }
    }
  }
  return true;
}

function semiAxesFor(rng: Rng, diameter: number): Vec3 {
  const r = diameter / 2;
  const axes: Vec3 = [r * rng.uniform(0.8, 1), r * rng.uniform(0.8, 1), r * rng.uniform(0.8, 1)];
  axes[rng.int(0, 2)] = r;
  return axes;
}

/** Places an ellipsoid in the liver away from `others`; shrinks it when it cannot fit. */
function place(
  rng: Rng,
  a: AnatomyPlan,
  diameter: number,
  others: LesionPlan[],
  near: Vec3 | null,
): { center: Vec3; semiAxes: Vec3 } {
  let d = diameter;
  const lo: Vec3 = [-a.cavity[0], -a.cavity[1], a.liverBottom];
  const hi: Vec3 = [a.cavity[0] * 0.6, a.cavity[1], a.liverTop];
  for (;;) {
    const semiAxes = semiAxesFor(rng, d);
    for (let attempt = 0; attempt < 400; attempt++) {
      const center: Vec3 = near
        ? [
            near[0] + rng.uniform(-40, 40),
            near[1] + rng.uniform(-40, 40),
            near[2] + rng.uniform(-30, 30),
          ]
        : [rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1]), rng.uniform(lo[2], hi[2])];
      if (!fitsInLiver(a, center, semiAxes, 4)) continue;
      const clear = others.every((o) => {
        const gap = Math.hypot(
          o.center[0] - center[0],
          o.center[1] - center[1],
          o.center[2] - center[2],
        );
        return gap > o.diameterMm / 2 + d / 2 + 4;
      });
      if (clear) return { center, semiAxes };
    }
    // A lesion this large does not fit this liver here: shrink it (only the far tail is affected).
    d *= 0.92;
    if (near) near = null;
  }
}

function makeLesion(
  rng: Rng,
  a: AnatomyPlan,
  label: LesionClass,
  atypical: boolean,
  diameter: number,
  role: LesionPlan["role"],
  others: LesionPlan[],
  near: Vec3 | null,
): LesionPlan {
  const { center, semiAxes } = place(rng, a, diameter, others, near);
  const features = drawFeatures(rng, label, atypical);
  const lesion: LesionPlan = {
    center,
    semiAxes,
    diameterMm: 2 * Math.max(...semiAxes),
    role,
    features,
    conspicuity: rng.uniform(0.55, 1.15),
    rimFraction: rng.uniform(0.25, 0.4),
    retraction: null,
    ducts: [],
  };
  if (label === "ICC" && role === "index") addIccSigns(rng, a, lesion, atypical);
  return lesion;
}

/** Capsular retraction (40%) and upstream biliary dilatation (45%): ICC ancillary features. */
function addIccSigns(rng: Rng, a: AnatomyPlan, lesion: LesionPlan, atypical: boolean): void {
  const weaken = atypical ? 0.5 : 1;
  const hilum = a.portalVeins[0]?.to ?? [0, 0, 0];
  const c = lesion.center;
  const out: Vec3 = [c[0] - hilum[0], c[1] - hilum[1], c[2] - hilum[2]];
  const len = Math.hypot(...out) || 1;
  const u: Vec3 = [out[0] / len, out[1] / len, out[2] / len];
  const r = Math.max(...lesion.semiAxes);
  if (rng.chance(0.4 * weaken)) {
    // Walk outward to the liver surface; retraction only shows on a peripheral lesion.
    for (let t = r; t < r + 30; t += 1) {
      const p: Vec3 = [c[0] + u[0] * t, c[1] + u[1] * t, c[2] + u[2] * t];
      if (liverBaseSdf(a, p[0], p[1], p[2]) > 0) {
        lesion.retraction = { point: p, depth: rng.uniform(5, 10), sigma: rng.uniform(8, 14) };
        break;
      }
    }
  }
  if (rng.chance(0.45 * weaken)) {
    const n = rng.int(2, 3);
    for (let k = 0; k < n; k++) {
      const dir: Vec3 = [
        u[0] + rng.uniform(-0.5, 0.5),
        u[1] + rng.uniform(-0.5, 0.5),
        u[2] + rng.uniform(-0.3, 0.3),
      ];
      const dl = Math.hypot(...dir) || 1;
      const length = rng.uniform(25, 50);
      const from: Vec3 = [
        c[0] + (dir[0] / dl) * r * 0.8,
        c[1] + (dir[1] / dl) * r * 0.8,
        c[2] + (dir[2] / dl) * r * 0.8,
      ];
      const to: Vec3 = [
        from[0] + (dir[0] / dl) * length,
        from[1] + (dir[1] / dl) * length,
        from[2] + (dir[2] / dl) * length,
      ];
      lesion.ducts.push({ from, to, radius: rng.uniform(2, 3.5) });
    }
  }
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const [a0, a1, a2, a3, a4, a5] = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const [b0, b1, b2, b3, b4] = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const [c0, c1, c2, c3, c4, c5] = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const [d0, d1, d2, d3] = [
    0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416,
  ];
  const tail = (q: number): number =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
    ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

function planLesions(
  rng: Rng,
  a: AnatomyPlan,
  label: LesionClass,
  atypical: boolean,
  sizeQuantile: number,
): LesionPlan[] {
  const size = SIZE_MODEL[label];
  const drawn = size.medianMm * Math.exp(size.sigma * normalQuantile(sizeQuantile));
  const indexMm = Math.min(MAX_INDEX_MM, Math.max(MIN_INDEX_MM, drawn));
  const lesions: LesionPlan[] = [];
  const index = makeLesion(rng, a, label, atypical, indexMm, "index", lesions, null);
  lesions.push(index);
  const small = (max: number): number =>
    Math.max(8, Math.min(max, rng.uniform(0.25, 0.8) * index.diameterMm));
  switch (label) {
    case "HCC":
      if (rng.chance(0.15))
        lesions.push(
          makeLesion(rng, a, label, atypical, small(15), "satellite", lesions, index.center),
        );
      if (rng.chance(0.1))
        lesions.push(makeLesion(rng, a, label, atypical, small(30), "additional", lesions, null));
      break;
    case "ICC":
      if (rng.chance(0.15))
        lesions.push(
          makeLesion(rng, a, label, atypical, small(15), "satellite", lesions, index.center),
        );
      break;
    case "metastasis": {
      const u = rng.next();
      const extra = u < 0.35 ? 0 : u < 0.7 ? rng.int(1, 2) : rng.int(3, 5);
      for (let k = 0; k < extra; k++) {
        lesions.push(
          makeLesion(
            rng,
            a,
            label,
            atypical,
            small(index.diameterMm * 0.95),
            "additional",
            lesions,
            null,
          ),
        );
      }
      break;
    }
  }
  return lesions;
}

function dateString(days: number): string {
  const d = new Date(Date.UTC(2017, 0, 1) + days * 86_400_000);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}`;
}

/**
 * `sizeQuantile` in (0, 1) picks the index lesion's size from the class's size model; the cohort
 * planner stratifies these quantiles so that a 400-study cohort reproduces Table 2's size
 * statistics closely instead of within log-normal sampling error (+-11% on the median).
 */
export function planStudy(
  seed: string,
  index: number,
  label: LesionClass,
  preset: Preset,
  sizeQuantile: number,
): StudyPlan {
  const key = `${seed}/${index}`;
  const rng = new Rng(`study:${key}`);
  const atypical = rng.chance(ATYPICAL_RATE);
  const cirrhosis = rng.chance(TABLE2.cirrhosis[label]);
  const drawn = planAnatomy(rng, cirrhosis);
  const anatomy = isRandomized(preset) ? randomizeAnatomy(key, preset, drawn) : drawn;
  const lesions = planLesions(rng, anatomy, label, atypical, sizeQuantile);
  if (isRandomized(preset)) randomizeLesionShapes(key, lesions);
  const sex = rng.chance(TABLE2.menShare[label]) ? "M" : "F";
  const age = Math.round(Math.min(88, Math.max(25, TABLE2.meanAge[label] + 10.5 * rng.normal())));
  const seedDays = new Rng(`dates:${seed}`).int(0, 1500);
  const studyDays = seedDays + index * 2 + rng.int(0, 1);
  const studyDate = dateString(studyDays);
  const birthYear = Number(studyDate.slice(0, 4)) - age;
  const birth = `${birthYear}${String(rng.int(1, 12)).padStart(2, "0")}${String(rng.int(1, 28)).padStart(2, "0")}`;
  const seedTag = deterministicUid(`seedtag:${seed}`).slice(5, 11);
  const patientId = `LCP${seedTag}${String(index + 1).padStart(4, "0")}`;
  const studyStartSeconds = rng.int(7 * 3600 + 30 * 60, 17 * 3600);
  const plan: StudyPlan = {
    index,
    key,
    patientId,
    patientName: `PHANTOM^${seedTag}^${String(index + 1).padStart(4, "0")}`,
    patientSex: sex,
    patientAge: age,
    patientBirthDate: birth,
    patientWeight: Math.round(rng.uniform(48, 105)),
    studyInstanceUid: deterministicUid(`study:${key}`),
    frameOfReferenceUid: deterministicUid(`for:${key}`),
    studyDate,
    studyStartSeconds,
    accessionNumber: `${seedTag}${String(index + 1).padStart(6, "0")}`,
    label,
    atypical,
    cirrhosis,
    intensityScale: Math.exp(rng.uniform(Math.log(0.5), Math.log(2))),
    anatomy,
    lesions,
    series: [],
    distractors: isRandomized(preset) ? planDistractors(key, anatomy, lesions) : null,
  };
  plan.series = isRandomized(preset)
    ? planRandomizedSeries(plan, preset)
    : planSeries(rng, plan, preset);
  return plan;
}

export function planCohort(opts: CohortPlanOptions): StudyPlan[] {
  const rng = new Rng(`classes:${opts.seed}:${opts.studies}`);
  const labels = assignClasses(rng, opts.studies);
  // Stratified quantiles per class: the k-th of n studies draws from [k/n, (k+1)/n), shuffled.
  const quantiles = new Map<LesionClass, number[]>();
  for (const c of LESION_CLASSES) {
    const n = labels.filter((l) => l === c).length;
    quantiles.set(
      c,
      rng.shuffle(Array.from({ length: n }, (_, k) => (k + rng.uniform(0.05, 0.95)) / n)),
    );
  }
  return labels.map((label, i) =>
    planStudy(opts.seed, i, label, opts.preset, quantiles.get(label)?.pop() ?? 0.5),
  );
}
