// What domain randomization (issue 11 §1) changes in one series beyond its geometry: kept apart
// from randomize.ts (which draws it) so that geometry, render and the writer only need the types.
import type { Tissue } from "./tissue";

export type Vendor = "GE" | "Siemens" | "Philips" | "Canon";

export interface SeriesVariation {
  /** Multiplies each tissue's signal on this series (liver included). */
  tissueScale: Partial<Record<Tissue, number>>;
  /** Scales how far every lesion departs from the liver on this series (0.75-1.25). */
  lesionContrast: number;
  /** Box blur along the phase-encoding direction, in pixels (0 = none): motion. */
  motionBlur: number;
  /** Amplitude of truncation ringing (0 = none): Gibbs artefact at edges. */
  gibbs: number;
  /** Peak displacement in pixels of the EPI distortion along the phase direction (DWI/ADC). */
  distortion: number;
  /** Signal passed through x^gamma after normalisation (1 = linear): the shifted intensity model. */
  gamma: number;
}

/** Distractors of a randomized study: structures that are not lesions and not in the truth. */
export interface Distractors {
  /** Ascites: thickness in mm of the fluid layer around the liver (0 = none). */
  ascitesMm: number;
  /** Simple cysts: fluid ellipsoids in the liver. */
  cysts: { center: [number, number, number]; semiAxes: [number, number, number] }[];
  /** Haemangioma-like lesions: bright T2, peripheral nodular enhancement with fill-in. */
  hemangiomas: { center: [number, number, number]; semiAxes: [number, number, number] }[];
}
