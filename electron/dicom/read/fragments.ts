// Encapsulated Pixel Data to frames (PS3.5 A.4): item 1 is the Basic Offset Table, the rest are
// fragments. A frame is one or more consecutive fragments. Without an offset table, frames are
// found where a fragment opens a new codestream (JPEG SOI FFD8, JPEG 2000 SOC FF4F, JP2 box).
import { DicomParseError } from "../../contract/errors";
import type { Fragment } from "./scan";

/** One frame's fragments, to be concatenated before decoding. */
export type FrameFragments = Fragment[];

function startsCodestream(bytes: Uint8Array, f: Fragment): boolean {
  if (f.length < 4) return false;
  const a = bytes[f.offset]!;
  const b = bytes[f.offset + 1]!;
  if (a === 0xff && (b === 0xd8 || b === 0x4f)) return true;
  // JP2 file format: a 12-byte signature box "jP  " (ISO/IEC 15444-1 Annex I).
  return bytes[f.offset + 4] === 0x6a && bytes[f.offset + 5] === 0x50;
}

function readUint32s(bytes: Uint8Array, f: Fragment, littleEndian: boolean): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset + f.offset, f.length);
  const out: number[] = [];
  for (let i = 0; i + 4 <= f.length; i += 4) out.push(view.getUint32(i, littleEndian));
  return out;
}

/** Groups fragments by byte offsets relative to the first fragment's item tag. */
function byOffsets(fragments: Fragment[], offsets: number[], what: string): FrameFragments[] {
  const base = fragments[0]!.offset - 8;
  const starts = fragments.map((f) => f.offset - 8 - base);
  const firsts = offsets.map((o, i) => {
    const at = starts.indexOf(o);
    if (at < 0) {
      throw new DicomParseError(
        `${what} entry ${i} (${o}) does not point at a fragment (PS3.5 A.4)`,
      );
    }
    return at;
  });
  const frames: FrameFragments[] = [];
  for (let i = 0; i < firsts.length; i++) {
    const begin = firsts[i]!;
    const next = firsts[i + 1] ?? fragments.length;
    if (next <= begin) throw new DicomParseError(`${what} offsets are not increasing (PS3.5 A.4)`);
    frames.push(fragments.slice(begin, next));
  }
  return frames;
}

/**
 * Splits `items` (offset table first) into `frameCount` frames. `extendedOffsets` is the
 * Extended Offset Table (7FE0,0001) when present. Throws when the fragments cannot hold the
 * frames the header promises.
 */
export function splitFrames(
  bytes: Uint8Array,
  items: Fragment[],
  frameCount: number,
  extendedOffsets: number[] | null,
): FrameFragments[] {
  const table = items[0];
  const fragments = items.slice(1);
  if (!table || fragments.length === 0) {
    throw new DicomParseError("encapsulated pixel data has no fragments (PS3.5 A.4)");
  }
  if (fragments.length < frameCount) {
    throw new DicomParseError(
      `pixel data truncated: the header promises ${frameCount} frames but the encapsulated ` +
        `pixel data has only ${fragments.length} fragments`,
    );
  }
  if (extendedOffsets && extendedOffsets.length > 0) {
    if (extendedOffsets.length !== frameCount) {
      throw new DicomParseError(
        `extended offset table has ${extendedOffsets.length} entries for ${frameCount} frames`,
      );
    }
    return byOffsets(fragments, extendedOffsets, "extended offset table");
  }
  if (table.length > 0) {
    const offsets = readUint32s(bytes, table, true);
    if (offsets.length !== frameCount) {
      throw new DicomParseError(
        `basic offset table lists ${offsets.length} frames but the header says ${frameCount} ` +
          `(PS3.5 A.4)`,
      );
    }
    return byOffsets(fragments, offsets, "basic offset table");
  }
  if (frameCount === 1) return [fragments];
  if (fragments.length === frameCount) return fragments.map((f) => [f]);
  const frames: FrameFragments[] = [];
  for (const f of fragments) {
    if (frames.length === 0 || startsCodestream(bytes, f)) frames.push([f]);
    else frames[frames.length - 1]!.push(f);
  }
  if (frames.length !== frameCount) {
    throw new DicomParseError(
      `encapsulated pixel data without offset table: found ${frames.length} codestreams in ` +
        `${fragments.length} fragments, the header says ${frameCount} frames (PS3.5 A.4)`,
    );
  }
  return frames;
}

/** The bytes of one frame: a view when it is one fragment, else the fragments joined. */
export function frameBytes(bytes: Uint8Array, frame: FrameFragments): Uint8Array {
  if (frame.length === 1)
    return bytes.subarray(frame[0]!.offset, frame[0]!.offset + frame[0]!.length);
  const total = frame.reduce((n, f) => n + f.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of frame) {
    out.set(bytes.subarray(f.offset, f.offset + f.length), at);
    at += f.length;
  }
  return out;
}
