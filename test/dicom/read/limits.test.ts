// Hostile files are rejected with a reason before they cost unbounded time or memory (issue 12
// §1-2): sequence nesting and element counts, deflate bombs, declared lengths past the end of the
// file, an image header smaller than its pixels, codec UIDs that do not match the codestream, and
// files over 2 GiB.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { DicomParseError } from "../../../electron/contract/errors";
import { readDicomFile } from "../../../electron/dicom/read/index";
import { declaredImage } from "../../../electron/dicom/read/inflate";
import { MAX_ELEMENTS, MAX_SEQUENCE_DEPTH } from "../../../electron/dicom/read/limits";
import { concat, mrImage, u16le, u32le, type Element } from "./part10";

const SAMPLES = path.resolve(__dirname, "../../../../shared/dicom-samples");
const ramp = (n: number): Uint8Array => u16le(...Array.from({ length: n }, (_, i) => i * 7));
const dir = mkdtempSync(path.join(tmpdir(), "livercad-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(bytes: Uint8Array, name = "test.dcm"): Promise<Error> {
  return readDicomFile(name, bytes).then(
    (o) => new Error(`unexpectedly read as ${o.kind}`),
    (e: Error) => e,
  );
}

/** A private sequence nested `depth` levels deep, each level one item holding the next. */
function nestedSequence(depth: number): Element {
  let inner: Element = [0x00091001, "LO", "leaf"];
  for (let i = 0; i < depth; i++) inner = [0x00091002, "SQ", { items: [[inner]] }];
  return inner;
}

/** Explicit VR LE element bytes with a defined length. */
function element(tag: number, vr: string, value: Uint8Array): Uint8Array {
  const long = ["OB", "OW", "SQ", "UN", "UT"].includes(vr);
  const head = long
    ? concat(
        u16le(tag >>> 16, tag & 0xffff),
        Uint8Array.from([vr.charCodeAt(0), vr.charCodeAt(1), 0, 0]),
        u32le(value.length),
      )
    : concat(
        u16le(tag >>> 16, tag & 0xffff),
        Uint8Array.from([vr.charCodeAt(0), vr.charCodeAt(1)]),
        u16le(value.length),
      );
  return concat(head, value);
}

const item = (body: Uint8Array): Uint8Array =>
  concat(u16le(0xfffe, 0xe000), u32le(body.length), body);

describe("sequence nesting and element counts", () => {
  it("reads nesting up to the limit", async () => {
    const ok = await readDicomFile(
      "ok.dcm",
      mrImage(2, 2, ramp(4), [nestedSequence(MAX_SEQUENCE_DEPTH)]),
    );
    expect(ok.kind).toBe("instance");
  });

  it("rejects 2,600 nested undefined-length sequences quickly, naming the limit", async () => {
    const t0 = performance.now();
    const err = await rejection(mrImage(2, 2, ramp(4), [nestedSequence(2600)]));
    expect(err).toBeInstanceOf(DicomParseError);
    expect(err.message).toMatch(
      new RegExp(
        `^sequences nested more than ${MAX_SEQUENCE_DEPTH} deep \\(element \\(0009,1002\\) at byte \\d+\\): refused to bound reading time$`,
      ),
    );
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("rejects deep nesting in defined-length sequences and items too", async () => {
    let value = element(
      0x00091001,
      "LO",
      Uint8Array.from("leaf", (c) => c.charCodeAt(0)),
    );
    for (let i = 0; i < 100; i++) value = element(0x00091002, "SQ", item(value));
    const file = mrImage(2, 2, ramp(4));
    const withSeq = concat(file, value);
    const err = await rejection(withSeq);
    expect(err.message).toMatch(/^sequences nested more than 32 deep/);
  });

  it("rejects an item whose element runs past the item's declared end", async () => {
    const body = element(
      0x00091001,
      "LO",
      Uint8Array.from("abcd", (c) => c.charCodeAt(0)),
    );
    const short = concat(
      u16le(0xfffe, 0xe000),
      u32le(body.length - 2),
      body.subarray(0, body.length - 2),
    );
    const seq = concat(
      u16le(0x0009, 0x1002),
      Uint8Array.from([0x53, 0x51, 0, 0]),
      u32le(short.length),
      short,
    );
    const err = await rejection(concat(mrImage(2, 2, ramp(4)), seq));
    expect(err.message).toMatch(
      /^invalid sequence item: element \(0009,1001\) at byte \d+ declares 4 bytes, past the end of its item at byte \d+ \(PS3\.5 7\.5\.1\)$/,
    );
  });

  it("rejects more than MAX_ELEMENTS elements", async () => {
    const one = element(
      0x00091001,
      "LO",
      Uint8Array.from("ab", (c) => c.charCodeAt(0)),
    );
    const many = new Uint8Array(one.length * (MAX_ELEMENTS + 1));
    for (let i = 0; i <= MAX_ELEMENTS; i++) many.set(one, i * one.length);
    const file = mrImage(2, 2, ramp(4));
    // Private elements after the pixels keep the file valid in every other respect.
    const err = await rejection(concat(file, many));
    expect(err.message).toMatch(
      /^more than 500,000 data elements \(at byte \d+\): refused to bound reading time$/,
    );
  });
});

/** Re-encodes an explicit VR LE file built by part10 as Deflated Explicit VR LE (PS3.5 A.5). */
function deflated(explicit: Uint8Array, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const metaLength = new DataView(explicit.buffer, explicit.byteOffset).getUint32(140, true);
  const metaEnd = 144 + metaLength;
  return concat(
    explicit.subarray(0, metaEnd),
    deflateRawSync(concat(explicit.subarray(metaEnd), tail)),
  );
}

describe("deflated data sets", () => {
  const DEFLATED = "1.2.840.10008.1.2.1.99";

  it("finds the declared image size in the first inflated bytes", () => {
    const file = mrImage(64, 32, ramp(64 * 32), [[0x00280008, "IS", "3"]]);
    const metaEnd = 144 + new DataView(file.buffer).getUint32(140, true);
    expect(declaredImage(file.subarray(metaEnd))).toEqual({
      rows: 64,
      columns: 32,
      bitsAllocated: 16,
      samplesPerPixel: 1,
      frames: 3,
    });
  });

  it("reads a small deflated image and rejects a bomb past the size its header declares", async () => {
    const plain = mrImage(4, 4, ramp(16), [], { transferSyntax: DEFLATED });
    const ok = await readDicomFile("ok.dcm", deflated(plain));
    expect(ok.kind).toBe("instance");
    // 40 MiB of zeros behind a 4 x 4 image: 40 KB compressed.
    const zeros = element(0x7fe10010, "OB", new Uint8Array(40 * 2 ** 20));
    const bomb = deflated(plain, zeros);
    expect(bomb.length).toBeLessThan(100_000);
    const rss0 = process.memoryUsage().rss;
    const err = await rejection(bomb);
    expect(err).toBeInstanceOf(DicomParseError);
    expect(err.message).toMatch(
      /^deflated data set inflates past 8\.0 MiB \(0\.0 MiB compressed; limit from 4 x 4 x 1 frame\(s\) of 16 bits declared, plus 8 MiB for the header\): refused as a decompression bomb \(PS3\.5 A\.5\)$/,
    );
    expect(process.memoryUsage().rss - rss0).toBeLessThan(256 * 2 ** 20);
  });
});

describe("pixel data against the header", () => {
  it("rejects Pixel Data whose declared length runs past the end of the file", async () => {
    const file = mrImage(2, 2, ramp(4));
    // Pixel Data's length field is the last 4 bytes before its 8 value bytes.
    const bytes = file.slice();
    new DataView(bytes.buffer).setUint32(bytes.length - 12, 4096, true);
    expect((await rejection(bytes)).message).toBe(
      "pixel data declares 4096 bytes but the file ends after 8 (PS3.5 7.1.1)",
    );
  });

  it("rejects Rows x Columns smaller than the pixel data by a frame or more", async () => {
    expect((await rejection(mrImage(2, 2, ramp(8)))).message).toBe(
      "inconsistent header: Pixel Data holds 16 bytes, but 2 rows x 2 columns x 1 frame(s) of 1 x 16 bits need 8 (PS3.3 C.7.6.3)",
    );
    // Padding short of a frame stays tolerated (real writers do it: MR_small_padded).
    expect((await readDicomFile("ok.dcm", mrImage(4, 4, ramp(20)))).kind).toBe("instance");
  });

  it("rejects a JPEG-LS codestream labelled JPEG 2000, and JPEG 2000 labelled JPEG lossless", async () => {
    const ls = new Uint8Array(
      readFileSync(path.join(SAMPLES, "mr-classic/MR_small_jpeg_ls_lossless.dcm")),
    );
    const relabel = (bytes: Uint8Array, from: string, to: string): Uint8Array => {
      const text = Buffer.from(bytes);
      const at = text.indexOf(from);
      expect(at).toBeGreaterThan(0);
      const out = bytes.slice();
      out.set(Buffer.from(to), at);
      return out;
    };
    expect((await readDicomFile("ls.dcm", ls)).kind).toBe("instance");
    const asJ2k = relabel(ls, "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90");
    expect((await rejection(asJ2k)).message).toBe(
      "pixel data does not match transfer syntax 1.2.840.10008.1.2.4.90 (JPEG 2000 (Lossless Only)): frame 1: the frame does not start a JPEG 2000 codestream",
    );
    const asJpegLossless = relabel(ls, "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.57");
    expect((await rejection(asJpegLossless)).message).toBe(
      "pixel data does not match transfer syntax 1.2.840.10008.1.2.4.57 (JPEG Lossless, Non-Hierarchical (Process 14)): frame 1: the frame is coded with JPEG marker FFF7, which this transfer syntax does not use",
    );
    const j2k = new Uint8Array(
      readFileSync(path.join(SAMPLES, "mr-classic/MR_small_jp2klossless.dcm")),
    );
    const j2kAsLs = relabel(j2k, "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.80");
    expect((await rejection(j2kAsLs)).message).toMatch(
      /frame 1: the frame does not start with a JPEG SOI marker \(FFD8\)$/,
    );
  });
});

describe("files over 2 GiB", () => {
  it("names the size instead of Node's range error", async () => {
    const big = path.join(dir, "big.dcm");
    const fd = openSync(big, "w");
    // Sparse: one byte written at 2.5 GiB takes no disk space.
    writeSync(fd, Uint8Array.of(0), 0, 1, 2.5 * 2 ** 30);
    closeSync(fd);
    const err = await readDicomFile(big).then(
      () => new Error("read"),
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(DicomParseError);
    expect(err.message).toBe(
      "file too large: 2.5 GiB; files over 2 GiB are not read (one MR instance is far smaller; this is not a single image)",
    );
  });
});
