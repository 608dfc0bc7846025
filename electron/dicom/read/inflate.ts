// Bounded inflation of a Deflated Explicit VR Little Endian data set (PS3.5 A.5). zlib would
// inflate a 1.6 MB bomb to gigabytes before the reader saw a byte of it (issue 12), so the output
// is capped: the first few kilobytes are inflated to find the declared image size in the pixel
// module (PS3.3 C.7.6.3), and the whole data set may then inflate to that size plus a header
// margin, never more than a hard limit. Past the cap the file is rejected with a reason.
import { constants, inflateRawSync } from "node:zlib";
import { DicomParseError } from "../../contract/errors";
import {
  INFLATE_DEFAULT_LIMIT,
  INFLATE_HARD_LIMIT,
  INFLATE_HEADER_MARGIN,
  LimitExceededError,
} from "./limits";

/** Compressed prefixes tried to find the pixel module: a deflated header is 1-20 KB. */
const PROBE_INPUT = [4096, 65536];
/** Output cap of a probe: a 64 KB prefix cannot expand past ~64 MB (deflate's 1032:1 bound). */
const PROBE_OUTPUT = 72 * 2 ** 20;

interface DeclaredImage {
  rows: number;
  columns: number;
  bitsAllocated: number;
  samplesPerPixel: number;
  frames: number;
}

/**
 * Reads the pixel module's sizes from the top level of a partially inflated explicit VR LE data
 * set; null when the bytes end before Rows, Columns and Bits Allocated are all seen.
 */
export function declaredImage(bytes: Uint8Array): DeclaredImage | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: Partial<DeclaredImage> = {};
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    const group = view.getUint16(pos, true);
    const element = view.getUint16(pos + 2, true);
    if (group > 0x0028) break;
    const vr = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!);
    let length: number;
    let value: number;
    if (/^(OB|OD|OF|OL|OV|OW|SQ|SV|UC|UN|UR|UT|UV)$/.test(vr)) {
      if (pos + 12 > bytes.length) break;
      length = view.getUint32(pos + 8, true);
      value = pos + 12;
    } else {
      length = view.getUint16(pos + 6, true);
      value = pos + 8;
    }
    // Sequences of undefined length are not skipped here: the probe gives up and the default
    // limit applies (the pixel module is rarely preceded by one in an MR header).
    if (length === 0xffffffff || value + length > bytes.length) break;
    if (group === 0x0028 && vr === "US" && length >= 2) {
      const v = view.getUint16(value, true);
      if (element === 0x0010) found.rows = v;
      else if (element === 0x0011) found.columns = v;
      else if (element === 0x0100) found.bitsAllocated = v;
      else if (element === 0x0002) found.samplesPerPixel = v;
    } else if (group === 0x0028 && element === 0x0008) {
      const text = String.fromCharCode(...bytes.subarray(value, value + Math.min(length, 16)));
      const n = Number(text.replace(/[\0 ]/g, ""));
      if (Number.isInteger(n) && n > 0) found.frames = n;
    }
    pos = value + length;
  }
  if (found.rows === undefined || found.columns === undefined) return null;
  if (found.bitsAllocated === undefined) return null;
  return {
    rows: found.rows,
    columns: found.columns,
    bitsAllocated: found.bitsAllocated,
    samplesPerPixel: found.samplesPerPixel ?? 1,
    frames: found.frames ?? 1,
  };
}

function probe(compressed: Uint8Array): DeclaredImage | null {
  for (const size of PROBE_INPUT) {
    let head: Uint8Array;
    try {
      head = inflateRawSync(compressed.subarray(0, size), {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: PROBE_OUTPUT,
      });
    } catch {
      return null;
    }
    const image = declaredImage(head);
    if (image || size >= compressed.length) return image;
  }
  return null;
}

/** The output limit for a deflated data set, and how it was derived (for the rejection). */
export function inflateLimit(compressed: Uint8Array): { limit: number; basis: string } {
  const image = probe(compressed);
  if (!image) {
    return {
      limit: INFLATE_DEFAULT_LIMIT,
      basis: "the default for a data set whose pixel module was not found",
    };
  }
  const pixels =
    (image.rows * image.columns * image.frames * image.samplesPerPixel * image.bitsAllocated) / 8;
  const limit = Math.min(INFLATE_HARD_LIMIT, Math.ceil(pixels) + INFLATE_HEADER_MARGIN);
  return {
    limit,
    basis:
      `${image.rows} x ${image.columns} x ${image.frames} frame(s) of ${image.bitsAllocated} ` +
      `bits declared, plus ${INFLATE_HEADER_MARGIN / 2 ** 20} MiB for the header`,
  };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** Inflates the data set after the file meta information, within the limit. */
export function inflateDataset(compressed: Uint8Array): Uint8Array {
  const { limit, basis } = inflateLimit(compressed);
  try {
    const out = inflateRawSync(compressed, { maxOutputLength: limit });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new LimitExceededError(
        `deflated data set inflates past ${mib(limit)} MiB (${mib(compressed.length)} MiB ` +
          `compressed; limit from ${basis}): refused as a decompression bomb (PS3.5 A.5)`,
      );
    }
    throw new DicomParseError("invalid deflated data set: it cannot be inflated (PS3.5 A.5)", {
      cause: err,
    });
  }
}
