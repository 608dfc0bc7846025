// The scan protocol every phantom study follows: which series a liver MRI exam has, in what order,
// with what acquisition parameters, geometry and GE-style descriptions. Values follow the paper's
// Table 1 (TR/TE/flip angle, matrices, slice thickness) and issue 2 (FOV 340-420 mm, distractors).
import type { SequenceId } from "../contract/domain";

/** Every series kind a phantom study writes: the five CAD sequences plus real-world distractors. */
export const SERIES_KINDS = [
  "localizer",
  "T2",
  "in_phase",
  "opposed_phase",
  "DWI",
  "ADC",
  "T1_pre",
  "T1_arterial",
  "T1_venous",
  "T1_delayed",
] as const;
export type SeriesKind = (typeof SERIES_KINDS)[number];

/** The series kinds that are the paper's five sequences, keyed by their sequence id. */
export const SEQUENCE_OF_KIND: Partial<Record<SeriesKind, SequenceId>> = {
  T1_pre: "T1_pre",
  T2: "T2",
  T1_arterial: "T1_arterial",
  T1_venous: "T1_venous",
  DWI: "DWI",
};

/**
 * small / clinical: the GE protocol at half / Table 1 matrices. randomized: domain randomization
 * (issue 11 §1; SynthSeg-style): GE, Philips and Canon naming, random geometry, tissue signals,
 * anatomy, distractors and artefacts. shifted: the shift test, settings never used in training
 * (Siemens naming, thin contiguous T1, a larger habitus, a gamma intensity model).
 */
export type Preset = "small" | "clinical" | "randomized" | "shifted";
export const PRESETS: readonly Preset[] = ["small", "clinical", "randomized", "shifted"];

export interface ProtocolEntry {
  kind: SeriesKind;
  /** GE numbering: one series number per acquisition, derived maps (ADC) in the hundreds. */
  seriesNumber: number;
  /** Description variants seen across GE sites and software levels; one is drawn per study. */
  descriptions: readonly string[];
  protocolName: string;
  /** Matrix of the `clinical` preset (Table 1); `small` halves it. */
  matrix: number;
  /** Slice thickness range in mm (Table 1). */
  thickness: [number, number];
  /** Gap added to the thickness to get SpacingBetweenSlices, in mm. */
  gap: [number, number];
  /** Added to the study FOV (DWI is usually acquired with a slightly larger FOV). */
  fovExtra: number;
  repetitionTime: [number, number];
  echoTime: [number, number];
  flipAngle: number;
  scanningSequence: string;
  sequenceVariant: string;
  scanOptions: string;
  mrAcquisitionType: "2D" | "3D";
  sequenceName: string;
  imageType: readonly string[];
  /** Seconds after contrast injection; null for unenhanced series. */
  postContrastDelay: number | null;
  /** Minutes after the study start at which an unenhanced series is acquired. */
  startMinute: number;
  echoTrainLength: number;
  diffusionBValue: number | null;
}

/**
 * Order = acquisition order of a typical GE 3 T liver protocol. Delays after injection: arterial
 * ~20 s, portal-venous ~60 s, delayed ~180 s (issue 2 §2; late-arterial timing in LI-RADS).
 */
