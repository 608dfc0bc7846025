// JPEG lossless, process 14 (any predictor, ITU T.81 H.1), with jpeg-lossless-decoder-js.
import { Decoder } from "jpeg-lossless-decoder-js";
import { DicomParseError, errorMessage } from "../../../contract/errors";

/** Decoded samples (interleaved for 3 components), one element per sample. */
export function decodeJpegLossless(
  data: Uint8Array,
  bytesPerSample: number,
): Uint8Array | Uint16Array {
  try {
    return new Decoder().decode(data.buffer, data.byteOffset, data.byteLength, bytesPerSample);
  } catch (err) {
    throw new DicomParseError(
      `JPEG lossless decoder could not decode the frame: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
}
