// Header parsing with dcmjs: the attributes that become DicomInstance, naturalized. Pixel Data is
// not read here (scan.ts located it), which keeps a 256x256 MR file well under a millisecond.
import dcmjs from "dcmjs";
import { DicomParseError, errorMessage } from "../../contract/errors";
import { tagString, type ScannedFile } from "./scan";

// dcmjs logs a validation warning for every implicit-VR file and every short value (FIELD-NOTES);
// the reader reports problems itself, so its loggers stay quiet.
dcmjs.log.setLevel("silent");
dcmjs.log.getLogger("validation.dcmjs").setLevel("silent");

export type Dataset = Record<string, unknown>;

/** Offsets of (0008,0005) values holding several character sets, at any nesting depth. */
function multiCharsetValues(scan: ScannedFile, end: number): Array<[number, number]> {
  const { bytes, syntax } = scan;
  const le = syntax.littleEndian;
  const found: Array<[number, number]> = [];
  // Tag (0008,0005) as it appears on the wire; Buffer.indexOf searches natively.
  const tag = Buffer.from(le ? [0x08, 0x00, 0x05, 0x00] : [0x00, 0x08, 0x00, 0x05]);
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, end);
  for (
    let i = haystack.indexOf(tag, scan.datasetOffset);
    i >= 0;
    i = haystack.indexOf(tag, i + 1)
  ) {
    if (i + 8 >= end) break;
    let offset: number;
    let length: number;
    if (syntax.explicitVr) {
      if (bytes[i + 4] !== 0x43 || bytes[i + 5] !== 0x53) continue; // "CS"
      length = le ? bytes[i + 6]! | (bytes[i + 7]! << 8) : (bytes[i + 6]! << 8) | bytes[i + 7]!;
      offset = i + 8;
    } else {
      length = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16);
      if (bytes[i + 7] !== 0) continue;
      offset = i + 8;
    }
    if (length === 0 || length > 256 || offset + length > end) continue;
    const value = String.fromCharCode(...bytes.subarray(offset, offset + length));
    if (/^[A-Z0-9 _\\-]*$/.test(value) && value.includes("\\")) found.push([offset, length]);
  }
  return found;
}

/**
 * Parses the data set with dcmjs up to Pixel Data and naturalizes it. dcmjs refuses several
 * character sets in (0008,0005) (ISO 2022 code extensions); text is decoded from the raw bytes by
 * charset.ts instead, so those values are blanked in a private copy before dcmjs sees them.
 */
export function parseDataset(scan: ScannedFile, file: Uint8Array): Dataset {
  const pixel = scan.elements.get(0x7fe00010);
  const headerEnd = pixel ? pixel.valueOffset : scan.bytes.length;
  let source = file;
  if (!scan.syntax.deflated) {
    const blanks = multiCharsetValues(scan, headerEnd);
    if (blanks.length > 0) {
      source = file.slice();
      for (const [offset, length] of blanks) source.fill(0x20, offset, offset + length);
    }
  }
  const buffer =
    source.byteOffset === 0 && source.byteLength === source.buffer.byteLength
      ? (source.buffer as ArrayBuffer)
      : (source.slice().buffer as ArrayBuffer);
  let dict: Record<string, unknown>;
  try {
    dict = dcmjs.data.DicomMessage.readFile(buffer, {
      noCopy: true,
      untilTag: "7FE00010",
      includeUntilTagValue: false,
    }).dict;
  } catch (err) {
    const un = scan.unWithUndefinedLength;
    const detail =
      un === null
        ? errorMessage(err)
        : `element ${tagString(un)} has VR UN with undefined length (PS3.5 6.2.2), ` +
          `which the DICOM parser (dcmjs) cannot read`;
    throw new DicomParseError(`cannot parse the data set: ${detail}`, { cause: err });
  }
  delete dict["7FE00010"];
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict);
}
