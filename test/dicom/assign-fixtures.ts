// Series candidates for the sequence-assignment tests: plausible tags per kind, overridable.
import type { SeriesCandidate } from "../../electron/dicom/assign";
import type { SeriesInfo } from "../../electron/dicom/instance";

export const MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4";
export const ENHANCED_MR = "1.2.840.10008.5.1.4.1.1.4.1";
export const AXIAL: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0];
export const CORONAL: [number, number, number, number, number, number] = [1, 0, 0, 0, 0, -1];

export interface SeriesOpts extends Partial<SeriesInfo> {
  uid?: string;
  frames?: number;
  bValues?: number[];
  iop?: [number, number, number, number, number, number] | null;
  sopClassUid?: string;
}

let counter = 0;

/** A series with neutral tags: only what the test sets can decide its assignment. */
export function series(description: string, o: SeriesOpts = {}): SeriesCandidate {
  counter++;
  const { uid, frames, bValues, iop, sopClassUid, ...info } = o;
  const full: SeriesInfo = {
    seriesInstanceUid: uid ?? `2.25.${counter}`,
    seriesNumber: counter,
    seriesDescription: description,
    protocolName: "",
    manufacturer: "",
    manufacturerModelName: "",
    modality: "MR",
    imageType: ["ORIGINAL", "PRIMARY", "M", "ND"],
    scanningSequence: "",
    sequenceVariant: "",
    sequenceName: "",
    echoTime: null,
    repetitionTime: null,
    flipAngle: null,
    inversionTime: null,
    contrastBolusAgent: "",
    acquisitionTime: null,
    seriesTime: null,
    diffusionBValue: null,
    ...info,
  };
  const n = frames ?? 40;
  const candidate: SeriesCandidate = {
    info: full,
    sopClassUid: sopClassUid ?? MR_IMAGE,
    instanceCount: n,
    frameCount: n,
    rows: 256,
    columns: 256,
    sliceThickness: 5,
  };
  if (bValues !== undefined) candidate.bValues = bValues;
  if (iop !== undefined) candidate.imageOrientationPatient = iop;
  return candidate;
}

/** T1 3D GRE tags (GE LAVA-like). */
export const T1_GRE = {
  scanningSequence: "GR",
  echoTime: 1.7,
  repetitionTime: 3.7,
  flipAngle: 12,
} satisfies Partial<SeriesInfo>;

export const POST = { contrastBolusAgent: "Gadobutrol" } satisfies Partial<SeriesInfo>;
