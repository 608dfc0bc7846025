// What the DICOM reader (read/) hands to the rest of the application for one Part 10 file.
// Header parsing is cheap and happens at import; pixel decoding happens when a volume is built.
import type { Vec3 } from "../contract/domain";

/** Outcome of reading one file: an MR image instance, or a file deliberately skipped. */
export type ReadOutcome =
  | { kind: "instance"; instance: DicomInstance }
  | {
      kind: "skipped";
      reason: string;
      sopInstanceUid?: string;
      seriesInstanceUid?: string;
      studyInstanceUid?: string;
    };
// Files that cannot be read are rejected by throwing DicomParseError or
// UnsupportedTransferSyntaxError (contract/errors.ts) with a specific reason.

export interface PatientInfo {
  patientId: string;
  /** Decoded from the file's character set, ISO 2022 escapes removed; "^" kept as in PN. */
  patientName: string;
  birthDate: string;
  sex: string;
}

export interface StudyInfo {
  studyInstanceUid: string;
  studyDate: string;
  studyTime: string;
  studyDescription: string;
  accessionNumber: string;
}

/** Series-level attributes used by sequence assignment (dicom/assign) and shown to users. */
export interface SeriesInfo {
  seriesInstanceUid: string;
  seriesNumber: number | null;
  seriesDescription: string;
  protocolName: string;
  manufacturer: string;
  manufacturerModelName: string;
  modality: string;
  /** ImageType values, upper case, e.g. ["ORIGINAL","PRIMARY","M","ND"] or ["DERIVED","PRIMARY","ADC"]. */
  imageType: string[];
  scanningSequence: string;
  sequenceVariant: string;
  sequenceName: string;
  echoTime: number | null;
  repetitionTime: number | null;
  flipAngle: number | null;
  inversionTime: number | null;
  contrastBolusAgent: string;
  /** HHMMSS.frac as stored; null when absent. */
  acquisitionTime: string | null;
  seriesTime: string | null;
  /** Diffusion b-value from (0018,9087) or a known private tag (GE, Siemens, Philips); null if none. */
  diffusionBValue: number | null;
}

/** Geometry and pixel layout of one frame (one 2D image). */
export interface FrameInfo {
  /** 0-based frame index within the file. */
  index: number;
  rows: number;
  columns: number;
  imagePositionPatient: Vec3 | null;
  imageOrientationPatient: [number, number, number, number, number, number] | null;
  /** [row spacing, column spacing] in mm, as DICOM PixelSpacing. */
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Per-frame b-value (Enhanced MR MR Diffusion Sequence) where present. */
  diffusionBValue: number | null;
}

/**
 * What the scanner states about the acquisition an image belongs to, for the quality gate's
 * "count vs stated" check (dicom/quality/stated-count.ts). Single-frame MR images carry these in
 * the General Image module (PS3.3 C.7.6.1) and the MR Image module (C.8.3.1); enhanced
 * multi-frame files do not (their count is Number of Frames).
 */
export interface AcquisitionFacts {
  /** Acquisition Number (0020,0012); null when absent. */
  acquisitionNumber: number | null;
  /** Images in Acquisition (0020,1002): images the scanner made in this acquisition. */
  imagesInAcquisition: number | null;
  /** Number of Temporal Positions (0020,0105): phases of a dynamic (multi-phase) acquisition. */
  numberOfTemporalPositions: number | null;
  /** Temporal Position Identifier (0020,0100): this image's phase, 1-based. */
  temporalPositionIdentifier: number | null;
}

export interface DicomInstance {
  path: string;
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  instanceNumber: number | null;
  patient: PatientInfo;
  study: StudyInfo;
  series: SeriesInfo;
  frames: FrameInfo[];
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  /** Set by the reader (read/index.ts); absent on instances built elsewhere (tests, tools). */
  acquisition?: AcquisitionFacts;
  /**
   * Decodes frame `index` to stored values (before rescale) in row-major order, length
   * rows*columns*samplesPerPixel. Throws DicomParseError / UnsupportedTransferSyntaxError.
   */
  decodeFrame(index: number): Promise<Int32Array | Float32Array>;
}
