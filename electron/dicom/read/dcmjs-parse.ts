// Header parsing with dcmjs: the attributes that become DicomInstance, naturalized. dcmjs gets a
// compact copy of the file holding only the top-level elements the reader uses (the walk in
// scan.ts knows where each one is): a vendor MR file carries 100-150 elements, private blocks of
// tens of KB and the pixels, and dcmjs costs ~5 us per element it reads (measured), so this cuts
// its share of the parse several-fold. Text for people (names, descriptions) is decoded from raw
// bytes by charset.ts and private b-values are read raw by bvalue.ts, so neither is listed here.
import dcmjs from "dcmjs";
import { DicomParseError, errorMessage } from "../../contract/errors";
import { tagString, type ScannedFile } from "./scan";

// dcmjs logs a validation warning for every implicit-VR file and every short value (FIELD-NOTES);
// the reader reports problems itself, so its loggers stay quiet.
dcmjs.log.setLevel("silent");
dcmjs.log.getLogger("validation.dcmjs").setLevel("silent");

export type Dataset = Record<string, unknown>;

/** Top-level attributes read through dcmjs: header.ts, frames.ts, pixel-layout.ts, index.ts. */
const HEADER_TAGS = new Set([
  0x00080005, // SpecificCharacterSet
  0x00080008, // ImageType
  0x00080016, // SOPClassUID
  0x00080018, // SOPInstanceUID
  0x00080020, // StudyDate
  0x0008002a, // AcquisitionDateTime
  0x00080030, // StudyTime
  0x00080031, // SeriesTime
  0x00080032, // AcquisitionTime
  0x00080060, // Modality
  0x00100030, // PatientBirthDate
  0x00100040, // PatientSex
  0x00180012, // ContrastBolusAgentSequence
  0x00180020, // ScanningSequence
  0x00180021, // SequenceVariant
  0x00180050, // SliceThickness
  0x00180080, // RepetitionTime
  0x00180081, // EchoTime
  0x00180082, // InversionTime
  0x00181314, // FlipAngle
  0x00189008, // EchoPulseSequence
  0x00189087, // DiffusionBValue
  0x0020000d, // StudyInstanceUID
  0x0020000e, // SeriesInstanceUID
  0x00200011, // SeriesNumber
  0x00200012, // AcquisitionNumber
  0x00200013, // InstanceNumber
  0x00200032, // ImagePositionPatient
  0x00200037, // ImageOrientationPatient
  0x00200100, // TemporalPositionIdentifier
  0x00200105, // NumberOfTemporalPositions
  0x00201002, // ImagesInAcquisition
  0x00280002, // SamplesPerPixel
  0x00280004, // PhotometricInterpretation
  0x00280006, // PlanarConfiguration
  0x00280010, // Rows
  0x00280011, // Columns
  0x00280030, // PixelSpacing
  0x00280100, // BitsAllocated
  0x00280101, // BitsStored
  0x00280102, // HighBit
  0x00280103, // PixelRepresentation
  0x00281052, // RescaleIntercept
  0x00281053, // RescaleSlope
  0x52009229, // SharedFunctionalGroupsSequence
  0x52009230, // PerFrameFunctionalGroupsSequence
]);

/**
 * Blanks (0008,0005) values that hold several character sets, at any nesting depth: dcmjs
 * refuses ISO 2022 code extensions, and text is decoded from raw bytes by charset.ts anyway.
 */
function blankMultiCharsets(bytes: Uint8Array, from: number, scan: ScannedFile): void {
  const { explicitVr, littleEndian: le } = scan.syntax;
  // Tag (0008,0005) as it appears on the wire; Buffer.indexOf searches natively.
  const tag = Buffer.from(le ? [0x08, 0x00, 0x05, 0x00] : [0x00, 0x08, 0x00, 0x05]);
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  for (
    let i = haystack.indexOf(tag, from);
    i >= 0 && i + 8 < end;
    i = haystack.indexOf(tag, i + 1)
  ) {
    let length: number;
    if (explicitVr) {
      if (bytes[i + 4] !== 0x43 || bytes[i + 5] !== 0x53) continue; // "CS"
      length = le ? bytes[i + 6]! | (bytes[i + 7]! << 8) : (bytes[i + 6]! << 8) | bytes[i + 7]!;
    } else {
      if (bytes[i + 7] !== 0) continue;
      length = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16);
    }
    const offset = i + 8;
    if (length === 0 || length > 256 || offset + length > end) continue;
    const value = String.fromCharCode(...bytes.subarray(offset, offset + length));
    if (/^[A-Z0-9 _\\-]*$/.test(value) && value.includes("\\")) {
      bytes.fill(0x20, offset, offset + length);
    }
  }
}

/**
 * A file for dcmjs: preamble, file meta with a correct group length (0002,0000), which dcmjs
 * insists on and older writers omit or get wrong, then the HEADER_TAGS elements in file order.
 */
function compactCopy(scan: ScannedFile, file: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let metaLength = 0;
  for (const ref of scan.meta) {
    if (ref.tag === 0x00020000) continue;
    // A deflated data set was inflated by scan.ts: dcmjs reads the copy as explicit VR LE.
    const part =
      ref.tag === 0x00020010 && scan.syntax.deflated
        ? EXPLICIT_LE_TS_ELEMENT
        : file.subarray(ref.start, ref.valueOffset + ref.available);
    parts.push(part);
    metaLength += part.length;
  }
  for (const ref of scan.elements.values()) {
    if (HEADER_TAGS.has(ref.tag))
      parts.push(scan.bytes.subarray(ref.start, ref.valueOffset + ref.available));
  }
  const groupLength = Uint8Array.from([2, 0, 0, 0, 0x55, 0x4c, 4, 0, 0, 0, 0, 0]); // (0002,0000) UL
  new DataView(groupLength.buffer).setUint32(8, metaLength, true);
  const total = parts.reduce((n, p) => n + p.length, 132 + groupLength.length);
  const out = new Uint8Array(total);
  out.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  out.set(groupLength, 132);
  let at = 132 + groupLength.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  blankMultiCharsets(out, 132 + groupLength.length + metaLength, scan);
  return out;
}

/** (0002,0010) UI "1.2.840.10008.1.2.1" padded with NUL to even length (PS3.5 6.2). */
const EXPLICIT_LE_TS_ELEMENT = Uint8Array.from([
  0x02,
  0x00,
  0x10,
  0x00,
  0x55,
  0x49,
  20,
  0,
  ...Array.from("1.2.840.10008.1.2.1\0", (c) => c.charCodeAt(0)),
]);

export function parseDataset(scan: ScannedFile, file: Uint8Array): Dataset {
  const un = scan.unWithUndefinedLength;
  if (un !== null) {
    // dcmjs reads such an element as a value of 0xFFFFFFFF bytes and fails on the whole file
    // (checked on pydicom's UN_sequence.dcm), so a file with one is not read by this parser
    // even when the element is one the compact copy would leave out.
    throw new DicomParseError(
      `cannot parse the data set: element ${tagString(un)} has VR UN with undefined length ` +
        `(PS3.5 6.2.2), which the DICOM parser (dcmjs) cannot read`,
    );
  }
  const source = compactCopy(scan, file);
  let dict: Record<string, unknown>;
  try {
    dict = dcmjs.data.DicomMessage.readFile(source.buffer as ArrayBuffer, {
      noCopy: true,
      untilTag: "7FE00010",
      includeUntilTagValue: false,
    }).dict;
  } catch (err) {
    throw new DicomParseError(`cannot parse the data set: ${errorMessage(err)}`, { cause: err });
  }
  delete dict["7FE00010"];
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict);
}
