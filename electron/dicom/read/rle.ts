// RLE Lossless (PS3.5 Annex G). A frame is a 64-byte header (segment count and 15 offsets, little
// endian) and up to 15 PackBits segments; segment k holds byte k of every sample, most significant
// byte first, sample planes one after another (G.2, G.3.1).
import { DicomParseError } from "../../contract/errors";
import { toStoredValues, type PixelFormat } from "./native";

/** Decodes one PackBits segment (G.3.1) into `out`; returns the number of bytes written. */
export function unpackBits(src: Uint8Array, out: Uint8Array): number {
  let i = 0;
  let o = 0;
  while (i < src.length && o < out.length) {
    const n = (src[i]! << 24) >> 24; // the header byte as a signed 8-bit count
    i += 1;
    if (n >= 0) {
      const count = Math.min(n + 1, out.length - o, src.length - i);
      out.set(src.subarray(i, i + count), o);
      i += n + 1;
      o += count;
    } else if (n > -128) {
      const count = Math.min(1 - n, out.length - o);
      out.fill(src[i] ?? 0, o, o + count);
      i += 1;
      o += count;
    }
    // n === -128 is a no-op (G.3.1).
  }
  return o;
}

export function decodeRleFrame(data: Uint8Array, f: PixelFormat): Int32Array {
  if (data.length < 64) {
    throw new DicomParseError(
      `RLE frame of ${data.length} bytes is shorter than its 64-byte header`,
    );
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = Math.ceil(f.bitsAllocated / 8);
  const expected = bytesPerSample * f.samplesPerPixel;
  if (segments !== expected) {
    throw new DicomParseError(
      `RLE frame has ${segments} segments, expected ${expected} for ${f.samplesPerPixel} ` +
        `sample(s) of ${f.bitsAllocated} bits (PS3.5 G.2)`,
    );
  }
  const pixels = f.rows * f.columns;
  const raw = new Int32Array(pixels * f.samplesPerPixel);
  const plane = new Uint8Array(pixels);
  for (let k = 0; k < segments; k++) {
    const start = view.getUint32(4 + 4 * k, true);
    const end = k + 1 < segments ? view.getUint32(8 + 4 * k, true) : data.length;
    if (start < 64 || end > data.length || end < start) {
      throw new DicomParseError(`RLE segment ${k + 1} offsets ${start}..${end} are out of range`);
    }
    plane.fill(0);
    const written = unpackBits(data.subarray(start, end), plane);
    if (written < pixels) {
      throw new DicomParseError(`RLE segment ${k + 1} decodes to ${written} of ${pixels} bytes`);
    }
    const sample = Math.floor(k / bytesPerSample);
    const shift = 8 * (bytesPerSample - 1 - (k % bytesPerSample));
    for (let p = 0; p < pixels; p++) {
      const at = p * f.samplesPerPixel + sample;
      raw[at] = raw[at]! | (plane[p]! << shift);
    }
  }
  return toStoredValues(raw, f);
}