export const PROTOCOL: readonly ProtocolEntry[] = [
  {
    kind: "localizer",
    seriesNumber: 1,
    descriptions: ["3-Plane Loc SSFSE", "3 PLANE LOC", "Loc SSFSE"],
    protocolName: "LIVER 3T",
    matrix: 256,
    thickness: [8, 10],
    gap: [5, 5],
    fovExtra: 60,
    repetitionTime: [1200, 1400],
    echoTime: [80, 90],
    flipAngle: 90,
    scanningSequence: "SE",
    sequenceVariant: "SK",
    scanOptions: "FAST_GEMS\\SS_GEMS",
    mrAcquisitionType: "2D",
    sequenceName: "ssfse",
    imageType: ["ORIGINAL", "PRIMARY", "LOCALIZER"],
    postContrastDelay: null,
    startMinute: 0,
    echoTrainLength: 1,
    diffusionBValue: null,
  },
  {
    kind: "T2",
    seriesNumber: 3,
    descriptions: ["Ax T2 FRFSE FS", "Ax T2 FRFSE RTr", "AX T2 FSE FS RESP TRIG"],
    protocolName: "LIVER 3T",
    matrix: 320,
    thickness: [6, 8],
    gap: [0.5, 1.5],
    fovExtra: 0,
    repetitionTime: [2222, 16363],
    echoTime: [68.1, 77.2],
    flipAngle: 110,
    scanningSequence: "SE",
    sequenceVariant: "SK\\OSP",
    scanOptions: "FAST_GEMS\\FS",
    mrAcquisitionType: "2D",
    sequenceName: "frfse",
    imageType: ["ORIGINAL", "PRIMARY", "OTHER"],
    postContrastDelay: null,
    startMinute: 2,
    echoTrainLength: 16,
    diffusionBValue: null,
  },
  {
    kind: "in_phase",
    seriesNumber: 4,
    descriptions: ["Ax 2D Dual Echo InPhase", "AX DUAL ECHO IP", "Ax T1 FSPGR InPhase"],
    protocolName: "LIVER 3T",
    matrix: 256,
    thickness: [6, 7],
    gap: [1, 1],
    fovExtra: 0,
    repetitionTime: [150, 200],
    echoTime: [2.2, 2.4],
    flipAngle: 80,
    scanningSequence: "GR",
    sequenceVariant: "SP",
    scanOptions: "FAST_GEMS",
    mrAcquisitionType: "2D",
    sequenceName: "fspgr",
    imageType: ["ORIGINAL", "PRIMARY", "IN_PHASE"],
    postContrastDelay: null,
    startMinute: 5,
    echoTrainLength: 1,
    diffusionBValue: null,
  },
  {
    kind: "opposed_phase",
    seriesNumber: 5,
    descriptions: ["Ax 2D Dual Echo OutPhase", "AX DUAL ECHO OP", "Ax T1 FSPGR OutPhase"],
    protocolName: "LIVER 3T",
    matrix: 256,
    thickness: [6, 7],
    gap: [1, 1],
    fovExtra: 0,
    repetitionTime: [150, 200],
    echoTime: [1.1, 1.2],
    flipAngle: 80,
    scanningSequence: "GR",
    sequenceVariant: "SP",
    scanOptions: "FAST_GEMS",
    mrAcquisitionType: "2D",
    sequenceName: "fspgr",
    imageType: ["ORIGINAL", "PRIMARY", "OUT_PHASE"],
    postContrastDelay: null,
    startMinute: 5,
    echoTrainLength: 1,
    diffusionBValue: null,
  },
  {
    kind: "DWI",
    seriesNumber: 6,
    descriptions: ["Ax DWI b800", "AX DWI B800 RESP TRIG", "Ax DWI b1000"],
    protocolName: "LIVER 3T",
    matrix: 128,
    thickness: [6, 10],
    gap: [0.5, 1],
    fovExtra: 20,
    repetitionTime: [2849, 17142],
    echoTime: [44.6, 55.1],
    flipAngle: 90,
    scanningSequence: "EP",
    sequenceVariant: "SK\\SS",
    scanOptions: "EPI_GEMS\\FS",
    mrAcquisitionType: "2D",
    sequenceName: "epi2",
    imageType: ["ORIGINAL", "PRIMARY", "OTHER"],
    postContrastDelay: null,
    startMinute: 7,
    echoTrainLength: 1,
    diffusionBValue: 800,
  },
  {
    kind: "ADC",
    seriesNumber: 600,
    descriptions: ["ADC (10^-6 mm2/s):Ax DWI b800", "Apparent Diffusion Coefficient (mm2/s)"],
    protocolName: "LIVER 3T",
    matrix: 128,
    thickness: [6, 10],
    gap: [0.5, 1],
    fovExtra: 20,
    repetitionTime: [2849, 17142],
    echoTime: [44.6, 55.1],
    flipAngle: 90,
    scanningSequence: "EP",
    sequenceVariant: "SK\\SS",
    scanOptions: "EPI_GEMS\\FS",
    mrAcquisitionType: "2D",
    sequenceName: "epi2",
    imageType: ["DERIVED", "PRIMARY", "ADC"],
    postContrastDelay: null,
    startMinute: 7,
    echoTrainLength: 1,
    diffusionBValue: null,
  },
  ...(["T1_pre", "T1_arterial", "T1_venous", "T1_delayed"] as const).map(
    (kind, i): ProtocolEntry => ({
      kind,
      seriesNumber: 8 + i,
      descriptions: {
        T1_pre: ["Ax LAVA-Flex pre", "AX LAVA FLEX PRE", "Ax LAVA-Flex mask"],
        T1_arterial: ["Ax LAVA-Flex arterial", "AX LAVA FLEX ART", "Ax LAVA-Flex +C 20s"],
        T1_venous: ["Ax LAVA-Flex portal", "AX LAVA FLEX PV", "Ax LAVA-Flex +C 60s"],
        T1_delayed: ["Ax LAVA-Flex delayed", "AX LAVA FLEX 3MIN", "Ax LAVA-Flex +C 3min"],
      }[kind],
      protocolName: "LIVER 3T",
      matrix: 260,
      thickness: [4.4, 7.0],
      gap: [0, 0],
      fovExtra: 0,
      repetitionTime: [3.6, 3.7],
      echoTime: [1.7, 1.7],
      flipAngle: 12,
      scanningSequence: "GR",
      sequenceVariant: "SS\\SP",
      scanOptions: "FAST_GEMS\\ACC_GEMS\\FS",
      mrAcquisitionType: "3D",
      sequenceName: "efgre3d",
      imageType: ["ORIGINAL", "PRIMARY", "WATER"],
      postContrastDelay: { T1_pre: null, T1_arterial: 20, T1_venous: 60, T1_delayed: 180 }[kind],
      startMinute: 10,
      echoTrainLength: 1,
      diffusionBValue: null,
    }),
  ),
];

/** Minutes after study start at which contrast is injected (after the pre-contrast mask). */
export const INJECTION_MINUTE = 11;

export const CONTRAST_AGENT = "Gadobutrol";

export function protocolEntry(kind: SeriesKind): ProtocolEntry {
  const entry = PROTOCOL.find((p) => p.kind === kind);
  if (!entry) throw new Error(`no protocol entry for series kind ${kind}`);
  return entry;
}

export function matrixFor(entry: ProtocolEntry, preset: Preset): number {
  return preset === "clinical" ? entry.matrix : Math.round(entry.matrix / 2);
}
