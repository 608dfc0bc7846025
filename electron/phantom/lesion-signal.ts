// How a lesion looks on each series kind, from its features: signal of its core, its rim and its
// capsule as multiples of the normal liver's signal in that series. Ratios follow the typical
// appearance described in LI-RADS v2018 (HCC), and reviews of ICC and metastasis MRI: e.g. HCC
// "washout" = hypointense to liver in the portal-venous phase, a capsule = a smooth enhancing rim
// in the portal-venous/delayed phases, ICC = rim APHE with progressive central fill-in.
import type { LesionPlan } from "./plan";
import type { SeriesKind } from "./protocol";

export interface LesionSignal {
  core: number;
  rim: number;
  /** Capsule signal, or NaN when no capsule shows on this series. */
  capsule: number;
  /** Relative amplitude of internal heterogeneity (mosaic architecture is high). */
  heterogeneity: number;
}

type Ratios = [core: number, rim: number, capsule?: number];

function ratios(lesion: LesionPlan, kind: SeriesKind): Ratios {
  const f = lesion.features;
  switch (kind) {
    case "T2":
    case "localizer":
      switch (f.t2) {
        case "mild":
          return [1.6, 1.6];
        case "rim-bright":
          return [1.3, 2.4];
        case "bright":
          return [2.6, 2.6];
        case "targetoid":
          return [3.6, 2.1];
        case "iso":
          return [1.1, 1.1];
      }
      break;
    case "T1_pre":
      return [0.64, 0.7];
    case "in_phase":
      return [0.72, 0.74];
    case "opposed_phase":
      return f.fat ? [0.45, 0.5] : [0.72, 0.74];
    case "T1_arterial":
      switch (f.arterial) {
        case "homogeneous":
          return [1.75, 1.75];
        case "mosaic":
          return [1.6, 1.65];
        case "rim":
          return [0.62, 1.55];
        case "none":
          return [0.8, 0.82];
      }
      break;
    case "T1_venous":
      switch (f.portal) {
        case "washout":
          return [0.72, 0.74, 1.3];
        case "iso":
          return [0.98, 0.98, 1.25];
        case "progressive":
          return [0.78, 1.0];
        case "hypo-rim":
          return [0.5, 0.88];
      }
      break;
    case "T1_delayed":
      switch (f.portal) {
        case "washout":
          return [0.68, 0.7, 1.35];
        case "iso":
          return [0.96, 0.96, 1.3];
        case "progressive":
          return [1.12, 1.02];
        case "hypo-rim":
          return [0.55, 0.8];
      }
      break;
    case "DWI":
      switch (f.diffusion) {
        case "mild":
          return [1.7, 1.7];
        case "targetoid":
          return [1.6, 3.0];
        case "strong":
          return [3.6, 3.6];
        case "none":
          return [1.15, 1.15];
      }
      break;
    case "ADC":
      switch (f.diffusion) {
        case "mild":
          return [0.85, 0.85];
        case "targetoid":
          return [1.15, 0.72];
        case "strong":
          return [0.68, 0.68];
        case "none":
          return [1.0, 1.0];
      }
      break;
  }
  throw new Error(`no lesion appearance for ${kind}`);
}

/** `liver` is the normal liver's signal on this series; conspicuity pulls ratios toward 1. */
export function lesionSignal(
  lesion: LesionPlan,
  kind: SeriesKind,
  liver: number,
  contrast = 1,
): LesionSignal {
  const [core, rim, capsule] = ratios(lesion, kind);
  const k = lesion.conspicuity * contrast;
  const toward = (r: number): number => liver * (1 + k * (r - 1));
  const showsCapsule = lesion.features.capsule && capsule !== undefined;
  const mosaic = kind === "T1_arterial" && lesion.features.arterial === "mosaic";
  return {
    core: toward(core),
    rim: toward(rim),
    capsule: showsCapsule ? toward(capsule) : Number.NaN,
    heterogeneity: mosaic ? 0.25 : 0.07,
  };
}
