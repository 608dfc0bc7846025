// Writing a de-identified data set back in a form true to its source, per transfer syntax
// (issue 15 §3). The header is always de-identified the same way (deidentify.ts); what differs is
// how the pixel data travels:
// - Implicit / Explicit VR Little Endian: rewritten in the same syntax (dcmjs writes both faithfully).
// - Deflated Explicit VR Little Endian (PS3.5 A.5): dcmjs inflates on reading but does not deflate
//   on writing (FIELD-NOTES), so the file is written Explicit VR Little Endian. Deflate wraps the
//   Explicit VR LE data set losslessly, so nothing is lost and the pixels are byte-identical.
// - Explicit VR Big Endian (retired, PS3.5 A.3): dcmjs converts numeric values but leaves OW/OF/
//   OL/OD/OV bytes in big-endian order and cannot write big endian; the words are swapped here and
//   the file is written Explicit VR Little Endian (same values, a syntax every receiver accepts).
// - Encapsulated syntaxes (RLE, JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000, HTJ2K;
//   PS3.5 A.4): the data set is Explicit VR LE in all of them; the header is written again, and
//   the Pixel Data element (Basic Offset Table, every fragment, the delimiter) is copied byte for
//   byte from the source file. Nothing is decoded or re-encoded: a lossy image is not degraded a
//   second time and a lossless one stays identical. (dcmjs's own writer re-fragments encapsulated
//   pixel data and invents an offset table per fragment, so it is not used for that element.)
// Elements after Pixel Data (Data Set Trailing Padding, Digital Signatures) are dropped: padding
// identifies nothing and a signature no longer matches a changed data set (PS3.15 C.12).
import { DicomParseError } from "../../../contract/errors";
import { LONG_VRS } from "../../../dicom/read/scan";
import { lookupTransferSyntax } from "../../../dicom/read/transfer-syntax";
import { EXPLICIT_VR_LITTLE_ENDIAN } from "../dcm";
import { encodePart10 } from "../encode";
import type { RawDataSet, RawElement } from "./deidentify";

const IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";

/** How one source syntax is written out (see the header). */
export type SyntaxPlan =
  | { kind: "same"; outputSyntax: string }
  | { kind: "inflate"; outputSyntax: string }
  | { kind: "swap"; outputSyntax: string }
  | { kind: "encapsulated"; outputSyntax: string };

/** The plan for `uid`, or why the file cannot be de-identified here. */
export function planFor(uid: string): SyntaxPlan | { kind: "refused"; reason: string } {
  if (uid === IMPLICIT_VR_LITTLE_ENDIAN || uid === EXPLICIT_VR_LITTLE_ENDIAN) {
    return { kind: "same", outputSyntax: uid };
  }
  const ts = lookupTransferSyntax(uid);
  if (!ts) return { kind: "refused", reason: `unknown transfer syntax ${uid || "(none)"}` };
  if (ts.deflated) return { kind: "inflate", outputSyntax: EXPLICIT_VR_LITTLE_ENDIAN };
  if (!ts.littleEndian) return { kind: "swap", outputSyntax: EXPLICIT_VR_LITTLE_ENDIAN };
  if (ts.encapsulated && ts.codec !== "none") return { kind: "encapsulated", outputSyntax: uid };
  return {
    kind: "refused",
    reason: `transfer syntax ${uid} (${ts.name}) is not one this workstation reads`,
  };
}

const SWAP_WIDTH: Record<string, number> = { OW: 2, OF: 4, OL: 4, OD: 8, OV: 8 };

function swapped(buf: ArrayBuffer, width: number): ArrayBuffer {
  const src = new Uint8Array(buf);
  const out = new Uint8Array(src.length);
  const whole = src.length - (src.length % width);
  for (let i = 0; i < whole; i += width) {
    for (let k = 0; k < width; k++) out[i + k] = src[i + width - 1 - k]!;
  }
  out.set(src.subarray(whole), whole);
  return out.buffer;
}

/**
 * Big endian -> little endian for the values dcmjs leaves as raw bytes (OW/OF/OL/OD/OV, PS3.5
 * 7.3: their byte order follows the transfer syntax), recursively through sequences.
 */
