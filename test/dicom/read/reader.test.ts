// readDicomFile on files built in the test: each rejection reason, the pixel length rule, syntax
// dispatch (native LE/BE/implicit, unknown and decoder-less syntaxes), and private b-values.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DicomParseError, UnsupportedTransferSyntaxError } from "../../../electron/contract/errors";
import { readDicomFile } from "../../../electron/dicom/read/index";
import type { DicomInstance } from "../../../electron/dicom/instance";
import { mrImage, part10, u16le, type Element } from "./part10";

const f64 = (v: number): Uint8Array => new Uint8Array(new Float64Array([v]).buffer);
const ramp = (n: number): Uint8Array => u16le(...Array.from({ length: n }, (_, i) => i * 7));

async function rejection(bytes: Uint8Array): Promise<Error> {
  return readDicomFile("test.dcm", bytes).then(
    (o) => new Error(`unexpectedly read as ${o.kind}`),
    (e: Error) => e,
  );
}

async function instance(bytes: Uint8Array): Promise<DicomInstance> {
  const out = await readDicomFile("test.dcm", bytes);
  if (out.kind !== "instance") throw new Error(`skipped: ${out.reason}`);
  return out.instance;
}

describe("rejections", () => {
  it("names an empty file, plain text, and a file without preamble", async () => {
    expect((await rejection(new Uint8Array(0))).message).toBe("empty file (0 bytes)");
    const text = new TextEncoder().encode("patient list\nnothing here\n");
    expect((await rejection(text)).message).toBe("not a DICOM file: the file is plain text");
    const bare = mrImage(2, 2, ramp(4)).subarray(132);
    expect((await rejection(bare)).message).toMatch(/no 128-byte preamble .*\(0002,0000\)/);
  });

  it("rejects pixel data shorter than rows x columns x frames x samples x bits/8", async () => {
    const err = await rejection(mrImage(8, 8, ramp(50)));
    expect(err).toBeInstanceOf(DicomParseError);
    expect(err.message).toBe("pixel data truncated: expected 128 bytes, found 100");
    const frames = mrImage(4, 4, ramp(40), [[0x00280008, "IS", "3"]]);
    expect((await rejection(frames)).message).toBe(
      "pixel data truncated: expected 96 bytes, found 80",
    );
  });

  it("accepts one pad byte and trailing padding, which are ignored", async () => {
    const px = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
    const one = await instance(
      mrImage(3, 3, px, [
        [0x00280100, "US", u16le(8)],
        [0x00280101, "US", u16le(8)],
        [0x00280102, "US", u16le(7)],
      ]),
    );
    expect(Array.from(await one.decodeFrame(0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("rejects a file cut inside the header, naming the element", async () => {
    // The last elements are (0028,0103) US (10 bytes) and Pixel Data (12 + 8 bytes).
    const whole = mrImage(2, 2, ramp(4));
    const inHeader = whole.subarray(0, whole.length - 24);
    expect((await rejection(inHeader)).message).toMatch(
      /^file truncated in the header: element \(0028,0103\) header cut at byte \d+ of \d+$/,
    );
    const inValue = whole.subarray(0, whole.length - 21);
    expect((await rejection(inValue)).message).toMatch(
      /^file truncated in the header: element \(0028,0103\) declares 2 bytes at byte \d+ of \d+$/,
    );
    // Cut exactly before Pixel Data: an MR image without its Type 1 pixels.
    const atBoundary = whole.subarray(0, whole.length - 20);
    expect((await rejection(atBoundary)).message).toMatch(
      /^inconsistent header: MR Image Storage object has no Pixel Data \(7FE0,0010\)/,
    );
  });

  it("rejects missing Rows, an invalid Number of Frames and a missing transfer syntax", async () => {
    const withoutRows = part10([
      [0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.4"],
      [0x00280011, "US", u16le(2)],
      [0x00280100, "US", u16le(16)],
      [0x7fe00010, "OW", ramp(4)],
    ]);
    expect((await rejection(withoutRows)).message).toBe(
      "inconsistent header: Pixel Data is present but Rows (0028,0010) is missing",
    );
    const badFrames = mrImage(2, 2, ramp(4), [[0x00280008, "IS", "1A"]]);
    expect((await rejection(badFrames)).message).toBe(
      'invalid Number of Frames (0028,0008) "1A": not a positive integer',
    );
    const noTs = mrImage(2, 2, ramp(4));
    const i = Buffer.from(noTs).indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00]));
    noTs.set([0x02, 0x00, 0x11, 0x00], i); // (0002,0010) becomes (0002,0011)
    expect((await rejection(noTs)).message).toMatch(/no Transfer Syntax UID \(0002,0010\)/);
  });

  it("rejects a transfer syntax UID that is not a UID", async () => {
    const bad = mrImage(2, 2, ramp(4), [], { transferSyntax: "1.2.840.10008.1.2.1\u00e9x" });
    expect((await rejection(bad)).message).toBe(
      'invalid Transfer Syntax UID "1.2.840.10008.1.2.1?x" in the file meta information (PS3.5 9.1)',
    );
  });

  it("rejects native Pixel Data under an encapsulated syntax and the reverse", async () => {
    const native = mrImage(2, 2, ramp(4), [], { transferSyntax: "1.2.840.10008.1.2.4.80" });
    expect((await rejection(native)).message).toMatch(
      /^inconsistent header: transfer syntax 1\.2\.840\.10008\.1\.2\.4\.80 \(JPEG-LS Lossless\) is encapsulated/,
    );
    const frags = mrImage(2, 2, { fragments: [ramp(4)] });
    expect((await rejection(frags)).message).toMatch(/Pixel Data is encapsulated but .* native/);
  });

  it("rejects MR images in syntaxes without a decoder, naming the syntax", async () => {
    const mpeg = mrImage(2, 2, { fragments: [ramp(4)] }, [], {
      transferSyntax: "1.2.840.10008.1.2.4.100",
    });
    const err = await rejection(mpeg);
    expect(err).toBeInstanceOf(UnsupportedTransferSyntaxError);
    expect(err.message).toBe(
      "no decoder for transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile / Main Level)",
    );
    const unknown = mrImage(2, 2, { fragments: [ramp(4)] }, [], { transferSyntax: "1.2.3.99" });
    expect((await rejection(unknown)).message).toBe(
      "no decoder for transfer syntax 1.2.3.99 (unknown transfer syntax)",
    );
  });

  it("names float pixel data as unsupported", async () => {
    const float = part10([
      [0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.4"],
      [0x00280010, "US", u16le(1)],
      [0x7fe00008, "OF", new Uint8Array(4)],
    ]);
    expect((await rejection(float)).message).toMatch(/^Float Pixel Data .* is not supported$/);
  });

  it("skips non-MR objects with the reason", async () => {
    const ct = mrImage(2, 2, ramp(4), [
      [0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.2"],
      [0x00080060, "CS", "CT"],
    ]);
    const out = await readDicomFile("ct.dcm", ct);
    expect(out).toMatchObject({
      kind: "skipped",
      reason: "not an MR image (Modality CT, SOP class CT Image Storage)",
      sopInstanceUid: "1.2.3.4.5",
    });
  });
});

describe("tolerated deviations", () => {
  it("reads a file whose file meta lacks the group length (0002,0000)", async () => {
    const whole = mrImage(2, 2, ramp(4));
    expect(Array.from(whole.subarray(132, 136))).toEqual([2, 0, 0, 0]);
    const without = new Uint8Array([...whole.subarray(0, 132), ...whole.subarray(144)]);
    const inst = await instance(without);
    expect(Array.from(await inst.decodeFrame(0))).toEqual([0, 7, 14, 21]);
  });
});

describe("deflated data sets (PS3.5 A.5)", () => {
  it("reads an MR image deflated by dcmtk's dcmconv with the original's pixels", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "livercad-deflate-"));
    try {
      const source = path.resolve(
        __dirname,
        "../../../../shared/dicom-samples/mr-classic/MR_small.dcm",
      );
      const deflated = path.join(dir, "deflated.dcm");
      execFileSync("dcmconv", ["+td", source, deflated]);
      const a = await readDicomFile(deflated);
      const b = await readDicomFile(source);
      if (a.kind !== "instance" || b.kind !== "instance") throw new Error("not instances");
      expect(a.instance.transferSyntaxUid).toBe("1.2.840.10008.1.2.1.99");
      expect(a.instance.patient.patientName).toBe(b.instance.patient.patientName);
      expect(Array.from(await a.instance.decodeFrame(0))).toEqual(
        Array.from(await b.instance.decodeFrame(0)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("native syntaxes", () => {
  const values = [0, 1, 4095, 300, -1 & 0xffff, 2048];
  const extra: Element[] = [
    [0x00280101, "US", u16le(12)],
    [0x00280102, "US", u16le(11)],
    [0x00280103, "US", u16le(1)],
  ];

  it("reads the same signed 12-bit values in implicit LE, explicit LE and explicit BE", async () => {
    const be = (v: number[]): Uint8Array => Uint8Array.from(v.flatMap((x) => [x >> 8, x & 255]));
    const beExtra: Element[] = extra.map(([t, vr, v]) => [
      t,
      vr,
      Uint8Array.from([...(v as Uint8Array)].reverse()),
    ]);
    const files = [
      mrImage(2, 3, u16le(...values), extra, {
        implicit: true,
        transferSyntax: "1.2.840.10008.1.2",
      }),
      mrImage(2, 3, u16le(...values), extra),
      mrImage(2, 3, be(values), beExtra, {
        bigEndian: true,
        transferSyntax: "1.2.840.10008.1.2.2",
      }),
    ];
    for (const f of files) {
      const inst = await instance(f);
      // 12 bits stored, two's complement: 4095 is -1, 2048 is -2048, 0xFFFF masks to -1.
      expect(Array.from(await inst.decodeFrame(0))).toEqual([0, 1, -1, 300, -1, -2048]);
    }
  });
});

describe("series attributes", () => {
  it("reads b-values from the standard tag and GE, Siemens and Philips private tags", async () => {
    const b = async (extra: Element[]): Promise<number | null> =>
      (await instance(mrImage(1, 1, ramp(1), extra))).series.diffusionBValue;
    expect(await b([[0x00189087, "FD", f64(800)]])).toBe(800);
    expect(
      await b([
        [0x00430010, "LO", "GEMS_PARM_01"],
        [0x00431039, "IS", "1000001000\\8\\0\\0"],
      ]),
    ).toBe(1000);
    expect(
      await b([
        [0x00190010, "LO", "SIEMENS MR HEADER"],
        [0x0019100c, "IS", "600"],
      ]),
    ).toBe(600);
    expect(
      await b([
        [0x20010010, "LO", "Philips Imaging DD 001"],
        [0x20011003, "FL", new Uint8Array(new Float32Array([900]).buffer)],
      ]),
    ).toBe(900);
    // The same element under another creator is not a b-value.
    expect(
      await b([
        [0x00190010, "LO", "OTHER VENDOR"],
        [0x0019100c, "IS", "600"],
      ]),
    ).toBeNull();
  });

  it("takes per-frame geometry and b-values from Enhanced MR functional groups", async () => {
    const ds = (v: string): Element => [0, "DS", v];
    const at = (tag: number, e: Element): Element => [tag, e[1], e[2]];
    const frame = (z: number, bValue: number): Element[] => [
      [0x00209113, "SQ", { items: [[at(0x00200032, ds(`0\\0\\${z}`))]] }],
      [0x00189117, "SQ", { items: [[[0x00189087, "FD", f64(bValue)]]] }],
    ];
    const shared: Element[] = [
      [0x00209116, "SQ", { items: [[at(0x00200037, ds("1\\0\\0\\0\\1\\0"))]] }],
      [0x00289110, "SQ", { items: [[at(0x00280030, ds("0.5\\0.75")), at(0x00180050, ds("3"))]] }],
      [0x00189114, "SQ", { items: [[[0x00189082, "FD", f64(80)]]] }],
    ];
    const file = mrImage(2, 2, ramp(8), [
      [0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.4.1"],
      [0x00280008, "IS", "2"],
      [0x52009229, "SQ", { items: [shared] }],
      [0x52009230, "SQ", { items: [frame(10, 0), frame(14, 1000)] }],
    ]);
    const inst = await instance(file);
    expect(inst.frames.map((f) => f.imagePositionPatient)).toEqual([
      [0, 0, 10],
      [0, 0, 14],
    ]);
    expect(inst.frames[1]!.imageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
    expect(inst.frames[1]!.pixelSpacing).toEqual([0.5, 0.75]);
    expect(inst.frames[1]!.sliceThickness).toBe(3);
    expect(inst.frames.map((f) => f.diffusionBValue)).toEqual([0, 1000]);
    expect(inst.series.diffusionBValue).toBe(1000);
    expect(inst.series.echoTime).toBe(80);
    expect(Array.from(await inst.decodeFrame(1))).toEqual([28, 35, 42, 49]);
  });
});
