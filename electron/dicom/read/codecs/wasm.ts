// Adapters for the WASM codecs from npm (cornerstonejs builds of CharLS, OpenJPEG, OpenJPH and
// libjpeg-turbo; FIELD-NOTES: each decoded NEMA MR1-MR4 exactly). Each module is instantiated
// once, on first use, and a decoder object per frame is deleted after copying its output out.
import charlsFactory from "@cornerstonejs/codec-charls/decodewasmjs";
import openjpegFactory from "@cornerstonejs/codec-openjpeg/decodewasmjs";
import openjphFactory from "@cornerstonejs/codec-openjph/wasmjs";
import libjpegFactory from "@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs";
import { DicomParseError, errorMessage } from "../../../contract/errors";

export interface DecodedImage {
  width: number;
  height: number;
  bitsPerSample: number;
  components: number;
  /** Samples interleaved per pixel; 16-bit samples as little-endian byte pairs. */
  bytes: Uint8Array;
}

type Factory = typeof charlsFactory;
const modules = new Map<string, ReturnType<Factory>>();

function load(name: string, factory: Factory): ReturnType<Factory> {
  let m = modules.get(name);
  if (!m) {
    // OpenJPEG prints "[INFO] ..." lines for every frame; the reader reports its own errors.
    m = factory({ print: () => undefined, printErr: () => undefined });
    modules.set(name, m);
  }
  return m;
}

async function run(
  codec: string,
  factory: Factory,
  decoderClass: string,
  data: Uint8Array,
): Promise<DecodedImage> {
  const module = await load(codec, factory);
  const Decoder = module[decoderClass]!;
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    return {
      width: info.width,
      height: info.height,
      bitsPerSample: info.bitsPerSample,
      components: info.componentCount,
      bytes: decoder.getDecodedBuffer().slice(),
    };
  } catch (err) {
    // Emscripten throws numbers (pointers) as well as Errors.
    throw new DicomParseError(`${codec} could not decode the frame: ${errorMessage(err)}`, {
      cause: err,
    });
  } finally {
    decoder.delete();
  }
}

export function decodeJpegLs(data: Uint8Array): Promise<DecodedImage> {
  return run("CharLS (JPEG-LS)", charlsFactory, "JpegLSDecoder", data);
}

export function decodeJpeg2000(data: Uint8Array): Promise<DecodedImage> {
  return run("OpenJPEG (JPEG 2000)", openjpegFactory, "J2KDecoder", data);
}

export function decodeHtj2k(data: Uint8Array): Promise<DecodedImage> {
  return run("OpenJPH (HTJ2K)", openjphFactory, "HTJ2KDecoder", data);
}

export function decodeJpegBaseline8(data: Uint8Array): Promise<DecodedImage> {
  return run("libjpeg-turbo (JPEG baseline)", libjpegFactory, "JPEGDecoder", data);
}
