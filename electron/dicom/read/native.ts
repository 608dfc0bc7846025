// Native (uncompressed) pixel data to stored values (PS3.5 8.1.1): sample words of BitsAllocated,
// stored value in bits HighBit-BitsStored+1..HighBit, two's complement when PixelRepresentation=1.
// Big endian words are read as big endian here: dcmjs leaves them unswapped (FIELD-NOTES).
import { DicomParseError } from "../../contract/errors";

export interface PixelFormat {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  /** 0: samples interleaved per pixel; 1: one plane per sample (PS3.3 C.7.6.3.1.3). */
  planarConfiguration: number;
}

export function samplesPerFrame(f: PixelFormat): number {
  return f.rows * f.columns * f.samplesPerPixel;
}

/** Bytes of one native frame; 1-bit frames are packed without padding between frames. */
export function nativeFrameBits(f: PixelFormat): number {
  return samplesPerFrame(f) * f.bitsAllocated;
}

/** Masks raw sample words to BitsStored and sign-extends them, in place. */
export function toStoredValues(raw: Int32Array, f: PixelFormat): Int32Array {
  const shift = f.highBit + 1 - f.bitsStored;
  if (f.bitsStored >= 32) return raw;
  const mask = 2 ** f.bitsStored - 1;
  const sign = 2 ** (f.bitsStored - 1);
  const signed = f.pixelRepresentation === 1;
  for (let i = 0; i < raw.length; i++) {
    let v = (raw[i]! >>> shift) & mask;
    if (signed && v >= sign) v -= 2 * sign;
    raw[i] = v;
  }
  return raw;
}

/** Reorders planar samples (RRR..GGG..BBB) to interleaved (RGBRGB..). */
export function interleave(planar: Int32Array, f: PixelFormat): Int32Array {
  if (f.samplesPerPixel === 1) return planar;
  const n = f.rows * f.columns;
  const out = new Int32Array(planar.length);
  for (let s = 0; s < f.samplesPerPixel; s++) {
    for (let p = 0; p < n; p++) out[p * f.samplesPerPixel + s] = planar[s * n + p]!;
  }
  return out;
}

/** Reads sample words of `bitsAllocated` bits from `bytes` (one frame's worth). */
export function readWords(
  bytes: Uint8Array,
  bitOffset: number,
  count: number,
  bitsAllocated: number,
  littleEndian: boolean,
): Int32Array {
  const out = new Int32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const byteOffset = bitOffset / 8;
  switch (bitsAllocated) {
    case 1:
      // PS3.5 8.1.1: 1-bit pixels are packed, first pixel in the least significant bit.
      for (let i = 0; i < count; i++) {
        const bit = bitOffset + i;
        out[i] = (bytes[bit >>> 3]! >>> (bit & 7)) & 1;
      }
      return out;
    case 8:
      for (let i = 0; i < count; i++) out[i] = bytes[byteOffset + i]!;
      return out;
    case 16:
      for (let i = 0; i < count; i++) out[i] = view.getUint16(byteOffset + 2 * i, littleEndian);
      return out;
    case 32:
      for (let i = 0; i < count; i++) out[i] = view.getInt32(byteOffset + 4 * i, littleEndian);
      return out;
    default:
      throw new DicomParseError(`unsupported Bits Allocated ${bitsAllocated} (PS3.5 8.1.1)`);
  }
}

/** Frame `index` of native pixel data as stored values, samples interleaved. */
export function decodeNativeFrame(
  pixelData: Uint8Array,
  index: number,
  f: PixelFormat,
  littleEndian: boolean,
): Int32Array {
  const count = samplesPerFrame(f);
  const words = readWords(
    pixelData,
    index * nativeFrameBits(f),
    count,
    f.bitsAllocated,
    littleEndian,
  );
  const stored = toStoredValues(words, f);
  return f.planarConfiguration === 1 ? interleave(stored, f) : stored;
}

/** Swaps the bytes of each 16-bit word (explicit VR big endian OW data read as bytes). */
export function swap16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out[i] = bytes[i + 1]!;
    out[i + 1] = bytes[i]!;
  }
  return out;
}
