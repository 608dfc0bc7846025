// Per-series acquisition plan: image grid (ImagePositionPatient / ImageOrientationPatient /
// PixelSpacing / SliceThickness, PS3.3 C.7.6.2), breathing shift, gain, noise, bias field, times.
// Each series is rendered on its own grid, as a scanner reconstructs each acquisition separately.
import type { Vec3 } from "../contract/domain";
import type { Orientation, SeriesPlan, SlicePlan, StudyPlan } from "./study-plan";
import { INJECTION_MINUTE, PROTOCOL, matrixFor, type Preset, type SeriesKind } from "./protocol";
import { deterministicUid, type Rng } from "./random";

export type { Orientation, SeriesPlan, SlicePlan } from "./study-plan";

export const AXIAL: Orientation = [1, 0, 0, 0, 1, 0];
const CORONAL: Orientation = [1, 0, 0, 0, 0, -1];
const SAGITTAL: Orientation = [0, 1, 0, 0, 0, -1];

/** Base gain and noise per kind, chosen so stored liver values land in the hundreds-thousands. */
export const GAIN: Record<SeriesKind, number> = {
  localizer: 900,
  T2: 1500,
  in_phase: 1000,
  opposed_phase: 1000,
  DWI: 2200,
  ADC: 1,
  T1_pre: 1100,
  T1_arterial: 1100,
  T1_venous: 1100,
  T1_delayed: 1100,
};
/** Noise sigma per kind: SNR of liver ~ 20-30 on T1/T2, ~8-10 on DWI b800 (EPI). */
export const NOISE: Record<SeriesKind, number> = {
  localizer: 0.02,
  T2: 0.013,
  in_phase: 0.02,
  opposed_phase: 0.02,
  DWI: 0.024,
  ADC: 110,
  T1_pre: 0.022,
  T1_arterial: 0.022,
  T1_venous: 0.022,
  T1_delayed: 0.022,
};

export function round(x: number, step: number): number {
  return Math.round(x / step) * step;
}

/** Axial slices from `top` down to `bottom` (GE order: superior to inferior). */
function axialSlices(
  cx: number,
  cy: number,
  fov: number,
  spacing: number,
  top: number,
  bottom: number,
  step: number,
): SlicePlan[] {
  const n = Math.ceil((top - bottom) / step) + 1;
  const x0 = cx - fov / 2 + spacing / 2;
  const y0 = cy - fov / 2 + spacing / 2;
  return Array.from({ length: n }, (_, k) => {
    const z = round(top - k * step, 0.001);
    return {
      position: [round(x0, 0.001), round(y0, 0.001), z] as Vec3,
      orientation: AXIAL,
      location: z,
    };
  });
}

export function localizerSlices(fov: number, spacing: number): SlicePlan[] {
  const h = fov / 2 - spacing / 2;
  const out: SlicePlan[] = [];
  for (const z of [-30, 0, 30])
    out.push({ position: [-h, -h, z], orientation: AXIAL, location: z });
  // Coronal: rows run from head to feet (column direction -z); normal +y.
  for (const y of [-20, 10, 40])
    out.push({ position: [-h, y, h], orientation: CORONAL, location: y });
  // Sagittal: row direction +y, column direction -z; normal -x.
  for (const x of [-80, -40, 0])
    out.push({ position: [x, -h, h], orientation: SAGITTAL, location: -x });
  return out;
}

