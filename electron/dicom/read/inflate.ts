// Bounded inflation of a Deflated Explicit VR Little Endian data set (PS3.5 A.5). zlib would
// inflate a 1.6 MB bomb to gigabytes before the reader saw a byte of it (issue 12), so the output
// is capped: the first few kilobytes are inflated to find the declared image size in the pixel
// module (PS3.3 C.7.6.3), and the whole data set may then inflate to that size plus a header
// margin, never more than a hard limit; a data set that declares no image at all (the header
// passes group 0028 without one) gets the header margin alone. Past the cap the file is rejected
// with a reason.
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

const LONG_VRS = /^(OB|OD|OF|OL|OV|OW|SQ|SV|UC|UN|UR|UT|UV)$/;
const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;

interface Header {
  tag: number;
  vr: string;
  length: number;
  /** Offset of the value. */
  value: number;
}

/** The explicit VR LE element header at `pos` (PS3.5 7.1.2), or null past the end. */
function headerAt(bytes: Uint8Array, view: DataView, pos: number): Header | null {
  if (pos + 8 > bytes.length) return null;
  const tag = ((view.getUint16(pos, true) << 16) | view.getUint16(pos + 2, true)) >>> 0;
  if (tag >>> 16 === 0xfffe)
    return { tag, vr: "", length: view.getUint32(pos + 4, true), value: pos + 8 };
  const vr = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!);
  if (LONG_VRS.test(vr)) {
    if (pos + 12 > bytes.length) return null;
    return { tag, vr, length: view.getUint32(pos + 8, true), value: pos + 12 };
  }
  return { tag, vr, length: view.getUint16(pos + 6, true), value: pos + 8 };
}

/**
 * The offset after an undefined-length sequence whose value starts at `pos` (its items and
 * delimiters, PS3.5 7.5.2), or -1 when the bytes end first or hold something the probe does not
 * follow (an undefined-length UN, whose content is implicit VR; nesting past 32).
 */
function skipSequence(bytes: Uint8Array, view: DataView, pos: number, depth: number): number {
  if (depth > 32) return -1;
  for (;;) {
    const item = headerAt(bytes, view, pos);
    if (item === null) return -1;
    if (item.tag === SEQUENCE_END) return item.value;
    if (item.tag !== ITEM) return -1;
    if (item.length !== UNDEFINED) {
      pos = item.value + item.length;
      continue;
    }
    pos = item.value;
    for (;;) {
      const h = headerAt(bytes, view, pos);
      if (h === null) return -1;
      if (h.tag === ITEM_END) {
        pos = h.value;
        break;
      }
      if (h.length !== UNDEFINED) pos = h.value + h.length;
      else if (h.vr === "SQ") pos = skipSequence(bytes, view, h.value, depth + 1);
      else return -1;
      if (pos < 0) return -1;
    }
  }
}

/**
 * What the first inflated bytes say about the image: its declared size; that there is none (the
 * top level passed group 0028 without Rows, Columns and Bits Allocated: elements are in
 * ascending tag order, PS3.5 7.1); or unknown (the bytes ended first, or held what the walk does
 * not follow).
 */
export type HeaderProbe =
  { kind: "image"; image: DeclaredImage } | { kind: "no-image"; tag: number } | { kind: "unknown" };

export function probeHeader(bytes: Uint8Array): HeaderProbe {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: Partial<DeclaredImage> = {};
  let pos = 0;
  let passed: number | null = null;
  for (;;) {
    const h = headerAt(bytes, view, pos);
    if (h === null || h.tag >>> 16 === 0xfffe) break;
    if (h.tag >>> 16 > 0x0028) {
      passed = h.tag;
      break;
    }
    if (h.length === UNDEFINED) {
      // A sequence of undefined length (a referenced study step, say) is stepped over.
      pos = h.vr === "SQ" ? skipSequence(bytes, view, h.value, 1) : -1;
      if (pos < 0) break;
      continue;
    }
    if (h.value + h.length > bytes.length) break;
    const { value, length } = h;
    if (h.tag >>> 16 === 0x0028 && h.vr === "US" && length >= 2) {
      const v = view.getUint16(value, true);
      const element = h.tag & 0xffff;
      if (element === 0x0010) found.rows = v;
      else if (element === 0x0011) found.columns = v;
      else if (element === 0x0100) found.bitsAllocated = v;
      else if (element === 0x0002) found.samplesPerPixel = v;
    } else if (h.tag === 0x00280008) {
      const text = String.fromCharCode(...bytes.subarray(value, value + Math.min(length, 16)));
      const n = Number(text.replace(/[\0 ]/g, ""));
      if (Number.isInteger(n) && n > 0) found.frames = n;
    }
    pos = value + length;
  }
  const { rows, columns, bitsAllocated } = found;
  if (rows !== undefined && columns !== undefined && bitsAllocated !== undefined) {
    return {
      kind: "image",
      image: {
        rows,
        columns,
        bitsAllocated,
        samplesPerPixel: found.samplesPerPixel ?? 1,
        frames: found.frames ?? 1,
      },
    };
  }
  const none = rows === undefined && columns === undefined && bitsAllocated === undefined;
  return passed !== null && none ? { kind: "no-image", tag: passed } : { kind: "unknown" };
}

/** The declared image size, or null when the first inflated bytes do not give it. */
export function declaredImage(bytes: Uint8Array): DeclaredImage | null {
  const p = probeHeader(bytes);
  return p.kind === "image" ? p.image : null;
}

function probe(compressed: Uint8Array): HeaderProbe {
  for (const size of PROBE_INPUT) {
    let head: Uint8Array;
    try {
      head = inflateRawSync(compressed.subarray(0, size), {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: PROBE_OUTPUT,
      });
    } catch {
      return { kind: "unknown" };
    }
    const p = probeHeader(head);
    // A decided first probe spares the larger one (up to 64 MiB of a bomb inflated for nothing).
    if (p.kind !== "unknown" || size >= compressed.length) return p;
  }
  return { kind: "unknown" };
}

function tagText(tag: number): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, "0");
  return `(${hex(tag >>> 16)},${hex(tag & 0xffff)})`;
}

/** The output limit for a deflated data set, and how it was derived (for the rejection). */
export function inflateLimit(compressed: Uint8Array): { limit: number; basis: string } {
  const p = probe(compressed);
  if (p.kind === "no-image") {
    // No pixel module: the whole data set is header (a structured report, say), held to the
    // header margin. A bomb appended to one is refused after 8 MiB instead of 64 (issue 12's
    // fuzz: 48 MiB of zeros behind a deflated SR took the slowest reads).
    return {
      limit: INFLATE_HEADER_MARGIN,
      basis:
        `no image declared (${tagText(p.tag)} follows without Rows, Columns, Bits Allocated), ` +
        `so ${INFLATE_HEADER_MARGIN / 2 ** 20} MiB for the header`,
    };
  }
  if (p.kind === "unknown") {
    return {
      limit: INFLATE_DEFAULT_LIMIT,
      basis: "the default for a data set whose pixel module was not found",
    };
  }
  const image = p.image;
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
