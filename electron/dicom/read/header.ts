// Patient, study and series attributes of one instance. Text that a person reads (names,
// descriptions) is decoded from the raw bytes per Specific Character Set (charset.ts); numbers and
// codes come from the dcmjs data set. Enhanced MR keeps several of them in functional groups.
import type { FrameInfo, PatientInfo, SeriesInfo, StudyInfo } from "../instance";
import { diffusionBValue } from "./bvalue";
import { decodeText, parseSpecificCharacterSet } from "./charset";
import type { Dataset } from "./dcmjs-parse";
import { fromFunctionalGroups, frameAcquisitionTime } from "./frames";
import { rawValue, type ScannedFile } from "./scan";
import { item, num, str, strs } from "./values";

/** SOP classes read as MR images (PS3.4 B.5): MR, Enhanced MR, Enhanced MR Color, Legacy. */
export const MR_IMAGE_SOP_CLASSES: Record<string, string> = {
  "1.2.840.10008.5.1.4.1.1.4": "MR Image Storage",
  "1.2.840.10008.5.1.4.1.1.4.1": "Enhanced MR Image Storage",
  "1.2.840.10008.5.1.4.1.1.4.3": "Enhanced MR Color Image Storage",
  "1.2.840.10008.5.1.4.1.1.4.4": "Legacy Converted Enhanced MR Image Storage",
};

const OTHER_SOP_CLASSES: Record<string, string> = {
  "1.2.840.10008.5.1.4.1.1.1": "Computed Radiography Image Storage",
  "1.2.840.10008.5.1.4.1.1.2": "CT Image Storage",
  "1.2.840.10008.5.1.4.1.1.2.1": "Enhanced CT Image Storage",
  "1.2.840.10008.5.1.4.1.1.3.1": "Ultrasound Multi-frame Image Storage",
  "1.2.840.10008.5.1.4.1.1.6.1": "Ultrasound Image Storage",
  "1.2.840.10008.5.1.4.1.1.7": "Secondary Capture Image Storage",
  "1.2.840.10008.5.1.4.1.1.12.1": "X-Ray Angiographic Image Storage",
  "1.2.840.10008.5.1.4.1.1.66.4": "Segmentation Storage",
  "1.2.840.10008.5.1.4.1.1.88.22": "Enhanced SR Storage",
  "1.2.840.10008.5.1.4.1.1.481.2": "RT Dose Storage",
  "1.2.840.10008.5.1.4.1.1.481.5": "RT Plan Storage",
  "1.2.840.10008.5.1.4.1.1.4.2": "MR Spectroscopy Storage",
  "1.2.840.10008.1.3.10": "Media Storage Directory Storage",
};

export function sopClassName(uid: string): string {
  return MR_IMAGE_SOP_CLASSES[uid] ?? OTHER_SOP_CLASSES[uid] ?? (uid === "" ? "none" : uid);
}

export class TextReader {
  private readonly charsets: string[];
  constructor(private readonly scan: ScannedFile) {
    const raw = rawValue(scan, 0x00080005);
    this.charsets = raw ? parseSpecificCharacterSet(String.fromCharCode(...raw)) : [];
  }
  /** A top-level text element; `personName` for PN. */
  text(tag: number, personName = false): string {
    const raw = rawValue(this.scan, tag);
    return raw ? decodeText(raw, this.charsets, personName).trim() : "";
  }
}

export function patientInfo(ds: Dataset, text: TextReader): PatientInfo {
  return {
    patientId: text.text(0x00100020),
    patientName: text.text(0x00100010, true),
    birthDate: str(ds, "PatientBirthDate"),
    sex: str(ds, "PatientSex"),
  };
}

export function studyInfo(ds: Dataset, text: TextReader): StudyInfo {
  return {
    studyInstanceUid: str(ds, "StudyInstanceUID"),
    studyDate: str(ds, "StudyDate"),
    studyTime: str(ds, "StudyTime"),
    studyDescription: text.text(0x00081030),
    accessionNumber: text.text(0x00080050),
  };
}

/** Highest per-frame b-value of an Enhanced MR file (the DWI assignment looks for the top b). */
function maxFrameBValue(frames: FrameInfo[]): number | null {
  const values = frames.map((f) => f.diffusionBValue).filter((b): b is number => b !== null);
  return values.length > 0 ? Math.max(...values) : null;
}

export function seriesInfo(
  ds: Dataset,
  scan: ScannedFile,
  text: TextReader,
  frames: FrameInfo[],
): SeriesInfo {
  const fg = (macro: string, key: string): number | null =>
    fromFunctionalGroups(ds, macro, (m) => num(m, key));
  const timing = "MRTimingAndRelatedParametersSequence";
  const acquisitionDateTime = str(ds, "AcquisitionDateTime");
  return {
    seriesInstanceUid: str(ds, "SeriesInstanceUID"),
    seriesNumber: num(ds, "SeriesNumber"),
    seriesDescription: text.text(0x0008103e),
    protocolName: text.text(0x00181030),
    manufacturer: text.text(0x00080070),
    manufacturerModelName: text.text(0x00081090),
    modality: str(ds, "Modality"),
    imageType: strs(ds, "ImageType").map((v) => v.toUpperCase()),
    scanningSequence: str(ds, "ScanningSequence") || str(ds, "EchoPulseSequence"),
    sequenceVariant: str(ds, "SequenceVariant"),
    sequenceName: text.text(0x00180024) || text.text(0x00189005),
    echoTime: num(ds, "EchoTime") ?? fg("MREchoSequence", "EffectiveEchoTime"),
    repetitionTime: num(ds, "RepetitionTime") ?? fg(timing, "RepetitionTime"),
    flipAngle: num(ds, "FlipAngle") ?? fg(timing, "FlipAngle"),
    inversionTime: num(ds, "InversionTime") ?? fg("MRModifierSequence", "InversionTimes"),
    contrastBolusAgent:
      text.text(0x00180010) || str(item(ds, "ContrastBolusAgentSequence"), "CodeMeaning"),
    acquisitionTime:
      str(ds, "AcquisitionTime") ||
      (acquisitionDateTime.length > 8 ? acquisitionDateTime.slice(8) : "") ||
      frameAcquisitionTime(ds) ||
      null,
    seriesTime: str(ds, "SeriesTime") || null,
    diffusionBValue: diffusionBValue(ds, scan) ?? maxFrameBValue(frames),
  };
}
