// The reader's own pixel code on synthetic input: PackBits and RLE frames (PS3.5 Annex G), word
// reading and byte swapping, stored-value masking, fragment-to-frame splitting (PS3.5 A.4).
import { describe, expect, it } from "vitest";
import { DicomParseError } from "../../../electron/contract/errors";
import { frameBytes, splitFrames } from "../../../electron/dicom/read/fragments";
import {
  interleave,
  readWords,
  swap16,
  toStoredValues,
  type PixelFormat,
} from "../../../electron/dicom/read/native";
import { decodeRleFrame, unpackBits } from "../../../electron/dicom/read/rle";
import type { Fragment } from "../../../electron/dicom/read/scan";
import { concat, u32le } from "./part10";

const format = (over: Partial<PixelFormat> = {}): PixelFormat => ({
  rows: 2,
  columns: 3,
  samplesPerPixel: 1,
  bitsAllocated: 16,
  bitsStored: 16,
  highBit: 15,
  pixelRepresentation: 0,
  planarConfiguration: 0,
  ...over,
});

/** PackBits with literal runs only: an encoder independent of the decoder's replicate path. */
function packLiteral(bytes: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 128) {
    const run = bytes.slice(i, i + 128);
    out.push(run.length - 1, ...run);
  }
  return out.length % 2 ? [...out, 0x80] : out; // -128 is a no-op (G.3.1), used as padding here
}

function rleFrame(segments: number[][]): Uint8Array {
  const header = new Array<number>(16).fill(0);
  header[0] = segments.length;
  let offset = 64;
  segments.forEach((s, k) => {
    header[k + 1] = offset;
    offset += s.length;
  });
  return concat(u32le(...header), Uint8Array.from(segments.flat()));
}

describe("RLE (PS3.5 Annex G)", () => {
  it("unpacks literal runs, replicate runs and the -128 no-op", () => {
    const out = new Uint8Array(9);
    // literal 3 bytes, no-op, replicate 0x07 four times (-3 -> 4 copies), literal 2 bytes
    const n = unpackBits(Uint8Array.from([2, 1, 2, 3, 0x80, 0xfd, 7, 1, 9, 8]), out);
    expect(n).toBe(9);
    expect(Array.from(out)).toEqual([1, 2, 3, 7, 7, 7, 7, 9, 8]);
  });

  it("decodes a 16-bit signed frame from high- and low-byte segments", () => {
    const values = [0, 1, -1, 300, -2048, 2047];
    const words = values.map((v) => v & 0xffff);
    const frame = rleFrame([
      packLiteral(words.map((w) => w >> 8)),
      packLiteral(words.map((w) => w & 255)),
    ]);
    const f = format({ bitsStored: 12, highBit: 11, pixelRepresentation: 1 });
    expect(Array.from(decodeRleFrame(frame, f))).toEqual(values);
  });

  it("decodes 8-bit RGB from three planes into interleaved samples", () => {
    const r = [1, 2, 3, 4, 5, 6];
    const g = [10, 20, 30, 40, 50, 60];
    const b = [100, 110, 120, 130, 140, 150];
    const frame = rleFrame([packLiteral(r), packLiteral(g), packLiteral(b)]);
    const f = format({ samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8, highBit: 7 });
    expect(Array.from(decodeRleFrame(frame, f)).slice(0, 6)).toEqual([1, 10, 100, 2, 20, 110]);
  });

  it("rejects a frame whose segment count does not fit the pixel format", () => {
    const frame = rleFrame([packLiteral([1, 2, 3, 4, 5, 6])]);
    expect(() => decodeRleFrame(frame, format())).toThrow(/1 segments, expected 2/);
  });
});

