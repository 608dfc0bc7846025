// The Image Pixel module (PS3.3 C.7.6.3) of a file with Pixel Data, checked against the Pixel
// Data actually present: dcmjs returns short pixel data without complaint (FIELD-NOTES), so a cut
// file is caught here, at import, rather than when a volume is built.
import { DicomParseError } from "../../contract/errors";
import type { Dataset } from "./dcmjs-parse";
import { checkCodestream } from "./codestream";
import { frameBytes, splitFrames, type FrameFragments } from "./fragments";
import { nativeFrameBits, swap16, type PixelFormat } from "./native";
import { rawValue, TAG_PIXEL_DATA, UNDEFINED_LENGTH, type ScannedFile } from "./scan";
import { num, str } from "./values";

export interface PixelLayout extends PixelFormat {
  frames: number;
  photometricInterpretation: string;
}

export type PixelSource =
  | { kind: "native"; bytes: Uint8Array; littleEndian: boolean }
  | { kind: "encapsulated"; bytes: Uint8Array; frames: FrameFragments[] };

function required(ds: Dataset, key: string, tag: string): number {
  const v = num(ds, key);
  if (v === null) {
    throw new DicomParseError(
      `inconsistent header: Pixel Data is present but ${key} ${tag} is missing`,
    );
  }
  return v;
}

/** Number of Frames (0028,0008) from its raw IS text, so "1A" is an error and not NaN or 1. */
function frameCount(scan: ScannedFile): number {
  const raw = rawValue(scan, 0x00280008);
  if (raw === null) return 1;
  const text = String.fromCharCode(...raw)
    .replace(/[\0 ]+$/, "")
    .trim();
  if (text === "") return 1;
  if (!/^[+]?\d+$/.test(text) || Number(text) < 1) {
    throw new DicomParseError(
      `invalid Number of Frames (0028,0008) "${text}": not a positive integer`,
    );
  }
  return Number(text);
}

export function readPixelLayout(ds: Dataset, scan: ScannedFile): PixelLayout {
  const rows = required(ds, "Rows", "(0028,0010)");
  const columns = required(ds, "Columns", "(0028,0011)");
  const bitsAllocated = required(ds, "BitsAllocated", "(0028,0100)");
  const samplesPerPixel = num(ds, "SamplesPerPixel") ?? 1;
  const bitsStored = num(ds, "BitsStored") ?? bitsAllocated;
  const highBit = num(ds, "HighBit") ?? bitsStored - 1;
  const layout: PixelLayout = {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation: num(ds, "PixelRepresentation") ?? 0,
    planarConfiguration: num(ds, "PlanarConfiguration") ?? 0,
    frames: frameCount(scan),
    photometricInterpretation: str(ds, "PhotometricInterpretation").toUpperCase(),
  };
  if (rows < 1 || columns < 1) {
    throw new DicomParseError(`inconsistent header: image of ${rows} x ${columns} pixels`);
  }
  if (![1, 8, 16, 32].includes(bitsAllocated)) {
    throw new DicomParseError(`unsupported Bits Allocated ${bitsAllocated} (PS3.5 8.1.1)`);
  }
  if (
    bitsStored < 1 ||
    bitsStored > bitsAllocated ||
    highBit < bitsStored - 1 ||
    highBit >= bitsAllocated
  ) {
    throw new DicomParseError(
      `inconsistent header: Bits Stored ${bitsStored}, High Bit ${highBit}, Bits Allocated ` +
        `${bitsAllocated} (PS3.3 C.7.6.3.1)`,
    );
  }
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new DicomParseError(`inconsistent header: Samples per Pixel ${samplesPerPixel}`);
  }
  return layout;
}

/** Extended Offset Table (7FE0,0001), 64-bit offsets (PS3.3 C.7.6.3.1.8), or null. */
function extendedOffsets(scan: ScannedFile): number[] | null {
  const raw = rawValue(scan, 0x7fe00001);
  if (!raw || raw.length < 8) return null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 8 <= raw.length; i += 8) out.push(Number(view.getBigUint64(i, true)));
  return out;
}

/** Checks Pixel Data against the layout and returns where each frame's bytes are. */
export function locatePixels(layout: PixelLayout, scan: ScannedFile): PixelSource {
  const ref = scan.elements.get(TAG_PIXEL_DATA)!;
  const syntax = scan.syntax;
  if (syntax.encapsulated) {
    if (ref.length !== UNDEFINED_LENGTH || !scan.fragments) {
      throw new DicomParseError(
        `inconsistent header: transfer syntax ${syntax.uid} (${syntax.name}) is encapsulated but ` +
          `Pixel Data has a defined length of ${ref.length} bytes, i.e. native (PS3.5 A.4)`,
      );
    }
    const frames = splitFrames(scan.bytes, scan.fragments, layout.frames, extendedOffsets(scan));
    if (syntax.codec !== "none") {
      frames.forEach((f, i) => checkCodestream(syntax, i, frameBytes(scan.bytes, f)));
    }
    return { kind: "encapsulated", bytes: scan.bytes, frames };
  }
  if (ref.length === UNDEFINED_LENGTH) {
    throw new DicomParseError(
      `inconsistent header: Pixel Data is encapsulated but transfer syntax ${syntax.uid} ` +
        `(${syntax.name}) is native (PS3.5 A.4)`,
    );
  }
  const expected = Math.ceil((nativeFrameBits(layout) * layout.frames) / 8);
  if (ref.available < expected) {
    throw new DicomParseError(
      `pixel data truncated: expected ${expected} bytes, found ${ref.available}`,
    );
  }
  if (ref.available < ref.length) {
    throw new DicomParseError(
      `pixel data declares ${ref.length} bytes but the file ends after ${ref.available} ` +
        `(PS3.5 7.1.1)`,
    );
  }
  // Odd lengths are padded to even (PS3.5 7.1.1) and some writers pad further (MR_small_padded
  // carries 128 extra bytes); that is tolerated and ignored. Room for a whole frame more than
  // declared means Rows, Columns, frames or bits describe a smaller image than the one stored.
  const frameSize = Math.ceil(nativeFrameBits(layout) / 8);
  if (ref.length - expected >= Math.max(frameSize, 2)) {
    throw new DicomParseError(
      `inconsistent header: Pixel Data holds ${ref.length} bytes, but ${layout.rows} rows x ` +
        `${layout.columns} columns x ${layout.frames} frame(s) of ${layout.samplesPerPixel} x ` +
        `${layout.bitsAllocated} bits need ${expected} (PS3.3 C.7.6.3)`,
    );
  }
  let bytes = scan.bytes.subarray(ref.valueOffset, ref.valueOffset + expected);
  // In big endian files 8-bit samples stored as OW are swapped in 16-bit words (PS3.5 A.3).
  if (!syntax.littleEndian && layout.bitsAllocated === 8 && ref.vr === "OW") {
    bytes = swap16(bytes);
  }
  return { kind: "native", bytes, littleEndian: syntax.littleEndian };
}
