// Small synthetic MR files for import tests, written with dcmjs: each series is named by the
// generator arguments (STYLE.md 11), so a failing case can be regenerated exactly.
import dcmjs from "dcmjs";
import fs from "node:fs";
import path from "node:path";

// dcmjs ships no types; the reader declares the read side only, the writer is typed here.
interface DcmjsWriter {
  data: {
    DicomDict: new (meta: Record<string, unknown>) => {
      dict: Record<string, unknown>;
      write(): ArrayBuffer;
    };
    DicomMetaDictionary: {
      denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>;
    };
  };
}
const { DicomDict, DicomMetaDictionary } = (dcmjs as unknown as DcmjsWriter).data;

export const ROOT_UID = "1.2.826.0.1.3680043.10.999";
const MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4";
const EXPLICIT_LE = "1.2.840.10008.1.2.1";

export interface SeriesSpec {
  study: number;
  series: number;
  slices: number;
  description?: string;
  size?: number;
  modality?: string;
  /** Default 20260101 and Test^Fixture<study>: Q/R matching tests vary them per study. */
  studyDate?: string;
  patientName?: string;
}

export function uids(spec: { study: number; series: number }) {
  const study = `${ROOT_UID}.${spec.study}`;
  const series = `${study}.${spec.series}`;
  return { study, series, sop: (k: number) => `${series}.${k + 1}` };
}

/** The bytes of slice `k` of a series. */
export function mrFile(spec: SeriesSpec, k: number): Uint8Array {
  const size = spec.size ?? 16;
  const u = uids(spec);
  const modality = spec.modality ?? "MR";
  const sopClass = modality === "MR" ? MR_STORAGE : "1.2.840.10008.5.1.4.1.1.7";
  const pixels = new Uint16Array(size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + k * 13 + spec.series) % 4096;
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: u.sop(k),
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: `${ROOT_UID}.1`,
  });
  const dict = new DicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset({
    SpecificCharacterSet: "ISO_IR 100",
    ImageType: ["ORIGINAL", "PRIMARY", "OTHER"],
    SOPClassUID: sopClass,
    SOPInstanceUID: u.sop(k),
    StudyDate: spec.studyDate ?? "20260101",
    StudyTime: "101010",
    SeriesTime: `1010${String(10 + spec.series).padStart(2, "0")}`,
    AcquisitionTime: `1010${String(10 + spec.series).padStart(2, "0")}`,
    AccessionNumber: "",
    Modality: modality,
    Manufacturer: "PHANTOM",
    StudyDescription: "LIVER TEST",
    SeriesDescription: spec.description ?? `series ${spec.series}`,
    PatientName: spec.patientName ?? `Test^Fixture${spec.study}`,
    PatientID: `FIX${spec.study}`,
    PatientBirthDate: "",
    PatientSex: "O",
    ScanningSequence: "GR",
    SequenceVariant: "SP",
    SliceThickness: 5,
    RepetitionTime: 4,
    EchoTime: 2,
    StudyInstanceUID: u.study,
    SeriesInstanceUID: u.series,
    StudyID: "1",
    SeriesNumber: spec.series,
    InstanceNumber: k + 1,
    ImagePositionPatient: [0, 0, k * 5],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    FrameOfReferenceUID: `${u.study}.0`,
    SamplesPerPixel: 1,
    PhotometricInterpretation: "MONOCHROME2",
    Rows: size,
    Columns: size,
    PixelSpacing: [1, 1],
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: "OW" },
  });
  return new Uint8Array(dict.write());
}

/** Writes a series as `<dir>/s<study>/<series>/<k>.dcm`; returns the file paths. */
export function writeSeries(dir: string, spec: SeriesSpec): string[] {
  const folder = path.join(dir, `s${spec.study}`, String(spec.series));
  fs.mkdirSync(folder, { recursive: true });
  return Array.from({ length: spec.slices }, (_, k) => {
    const file = path.join(folder, `${String(k + 1).padStart(4, "0")}.dcm`);
    fs.writeFileSync(file, mrFile(spec, k));
    return file;
  });
}

/**
 * Writes a DICOMDIR (PS3.3 F.3) at `<dir>/DICOMDIR` with one IMAGE record per File ID; record
 * offsets are left out: the importer follows the records in order, not the offset links.
 */
export function writeDicomdir(dir: string, fileIds: string[][]): string {
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: "1.2.840.10008.1.3.10",
    MediaStorageSOPInstanceUID: `${ROOT_UID}.77`,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: `${ROOT_UID}.1`,
  });
  const dict = new DicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset({
    FileSetID: "TEST",
    FileSetConsistencyFlag: 0,
    DirectoryRecordSequence: fileIds.map((id) => ({
      RecordInUseFlag: 0xffff,
      DirectoryRecordType: "IMAGE",
      ReferencedFileID: id,
    })),
  });
  const file = path.join(dir, "DICOMDIR");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, new Uint8Array(dict.write()));
  return file;
}