describe("native words", () => {
  it("swaps 16-bit words and reads big and little endian alike", () => {
    const le = Uint8Array.from([0x34, 0x12, 0xff, 0x00]);
    expect(Array.from(swap16(le))).toEqual([0x12, 0x34, 0x00, 0xff]);
    expect(Array.from(readWords(le, 0, 2, 16, true))).toEqual([0x1234, 0xff]);
    expect(Array.from(readWords(swap16(le), 0, 2, 16, false))).toEqual([0x1234, 0xff]);
  });

  it("masks to Bits Stored below High Bit and sign-extends", () => {
    // 12 bits stored at bits 15..4 (High Bit 15): the low nibble is overlay junk.
    const raw = Int32Array.from([0xfff5, 0x0010, 0x8000]);
    const f = format({ bitsStored: 12, highBit: 15, pixelRepresentation: 1 });
    expect(Array.from(toStoredValues(raw, f))).toEqual([-1, 1, -2048]);
  });

  it("reads 1-bit packed pixels least significant bit first", () => {
    expect(Array.from(readWords(Uint8Array.from([0b10100101]), 0, 8, 1, true))).toEqual([
      1, 0, 1, 0, 0, 1, 0, 1,
    ]);
  });

  it("interleaves planar colour", () => {
    const f = format({ rows: 1, columns: 2, samplesPerPixel: 3 });
    expect(Array.from(interleave(Int32Array.from([1, 2, 3, 4, 5, 6]), f))).toEqual([
      1, 3, 5, 2, 4, 6,
    ]);
  });
});

/** Encapsulated items laid out as in a file: 8-byte item header, then the value (PS3.5 A.4). */
function encapsulate(
  table: number[],
  fragments: number[][],
): { bytes: Uint8Array; items: Fragment[] } {
  const parts: Uint8Array[] = [];
  const list: Fragment[] = [];
  let at = 0;
  for (const value of [Array.from(u32le(...table)), ...fragments]) {
    parts.push(concat(Uint8Array.from([0xfe, 0xff, 0x00, 0xe0]), u32le(value.length)));
    list.push({ offset: at + 8, length: value.length });
    parts.push(Uint8Array.from(value));
    at += 8 + value.length;
  }
  return { bytes: concat(...parts), items: list };
}

describe("fragments to frames (PS3.5 A.4)", () => {
  const soi = (fill: number, n: number): number[] => [
    0xff,
    0xd8,
    ...new Array<number>(n - 2).fill(fill),
  ];
  // Frame 1 in fragments of 6 and 4 bytes, frame 2 in one fragment of 6 bytes.
  const fragments = [soi(1, 6), [2, 2, 2, 2], soi(3, 6)];

  it("uses the Basic Offset Table when present", () => {
    // Offsets from the first fragment's item tag: frame 2 starts after 8+6 and 8+4 bytes.
    const { bytes, items } = encapsulate([0, 26], fragments);
    const frames = splitFrames(bytes, items, 2, null);
    expect(frames.map((f) => f.length)).toEqual([2, 1]);
    expect(Array.from(frameBytes(bytes, frames[0]!))).toEqual([...soi(1, 6), 2, 2, 2, 2]);
    expect(Array.from(frameBytes(bytes, frames[1]!))).toEqual(soi(3, 6));
    const wrong = encapsulate([0, 20], fragments);
    expect(() => splitFrames(wrong.bytes, wrong.items, 2, null)).toThrow(
      /basic offset table entry 1 \(20\) does not point at a fragment/,
    );
  });

  it("uses the Extended Offset Table over an empty Basic Offset Table", () => {
    const { bytes, items } = encapsulate([], fragments);
    expect(splitFrames(bytes, items, 2, [0, 26]).map((f) => f.length)).toEqual([2, 1]);
  });

  it("finds frames by their SOI marker without an offset table", () => {
    const { bytes, items } = encapsulate([], fragments);
    const frames = splitFrames(bytes, items, 2, null);
    expect(frames.map((f) => f.length)).toEqual([2, 1]);
    expect(splitFrames(bytes, items, 1, null)).toHaveLength(1);
    const twoStarts = encapsulate([], [soi(1, 6), [2, 2], soi(1, 6)]);
    const split = splitFrames(twoStarts.bytes, twoStarts.items, 2, null);
    expect(split.map((f) => f.length)).toEqual([2, 1]);
    expect(() => splitFrames(bytes, items, 4, null)).toThrow(
      /promises 4 frames .* only 3 fragments/,
    );
  });

  it("rejects a table that disagrees with the header and pixel data without fragments", () => {
    const { bytes, items } = encapsulate([0], fragments);
    expect(() => splitFrames(bytes, items, 2, null)).toThrow(DicomParseError);
    expect(() => splitFrames(bytes, items, 2, null)).toThrow(
      /lists 1 frames but the header says 2/,
    );
    const empty = encapsulate([], []);
    expect(() => splitFrames(empty.bytes, empty.items, 1, null)).toThrow(/has no fragments/);
  });
});