export function swapWords(ds: RawDataSet): RawDataSet {
  const out: RawDataSet = {};
  for (const [tag, el] of Object.entries(ds)) {
    if (el.vr === "SQ") {
      out[tag] = { vr: "SQ", Value: (el.Value ?? []).map((i) => swapWords(i as RawDataSet)) };
      continue;
    }
    const width = SWAP_WIDTH[el.vr];
    out[tag] = width
      ? ({
          ...el,
          Value: (el.Value ?? []).map((v) => (v instanceof ArrayBuffer ? swapped(v, width) : v)),
        } as RawElement)
      : el;
  }
  return out;
}

const UNDEFINED = 0xffffffff;

/**
 * Byte range of the top-level Pixel Data element (7FE0,0010) of an Explicit VR Little Endian data
 * set starting at `start`: from its tag to the end of its Sequence Delimitation Item. Walks the
 * top level element by element (skipping sequences and items of defined or undefined length), so
 * an icon image's Pixel Data inside a sequence is never taken for the image's own.
 */
export function pixelDataRange(bytes: Uint8Array, start: number): { from: number; to: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  /** Skips undefined-length content (items or elements) up to the delimiter with `delim`. */
  const skipUndefined = (pos: number, delim: number): number => {
    while (pos + 8 <= end) {
      const group = dv.getUint16(pos, true);
      const element = dv.getUint16(pos + 2, true);
      if (group === 0xfffe) {
        const len = dv.getUint32(pos + 4, true);
        if (element === delim) return pos + 8;
        if (element === 0xe000) {
          pos = len === UNDEFINED ? skipUndefined(pos + 8, 0xe00d) : pos + 8 + len;
          continue;
        }
        // An item delimiter where a sequence delimiter was expected (or the reverse): move on.
        pos += 8;
        continue;
      }
      pos = skipElement(pos);
    }
    throw new DicomParseError("encapsulated data ends before its delimiter");
  };
  const skipElement = (pos: number): number => {
    const vr = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!);
    if (LONG_VRS.has(vr)) {
      const len = dv.getUint32(pos + 8, true);
      return len === UNDEFINED ? skipUndefined(pos + 12, 0xe0dd) : pos + 12 + len;
    }
    return pos + 8 + dv.getUint16(pos + 6, true);
  };
  let pos = start;
  while (pos + 8 <= end) {
    const group = dv.getUint16(pos, true);
    const element = dv.getUint16(pos + 2, true);
    if (group === 0x7fe0 && element === 0x0010) {
      const next = skipElement(pos);
      if (next > end) throw new DicomParseError("Pixel Data runs past the end of the file");
      return { from: pos, to: next };
    }
    pos = skipElement(pos);
  }
  throw new DicomParseError("no Pixel Data element at the top level");
}

/** Offset of the data set after the Part 10 preamble and file meta group (PS3.10 7.1). */
export function dataSetOffset(bytes: Uint8Array): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 144 || dv.getUint16(132, true) !== 0x0002 || dv.getUint16(134, true) !== 0) {
    throw new DicomParseError("no File Meta Information Group Length (0002,0000)");
  }
  return 144 + dv.getUint32(140, true);
}

const TAG_PIXEL_DATA = "7FE00010";

/** The de-identified data set without Pixel Data and anything after it (see the header). */
export function headerOnly(ds: RawDataSet): RawDataSet {
  return Object.fromEntries(
    Object.entries(ds).filter(([tag]) => tag.toUpperCase() < TAG_PIXEL_DATA),
  );
}

/**
 * The output file of an encapsulated source: a new meta group naming the source syntax, the
 * de-identified header (Explicit VR LE bytes from `writeHeader`), then the source's Pixel Data
 * element copied unchanged.
 */
export function encapsulatedFile(
  source: Uint8Array,
  meta: {
    sopClassUid: string;
    sopInstanceUid: string;
    transferSyntax: string;
    implementation: string;
  },
  headerFile: Uint8Array,
): Uint8Array {
  const pixel = pixelDataRange(source, dataSetOffset(source));
  const header = headerFile.subarray(dataSetOffset(headerFile));
  const metaOnly = encodePart10(
    {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: meta.sopClassUid,
      MediaStorageSOPInstanceUID: meta.sopInstanceUid,
      TransferSyntaxUID: meta.transferSyntax,
      ImplementationClassUID: meta.implementation,
      ImplementationVersionName: "LIVERCAD_DEID",
    },
    {},
  );
  const out = new Uint8Array(metaOnly.length + header.length + (pixel.to - pixel.from));
  out.set(metaOnly, 0);
  out.set(header, metaOnly.length);
  out.set(source.subarray(pixel.from, pixel.to), metaOnly.length + header.length);
  return out;
}