export function planSeries(rng: Rng, study: StudyPlan, preset: Preset): SeriesPlan[] {
  const a = study.anatomy;
  const fov = round(rng.uniform(340, 420), 10);
  const cx = round(rng.uniform(-15, 5), 0.5);
  const cy = round(rng.uniform(-10, 10), 0.5);
  const top = a.liverTop + 12;
  const bottom = a.liverBottom - 12;
  // The breathing shift stays below 0.45 x the smallest lesion semi-axis, so every lesion centre
  // still falls inside its own box on every sequence (the truth stays checkable), and below 5 mm.
  const minSemi = Math.min(...study.lesions.flatMap((l) => l.semiAxes));
  const capZ = Math.min(5, 0.45 * minSemi);
  const capY = Math.min(2, 0.45 * minSemi);
  const drawShift = (): Vec3 => [
    0,
    round(rng.uniform(-capY, capY), 0.01),
    round(rng.uniform(-capZ, capZ), 0.01),
  ];
  const t1Thickness = round(rng.uniform(4.4, 7.0), 0.1);
  const dualShift = drawShift();
  const dwiShift = drawShift();
  const dwiThickness = round(rng.uniform(6, 10), 0.5);
  const dwiGap = round(rng.uniform(0.5, 1), 0.5);
  const injection = study.studyStartSeconds + INJECTION_MINUTE * 60 + rng.int(0, 40);
  const series = PROTOCOL.map((p): SeriesPlan => {
    const matrix = matrixFor(p, preset);
    const seriesFov = p.kind === "localizer" ? 480 : fov + p.fovExtra;
    const pixelSpacing = round(seriesFov / matrix, 0.0001);
    let thickness: number;
    let gap: number;
    let shift: Vec3;
    switch (p.kind) {
      case "localizer":
        thickness = 10;
        gap = 0;
        shift = [0, 0, 0];
        break;
      case "DWI":
      case "ADC":
        thickness = dwiThickness;
        gap = dwiGap;
        shift = dwiShift;
        break;
      case "in_phase":
      case "opposed_phase":
        thickness = 7;
        gap = 1;
        shift = dualShift;
        break;
      case "T1_pre":
      case "T1_arterial":
      case "T1_venous":
      case "T1_delayed":
        thickness = t1Thickness;
        gap = 0;
        shift = drawShift();
        break;
      case "T2":
        thickness = round(rng.uniform(p.thickness[0], p.thickness[1]), 0.5);
        gap = round(rng.uniform(p.gap[0], p.gap[1]), 0.5);
        shift = drawShift();
        break;
    }
    const step = thickness + gap;
    const slices =
      p.kind === "localizer"
        ? localizerSlices(seriesFov, pixelSpacing)
        : axialSlices(cx, cy, seriesFov, pixelSpacing, top, bottom, step);
    const acquisitionSeconds =
      p.postContrastDelay === null
        ? study.studyStartSeconds + p.startMinute * 60 + rng.int(0, 50)
        : injection + p.postContrastDelay;
    const slope = p.kind === "ADC" ? 1 : rng.pick([1, 1, 1, 0.5, 2]);
    return {
      kind: p.kind,
      protocol: p,
      seriesInstanceUid: deterministicUid(`series:${study.key}:${p.kind}`),
      seriesNumber: p.seriesNumber,
      description: rng.pick(p.descriptions),
      matrix,
      pixelSpacing,
      rows: matrix,
      rowSpacing: pixelSpacing,
      vendor: "GE",
      implicitVr: false,
      variation: null,
      thickness,
      spacingBetweenSlices: round(step, 0.01),
      slices,
      shift,
      repetitionTime: round(rng.uniform(p.repetitionTime[0], p.repetitionTime[1]), 0.1),
      echoTime: round(rng.uniform(p.echoTime[0], p.echoTime[1]), 0.01),
      gain: (GAIN[p.kind] * (p.kind === "ADC" ? 1 : study.intensityScale)) / slope,
      rescaleSlope: slope,
      noiseSigma: NOISE[p.kind] * rng.uniform(0.8, 1.3),
      bias: [rng.uniform(-0.15, 0.15), rng.uniform(-0.2, 0.2), rng.uniform(0, 0.35)],
      acquisitionSeconds,
      postContrast: p.postContrastDelay !== null,
      ghosting: p.kind === "T2" || p.kind === "DWI" ? rng.uniform(0, 0.05) : 0,
    };
  });
  // GE names the ADC map after its source series: "ADC (10^-6 mm2/s):<DWI description>".
  const dwi = series.find((x) => x.kind === "DWI");
  const adc = series.find((x) => x.kind === "ADC");
  if (dwi && adc && adc.description.startsWith("ADC (")) {
    adc.description = `ADC (10^-6 mm2/s):${dwi.description}`;
  }
  return series;
}
