// Frame decoding: picks the codec for the transfer syntax and turns its output into stored values
// (masked to Bits Stored, signed per Pixel Representation), samples interleaved per pixel.
import { DicomParseError, UnsupportedTransferSyntaxError } from "../../contract/errors";
import { decodeJpegLossless } from "./codecs/jpeg-lossless";
import {
  decodeHtj2k,
  decodeJpeg2000,
  decodeJpegBaseline8,
  decodeJpegLs,
  type DecodedImage,
} from "./codecs/wasm";
import { frameBytes } from "./fragments";
import { decodeDctJpeg } from "./jpeg/dct";
import { decodeNativeFrame, readWords, toStoredValues, type PixelFormat } from "./native";
import type { PixelLayout, PixelSource } from "./pixel-layout";
import { decodeRleFrame } from "./rle";
import type { TransferSyntax } from "./transfer-syntax";

export function unsupportedSyntax(syntax: TransferSyntax): UnsupportedTransferSyntaxError {
  return new UnsupportedTransferSyntaxError(
    `no decoder for transfer syntax ${syntax.uid} (${syntax.name})`,
  );
}

function checkSize(
  what: string,
  got: { width: number; height: number; components: number },
  f: PixelFormat,
): void {
  if (got.width !== f.columns || got.height !== f.rows || got.components !== f.samplesPerPixel) {
    throw new DicomParseError(
      `${what} frame is ${got.width}x${got.height}x${got.components}, the header says ` +
        `${f.columns}x${f.rows}x${f.samplesPerPixel}`,
    );
  }
}

function fromCodec(what: string, img: DecodedImage, f: PixelFormat): Int32Array {
  checkSize(what, img, f);
  const bits = img.bitsPerSample <= 8 ? 8 : 16;
  const count = f.rows * f.columns * f.samplesPerPixel;
  const words = readWords(img.bytes, 0, count, bits, true);
  // Codec output is stored values in the low bits already; mask and sign-extend from Bits Stored.
  return toStoredValues(words, { ...f, highBit: f.bitsStored - 1 });
}

function fromSamples(samples: ArrayLike<number>, f: PixelFormat): Int32Array {
  const out = Int32Array.from(samples);
  return toStoredValues(out, { ...f, highBit: f.bitsStored - 1 });
}

export async function decodeFrame(
  source: PixelSource,
  index: number,
  layout: PixelLayout,
  syntax: TransferSyntax,
): Promise<Int32Array> {
  if (!Number.isInteger(index) || index < 0 || index >= layout.frames) {
    throw new RangeError(`frame ${index} out of range 0..${layout.frames - 1}`);
  }
  if (source.kind === "native") {
    return decodeNativeFrame(source.bytes, index, layout, source.littleEndian);
  }
  const data = frameBytes(source.bytes, source.frames[index]!);
  switch (syntax.codec) {
    case "rle":
      return decodeRleFrame(data, layout);
    case "jpeg-ls":
      return fromCodec("JPEG-LS", await decodeJpegLs(data), layout);
    case "jpeg-2000":
      return fromCodec("JPEG 2000", await decodeJpeg2000(data), layout);
    case "htj2k":
      return fromCodec("HTJ2K", await decodeHtj2k(data), layout);
    case "jpeg-lossless": {
      const samples = decodeJpegLossless(data, layout.bitsAllocated <= 8 ? 1 : 2);
      if (samples.length !== layout.rows * layout.columns * layout.samplesPerPixel) {
        throw new DicomParseError(
          `JPEG lossless frame has ${samples.length} samples, the header says ` +
            `${layout.rows}x${layout.columns}x${layout.samplesPerPixel}`,
        );
      }
      return fromSamples(samples, layout);
    }
    case "jpeg-baseline":
    case "jpeg-extended":
      return decodeDct(data, layout);
    case "native":
    case "none":
      throw unsupportedSyntax(syntax);
  }
}

/**
 * Baseline and extended DCT JPEG. 8-bit frames go to libjpeg-turbo when they are baseline
 * single-component images; everything else (12-bit, extended 8-bit, colour with subsampling)
 * goes to the decoder in jpeg/dct.ts, which returns planes that are interleaved here.
 */
async function decodeDct(data: Uint8Array, f: PixelFormat): Promise<Int32Array> {
  const sof = findSof(data);
  if (sof === 0xc0 && f.bitsAllocated === 8) {
    return fromCodec("JPEG baseline", await decodeJpegBaseline8(data), f);
  }
  const img = decodeDctJpeg(data);
  checkSize("JPEG", { width: img.width, height: img.height, components: img.planes.length }, f);
  const n = img.width * img.height;
  const spp = img.planes.length;
  const out = new Int32Array(n * spp);
  for (let s = 0; s < spp; s++) {
    const plane = img.planes[s]!;
    for (let p = 0; p < n; p++) out[p * spp + s] = plane[p]!;
  }
  return toStoredValues(out, { ...f, highBit: f.bitsStored - 1 });
}

/** The SOFn marker of a JPEG stream, or 0 when none is found. */
function findSof(data: Uint8Array): number {
  let pos = 2;
  while (pos + 4 <= data.length) {
    if (data[pos] !== 0xff) return 0;
    const m = data[pos + 1]!;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return m;
    pos += 2 + ((data[pos + 2]! << 8) | data[pos + 3]!);
  }
  return 0;
}
