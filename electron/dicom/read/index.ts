// The DICOM reader: one Part 10 file in, an MR instance (header now, pixels on demand), a reasoned
// skip, or a thrown DicomParseError / UnsupportedTransferSyntaxError. Checks run in this order so
// that a broken file is rejected whatever its modality: structure (scan.ts), data set (dcmjs),
// pixel module against Pixel Data, then "is it an MR image", then "can its pixels be decoded".
import { readFile, stat } from "node:fs/promises";
import type { DicomInstance, ReadOutcome } from "../instance";
import { parseDataset } from "./dcmjs-parse";
import { buildFrames } from "./frames";
import {
  MR_IMAGE_SOP_CLASSES,
  patientInfo,
  seriesInfo,
  sopClassName,
  studyInfo,
  TextReader,
} from "./header";
import { locatePixels, readPixelLayout, type PixelLayout } from "./pixel-layout";
import { decodeFrame, unsupportedSyntax } from "./pixels";
import { AppError, DicomParseError, errorMessage } from "../../contract/errors";
import { checkFileSize } from "./limits";
import { scanPart10, TAG_PIXEL_DATA } from "./scan";
import { num, str } from "./values";

export { knownTransferSyntaxes, lookupTransferSyntax } from "./transfer-syntax";
export type { TransferSyntax, PixelCodec } from "./transfer-syntax";

export async function readDicomFile(filePath: string, data?: Uint8Array): Promise<ReadOutcome> {
  if (!data) checkFileSize((await stat(filePath)).size);
  const bytes = data ?? new Uint8Array(await readFile(filePath));
  return readDicomBytes(filePath, bytes);
}

/** Synchronous core of readDicomFile (header work only; decoding stays lazy). */
export function readDicomBytes(filePath: string, bytes: Uint8Array): ReadOutcome {
  try {
    return read(filePath, bytes);
  } catch (err) {
    // Import must go on after any bad file: whatever a damaged file makes fail is a rejection.
    if (err instanceof AppError) throw err;
    throw new DicomParseError(`cannot read the file: ${errorMessage(err)}`, { cause: err });
  }
}

function read(filePath: string, bytes: Uint8Array): ReadOutcome {
  const scan = scanPart10(bytes);
  const ds = parseDataset(scan, bytes);
  const sopClassUid = str(ds, "SOPClassUID");
  const modality = str(ds, "Modality");
  const ids = {
    sopInstanceUid: str(ds, "SOPInstanceUID") || undefined,
    seriesInstanceUid: str(ds, "SeriesInstanceUID") || undefined,
    studyInstanceUid: str(ds, "StudyInstanceUID") || undefined,
  };
  const hasPixels = scan.elements.has(TAG_PIXEL_DATA);
  const layout = hasPixels ? readPixelLayout(ds, scan) : null;
  const source = layout ? locatePixels(layout, scan) : null;
  const what = `Modality ${modality || "none"}, SOP class ${sopClassName(sopClassUid)}`;
  if (!MR_IMAGE_SOP_CLASSES[sopClassUid]) {
    return { kind: "skipped", reason: `not an MR image (${what})`, ...ids };
  }
  if (!layout && (scan.elements.has(0x7fe00008) || scan.elements.has(0x7fe00009))) {
    throw new DicomParseError(
      "Float Pixel Data (7FE0,0008) / Double Float Pixel Data (7FE0,0009) is not supported",
    );
  }
  if (!layout || !source) {
    // Pixel Data is Type 1 in the MR Image module: an MR image without it is broken, typically
    // a file cut at an element boundary before the pixels.
    throw new DicomParseError(
      `inconsistent header: ${sopClassName(sopClassUid)} object has no Pixel Data (7FE0,0010), ` +
        `which is required (PS3.3 C.8.3.1); the file may be truncated`,
    );
  }
  if (scan.syntax.codec === "none") throw unsupportedSyntax(scan.syntax);
  const text = new TextReader(scan);
  const frames = buildFrames(ds, layout.frames, layout.rows, layout.columns);
  const syntax = scan.syntax;
  const instance: DicomInstance = {
    path: filePath,
    sopClassUid,
    sopInstanceUid: str(ds, "SOPInstanceUID"),
    transferSyntaxUid: scan.transferSyntaxUid,
    instanceNumber: num(ds, "InstanceNumber"),
    patient: patientInfo(ds, text),
    study: studyInfo(ds, text),
    series: seriesInfo(ds, scan, text, frames),
    frames,
    bitsAllocated: layout.bitsAllocated,
    bitsStored: layout.bitsStored,
    pixelRepresentation: layout.pixelRepresentation,
    samplesPerPixel: layout.samplesPerPixel,
    photometricInterpretation: layout.photometricInterpretation,
    acquisition: {
      acquisitionNumber: num(ds, "AcquisitionNumber"),
      imagesInAcquisition: num(ds, "ImagesInAcquisition"),
      numberOfTemporalPositions: num(ds, "NumberOfTemporalPositions"),
      temporalPositionIdentifier: num(ds, "TemporalPositionIdentifier"),
    },
    decodeFrame: (index: number) => decodeFrame(source, index, layout, syntax),
  };
  return { kind: "instance", instance };
}

export interface ImagePixels {
  layout: PixelLayout;
  transferSyntaxUid: string;
  decodeFrame(index: number): Promise<Int32Array>;
}

/**
 * Pixel access to any image file, MR or not (the same checks as readDicomFile, without the MR
 * filter): for tools and tests that need pixels of skipped files. Throws when there are none.
 */
export function openImagePixels(bytes: Uint8Array): ImagePixels {
  const scan = scanPart10(bytes);
  const ds = parseDataset(scan, bytes);
  if (!scan.elements.has(TAG_PIXEL_DATA)) throw new DicomParseError("the file has no Pixel Data");
  const layout = readPixelLayout(ds, scan);
  const source = locatePixels(layout, scan);
  const syntax = scan.syntax;
  return {
    layout,
    transferSyntaxUid: syntax.uid,
    decodeFrame: (index: number) => decodeFrame(source, index, layout, syntax),
  };
}
