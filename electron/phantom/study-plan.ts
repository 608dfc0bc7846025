// The shape of one planned study, its lesions and its series (plan.ts and geometry.ts draw them
// from the seed). Types only, in a file of their own so that geometry.ts and randomize.ts, which
// plan.ts calls, can name them without importing plan.ts back.
import type { LesionClass, Vec3 } from "../contract/domain";
import type { AnatomyPlan, Capsule } from "./anatomy";
import type { LesionFeatures } from "./features";
import type { ProtocolEntry, SeriesKind } from "./protocol";
import type { Distractors, SeriesVariation, Vendor } from "./variation";

export interface LesionPlan {
  /** Centre in patient coordinates (LPS, mm) before any breathing shift. */
  center: Vec3;
  /** Semi-axes along x, y, z in mm (axis-aligned ellipsoid). */
  semiAxes: Vec3;
  /** Largest diameter in mm (= 2 x the largest semi-axis): the paper's size metric. */
  diameterMm: number;
  role: "index" | "satellite" | "additional";
  features: LesionFeatures;
  /** 0.55..1.15: how far the lesion's signal departs from the liver's (conspicuity). */
  conspicuity: number;
  /** Fraction of the radius taken by the enhancing/bright rim of rim and targetoid patterns. */
  rimFraction: number;
  /** ICC capsular retraction: a dent of the liver surface near the lesion. */
  retraction: { point: Vec3; depth: number; sigma: number } | null;
  /** ICC upstream biliary dilatation: dilated ducts running from the lesion to the periphery. */
  ducts: Capsule[];
  /** Randomized presets: amplitude of the lobulated outline (0 or absent = ellipsoid) and its phases. */
  lobulation?: number;
  lobePhase?: [number, number];
}

export interface StudyPlan {
  index: number;
  /** Key that names the study everywhere (random streams, UIDs): "<seed>/<index>". */
  key: string;
  patientId: string;
  patientName: string;
  patientSex: "M" | "F";
  patientAge: number;
  patientBirthDate: string;
  patientWeight: number;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  studyDate: string;
  /** Seconds after midnight at which the exam started. */
  studyStartSeconds: number;
  accessionNumber: string;
  label: LesionClass;
  atypical: boolean;
  cirrhosis: boolean;
  /** Multiplies every stored intensity of the study: MR units are arbitrary. */
  intensityScale: number;
  anatomy: AnatomyPlan;
  lesions: LesionPlan[];
  series: SeriesPlan[];
  /** Randomized presets: ascites, cysts and haemangioma-like lesions (not in the truth). */
  distractors: Distractors | null;
}

export type Orientation = [number, number, number, number, number, number];

export interface SlicePlan {
  /** ImagePositionPatient: centre of the first transmitted pixel. */
  position: Vec3;
  orientation: Orientation;
  /** SliceLocation: the position along the slice normal. */
  location: number;
}

export interface SeriesPlan {
  kind: SeriesKind;
  protocol: ProtocolEntry;
  seriesInstanceUid: string;
  seriesNumber: number;
  description: string;
  /** Columns (0028,0011); the small and clinical presets are square (rows = columns). */
  matrix: number;
  /** Spacing between columns in mm (PixelSpacing[1]); = rowSpacing in the small and clinical presets. */
  pixelSpacing: number;
  /** Rows (0028,0010): the randomized presets draw rectangular matrices. */
  rows: number;
  /** Spacing between rows in mm (PixelSpacing[0]): non-square pixels in the randomized presets. */
  rowSpacing: number;
  vendor: Vendor;
  /** Written in Implicit VR Little Endian (PS3.5 A.1) rather than Explicit VR Little Endian. */
  implicitVr: boolean;
  /** Domain randomization of this series (randomized and shifted presets), else null. */
  variation: SeriesVariation | null;
  thickness: number;
  spacingBetweenSlices: number;
  slices: SlicePlan[];
  /** Breathing shift (mm) applied to the organs that move with the diaphragm. */
  shift: Vec3;
  repetitionTime: number;
  echoTime: number;
  /** Stored value per unit of tissue signal (before RescaleSlope). */
  gain: number;
  rescaleSlope: number;
  /** Noise standard deviation in tissue-signal units (per quadrature channel). */
  noiseSigma: number;
  /** Smooth multiplicative receive-coil bias: 1 + b0*x + b1*y + b2*(x^2+y^2) in normalised units. */
  bias: [number, number, number];
  acquisitionSeconds: number;
  postContrast: boolean;
  /** Relative amplitude of the respiratory ghost (2D T2 and DWI only). */
  ghosting: number;
}
