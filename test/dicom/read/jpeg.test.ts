// The sequential DCT decoder (jpeg/dct.ts) against dcmtk's libijg (an independent implementation):
// images made here, compressed by dcmcjpeg as baseline 8-bit and extended 8/12-bit, decoded by
// the reader and by dcmdjpeg. Integer vs double-precision IDCT may differ by one level.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeJpegBaseline8 } from "../../../electron/dicom/read/codecs/wasm";
import { readDicomFile } from "../../../electron/dicom/read/index";
import { decodeDctJpeg } from "../../../electron/dicom/read/jpeg/dct";
import { buildHuffmanTable, BitReader } from "../../../electron/dicom/read/jpeg/huffman";
import { scanPart10 } from "../../../electron/dicom/read/scan";
import { mrImage, u16le, type Element } from "./part10";

const work = mkdtempSync(path.join(tmpdir(), "livercad-jpeg-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ROWS = 48;
const COLS = 64;

/** A phantom with smooth ramps and a sharp-edged square: seed-free, fully determined. */
function phantom(maxValue: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS; x++) {
      const inside = x >= 20 && x < 44 && y >= 12 && y < 36;
      const ramp = ((x * 5 + y * 3) / (COLS * 5 + ROWS * 3)) * maxValue;
      out.push(Math.round(inside ? maxValue - ramp : ramp));
    }
  }
  return out;
}

function writeNative(name: string, bits: 8 | 12): { file: string; pixels: number[] } {
  const pixels = phantom(2 ** bits - 1);
  const extra: Element[] = [
    [0x00280100, "US", u16le(bits === 8 ? 8 : 16)],
    [0x00280101, "US", u16le(bits)],
    [0x00280102, "US", u16le(bits - 1)],
  ];
  const data = bits === 8 ? Uint8Array.from(pixels) : u16le(...pixels);
  const file = path.join(work, name);
  writeFileSync(file, mrImage(ROWS, COLS, data, extra));
  return { file, pixels };
}

function dcmtk(tool: string, args: string[], input: string, output: string): string {
  execFileSync(tool, [...args, input, output]);
  return output;
}

async function decoded(file: string): Promise<Int32Array> {
  const out = await readDicomFile(file);
  if (out.kind !== "instance") throw new Error(`${file}: ${out.reason}`);
  return (await out.instance.decodeFrame(0)) as Int32Array;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("sequential DCT JPEG against dcmtk", () => {
  const cases: Array<[string, 8 | 12, string[]]> = [
    ["extended 12-bit, optimized Huffman tables", 12, ["+ee"]],
    ["extended 12-bit, quality 60", 12, ["+ee", "+q", "60"]],
    ["extended 8-bit, standard Huffman tables", 8, ["+ee", "-ho"]],
    ["baseline 8-bit", 8, ["+eb"]],
  ];
  for (const [name, bits, args] of cases) {
    it(name, async () => {
      const tag = name.replace(/\W+/g, "-");
      const { file, pixels } = writeNative(`${tag}.dcm`, bits);
      const jpeg = dcmtk("dcmcjpeg", args, file, path.join(work, `${tag}.jpg.dcm`));
      const reference = await decoded(dcmtk("dcmdjpeg", [], jpeg, path.join(work, `${tag}.d.dcm`)));
      const ours = await decoded(jpeg);
      expect(maxDiff(ours, reference)).toBeLessThanOrEqual(1);
      // Lossy but close to the phantom (its sharp square edges cost the most).
      expect(maxDiff(ours, pixels)).toBeLessThan(2 ** bits / 4);
      // The DCT decoder itself on the 8-bit baseline frame, against libjpeg-turbo.
      if (args.includes("+eb")) {
        const scan = scanPart10(new Uint8Array(readFileSync(jpeg)));
        const frag = scan.fragments![1]!;
        const stream = scan.bytes.subarray(frag.offset, frag.offset + frag.length);
        const mine = decodeDctJpeg(stream);
        const turbo = await decodeJpegBaseline8(stream);
        expect(mine.precision).toBe(8);
        expect(maxDiff(mine.planes[0]!, turbo.bytes)).toBeLessThanOrEqual(1);
      }
    });
  }
});

describe("Huffman decoding (T.81 Annex C, F.2.2.3)", () => {
  it("decodes the canonical codes of the T.81 K.3 luminance DC table", () => {
    // Table K.3: 0 codes of length 1, 1 of 2 ("00" -> 0), 5 of 3 ("010".."110" -> 1..5), ...
    const counts = Uint8Array.from([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    const table = buildHuffmanTable(
      counts,
      Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    );
    // "00" "010" "110" "1110" "111111110" then padding ones: symbols 0, 1, 5, 6, 11.
    const bits = "00" + "010" + "110" + "1110" + "111111110";
    const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, "1");
    const data = Uint8Array.from(padded.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
    const reader = new BitReader(data, 0);
    expect([0, 1, 2, 3, 4].map(() => reader.decode(table))).toEqual([0, 1, 5, 6, 11]);
  });

  it("removes stuffed zero bytes after 0xFF", () => {
    const reader = new BitReader(Uint8Array.from([0xff, 0x00, 0x80]), 0);
    expect(reader.read(8)).toBe(0xff);
    expect(reader.read(1)).toBe(1);
  });
});
