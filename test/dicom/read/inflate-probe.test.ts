// The deflate probe (electron/dicom/read/inflate.ts, issue 12 §2 and its fuzz evidence): the first
// inflated bytes decide the inflation limit. An image's declared size is found past
// undefined-length sequences; a data set that passes group 0028 without an image is held to the
// header margin, so a bomb behind a deflated SR is refused after 8 MiB instead of 64; anything
// the walk cannot follow keeps the default limit.
import { readFileSync } from "node:fs";
import path from "node:path";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readDicomFile } from "../../../electron/dicom/read/index";
import { inflateLimit, probeHeader } from "../../../electron/dicom/read/inflate";
import {
  INFLATE_DEFAULT_LIMIT,
  INFLATE_HEADER_MARGIN,
  LimitExceededError,
} from "../../../electron/dicom/read/limits";

const SAMPLES = path.resolve(__dirname, "../../../../shared/dicom-samples");

function u16(...v: number[]): number[] {
  return v.flatMap((x) => [x & 0xff, (x >> 8) & 0xff]);
}
function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const tag = (t: number): number[] => u16(t >>> 16, t & 0xffff);

/** Explicit VR LE element with a defined length (PS3.5 7.1.2). */
function el(t: number, vr: string, value: number[]): number[] {
  const long = ["OB", "OW", "SQ", "UN", "UT"].includes(vr);
  return long
    ? [...tag(t), ...ascii(vr), 0, 0, ...u32(value.length), ...value]
    : [...tag(t), ...ascii(vr), ...u16(value.length), ...value];
}
/** An undefined-length sequence of undefined-length items (PS3.5 7.5.2). */
function undefinedSq(t: number, items: number[][]): number[] {
  return [
    ...tag(t),
    ...ascii("SQ"),
    0,
    0,
    ...u32(0xffffffff),
    ...items.flatMap((i) => [
      ...tag(0xfffee000),
      ...u32(0xffffffff),
      ...i,
      ...tag(0xfffee00d),
      ...u32(0),
    ]),
    ...tag(0xfffee0dd),
    ...u32(0),
  ];
}
const pixelModule = (rows: number, columns: number): number[] => [
  ...el(0x00280010, "US", u16(rows)),
  ...el(0x00280011, "US", u16(columns)),
  ...el(0x00280100, "US", u16(16)),
];
const bytes = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());

describe("probeHeader", () => {
  const referenced = undefinedSq(0x00081111, [
    [...el(0x00081150, "UI", ascii("1.2.3\0")), ...undefinedSq(0x00081199, [[], []])],
  ]);

  it("finds the image past undefined-length sequences, nested ones included", () => {
    const ds = bytes(el(0x00080060, "CS", ascii("MR")), referenced, pixelModule(512, 256));
    expect(probeHeader(ds)).toEqual({
      kind: "image",
      image: { rows: 512, columns: 256, bitsAllocated: 16, samplesPerPixel: 1, frames: 1 },
    });
  });

  it("says no image when the header passes group 0028 without Rows, Columns, Bits Allocated", () => {
    const sr = bytes(
      el(0x00080060, "CS", ascii("SR")),
      referenced,
      el(0x0040a040, "CS", ascii("CONTAINER")),
    );
    expect(probeHeader(sr)).toEqual({ kind: "no-image", tag: 0x0040a040 });
  });

  it("stays unknown where it cannot decide", () => {
    const cases: [string, Uint8Array][] = [
      ["bytes end inside a sequence", bytes(referenced.slice(0, referenced.length - 12))],
      ["bytes end before group 0028", bytes(el(0x00080060, "CS", ascii("MR")))],
      [
        "only Rows, then group 0040",
        bytes(el(0x00280010, "US", u16(4)), el(0x0040a040, "CS", ascii("X"))),
      ],
      [
        "an undefined-length UN (implicit VR inside)",
        bytes(
          [...tag(0x00091010), ...ascii("UN"), 0, 0, ...u32(0xffffffff)],
          el(0x0040a040, "CS", []),
        ),
      ],
      [
        "a sequence holding something that is not an item",
        bytes([
          ...tag(0x00081111),
          ...ascii("SQ"),
          0,
          0,
          ...u32(0xffffffff),
          ...el(0x00100010, "PN", []),
        ]),
      ],
      [
        "a stray delimiter at the top level",
        bytes(tag(0xfffee0dd), u32(0), el(0x0040a040, "CS", [])),
      ],
    ];
    for (const [what, ds] of cases) expect(probeHeader(ds).kind, what).toBe("unknown");
    let deep: number[] = el(0x0040a040, "CS", []);
    for (let i = 0; i < 40; i++) deep = undefinedSq(0x00091002, [deep]);
    expect(probeHeader(bytes(deep, el(0x0040a040, "CS", []))).kind, "nested 40 deep").toBe(
      "unknown",
    );
  });

  it("limits a no-image data set to the header margin and an unknown one to the default", () => {
    const sr = bytes(referenced, el(0x0040a040, "CS", ascii("CONTAINER")));
    expect(inflateLimit(deflateRawSync(sr)).limit).toBe(INFLATE_HEADER_MARGIN);
    expect(inflateLimit(deflateRawSync(bytes(el(0x00080060, "CS", ascii("MR"))))).limit).toBe(
      INFLATE_DEFAULT_LIMIT,
    );
    expect(inflateLimit(deflateRawSync(bytes(pixelModule(64, 64)))).limit).toBe(
      64 * 64 * 2 + INFLATE_HEADER_MARGIN,
    );
  });
});

describe("a bomb behind a deflated structured report (the fuzz's slowest case)", () => {
  const file = new Uint8Array(readFileSync(path.join(SAMPLES, "not-mr/report_dfl")));
  const metaEnd = 144 + new DataView(file.buffer).getUint32(140, true);
  const inflated = inflateRawSync(file.subarray(metaEnd));
  const withTail = (tail: Uint8Array): Uint8Array =>
    Uint8Array.from(
      Buffer.concat([
        file.subarray(0, metaEnd),
        deflateRawSync(Buffer.concat([inflated, tail]), { level: 1 }),
      ]),
    );

  it("still reads the report itself (skipped as not an MR image, not refused)", async () => {
    expect((await readDicomFile("report_dfl", file)).kind).toBe("skipped");
  });

  it("refuses 48 MiB of zeros appended after inflating 8 MiB, naming why", async () => {
    const bomb = withTail(new Uint8Array(48 * 2 ** 20));
    const err = await readDicomFile("bomb.dcm", bomb).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as Error).message).toMatch(
      /^deflated data set inflates past 8\.0 MiB \(0\.\d MiB compressed; limit from no image declared \(\(0040,A040\) follows without Rows, Columns, Bits Allocated\), so 8 MiB for the header\): refused as a decompression bomb \(PS3\.5 A\.5\)$/,
    );
  });
});
