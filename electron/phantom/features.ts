// Imaging features of one lesion, drawn per class with the probabilities below: each feature is
// present with a probability, never always (issue 2 §2). An atypical lesion takes each feature
// group from a mimicking class instead, with probability ATYPICAL_SWAP, so that about a fifth of
// the cohort is ambiguous and no classifier can reach 100% (the paper's readers reach 0.49-0.73).
import type { LesionClass } from "../contract/domain";
import type { Rng } from "./random";

export type ArterialPattern = "homogeneous" | "mosaic" | "rim" | "none";
export type PortalPattern = "washout" | "iso" | "progressive" | "hypo-rim";
export type T2Pattern = "mild" | "rim-bright" | "bright" | "targetoid" | "iso";
export type DiffusionPattern = "mild" | "targetoid" | "strong" | "none";

export interface LesionFeatures {
  arterial: ArterialPattern;
  portal: PortalPattern;
  capsule: boolean;
  t2: T2Pattern;
  diffusion: DiffusionPattern;
  /** Intralesional fat (some HCC): signal drop from in-phase to opposed-phase. */
  fat: boolean;
}

type Weighted<T> = ReadonlyArray<readonly [T, number]>;

interface FeatureProfile {
  arterial: Weighted<ArterialPattern>;
  portal: Weighted<PortalPattern>;
  capsule: number;
  t2: Weighted<T2Pattern>;
  diffusion: Weighted<DiffusionPattern>;
  fat: number;
}

/**
 * LI-RADS major features for HCC (non-rim APHE, washout, enhancing capsule); ICC's rim APHE,
 * progressive central enhancement and targetoid restriction; metastases' rim enhancement, bright
 * T2 and strong restriction. Probabilities are typical frequencies from the radiology literature,
 * rounded: none is certain.
 */
export const PROFILES: Record<LesionClass, FeatureProfile> = {
  HCC: {
    arterial: [
      ["homogeneous", 0.5],
      ["mosaic", 0.33],
      ["none", 0.17],
    ],
    portal: [
      ["washout", 0.75],
      ["iso", 0.25],
    ],
    capsule: 0.6,
    t2: [
      ["mild", 0.85],
      ["iso", 0.15],
    ],
    diffusion: [
      ["mild", 0.7],
      ["none", 0.3],
    ],
    fat: 0.15,
  },
  ICC: {
    arterial: [
      ["rim", 0.72],
      ["homogeneous", 0.1],
      ["none", 0.18],
    ],
    portal: [
      ["progressive", 0.7],
      ["hypo-rim", 0.3],
    ],
    capsule: 0.05,
    t2: [
      ["rim-bright", 0.65],
      ["bright", 0.35],
    ],
    diffusion: [
      ["targetoid", 0.65],
      ["strong", 0.35],
    ],
    fat: 0,
  },
  metastasis: {
    arterial: [
      ["rim", 0.68],
      ["homogeneous", 0.15],
      ["none", 0.17],
    ],
    portal: [
      ["hypo-rim", 0.8],
      ["washout", 0.2],
    ],
    capsule: 0,
    t2: [
      ["bright", 0.5],
      ["targetoid", 0.35],
      ["mild", 0.15],
    ],
    diffusion: [
      ["strong", 0.6],
      ["targetoid", 0.4],
    ],
    fat: 0,
  },
};

/** Share of studies whose lesions borrow features from another class. */
export const ATYPICAL_RATE = 0.2;
/** Per feature group, the chance that an atypical lesion takes the mimic's feature. */
export const ATYPICAL_SWAP = 0.6;

/** Which class each class is most often mistaken for (HCC vs ICC is the classic confusion). */
const MIMIC: Record<LesionClass, readonly LesionClass[]> = {
  HCC: ["ICC", "metastasis"],
  ICC: ["HCC", "metastasis"],
  metastasis: ["ICC", "HCC"],
};

function draw<T>(rng: Rng, options: Weighted<T>): T {
  const total = options.reduce((s, [, w]) => s + w, 0);
  let u = rng.next() * total;
  for (const [value, w] of options) {
    u -= w;
    if (u < 0) return value;
  }
  const last = options[options.length - 1];
  if (!last) throw new Error("empty feature distribution");
  return last[0];
}

export function drawFeatures(rng: Rng, label: LesionClass, atypical: boolean): LesionFeatures {
  const own = PROFILES[label];
  const mimic =
    PROFILES[
      rng.next() < 0.7 ? (MIMIC[label][0] as LesionClass) : (MIMIC[label][1] as LesionClass)
    ];
  const src = (): FeatureProfile => (atypical && rng.chance(ATYPICAL_SWAP) ? mimic : own);
  return {
    arterial: draw(rng, src().arterial),
    portal: draw(rng, src().portal),
    capsule: rng.chance(src().capsule),
    t2: draw(rng, src().t2),
    diffusion: draw(rng, src().diffusion),
    fat: rng.chance(src().fat),
  };
}
