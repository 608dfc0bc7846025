// Builds small Part 10 files byte by byte for reader tests, so each malformation is made on
// purpose and named in the test (PS3.10 7.1 file meta, PS3.5 7.1 element encoding).

export type Value =
  | string
  | Uint8Array
  | { items: Element[][] }
  | { fragments: Uint8Array[]; offsetTable?: number[] };

export type Element = [tag: number, vr: string, value: Value];

export interface FileOptions {
  transferSyntax?: string;
  bigEndian?: boolean;
  implicit?: boolean;
}

const LONG = new Set([
  "OB",
  "OD",
  "OF",
  "OL",
  "OV",
  "OW",
  "SQ",
  "SV",
  "UC",
  "UN",
  "UR",
  "UT",
  "UV",
]);

class Writer {
  private chunks: number[] = [];
  constructor(
    private readonly le: boolean,
    private readonly implicit: boolean,
  ) {}
  u16(v: number): void {
    if (this.le) this.chunks.push(v & 255, (v >> 8) & 255);
    else this.chunks.push((v >> 8) & 255, v & 255);
  }
  u32(v: number): void {
    const b = [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
    this.chunks.push(...(this.le ? b : b.reverse()));
  }
  bytes(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.chunks.push(b[i]!);
  }
  tag(tag: number): void {
    this.u16(tag >>> 16);
    this.u16(tag & 0xffff);
  }
  header(tag: number, vr: string, length: number): void {
    this.tag(tag);
    if (this.implicit) {
      this.u32(length);
    } else if (LONG.has(vr)) {
      this.bytes([vr.charCodeAt(0), vr.charCodeAt(1), 0, 0]);
      this.u32(length);
    } else {
      this.bytes([vr.charCodeAt(0), vr.charCodeAt(1)]);
      this.u16(length);
    }
  }
  element([tag, vr, value]: Element): void {
    if (typeof value === "string" || value instanceof Uint8Array) {
      let bytes =
        typeof value === "string" ? Uint8Array.from(value, (c) => c.charCodeAt(0)) : value;
      if (bytes.length % 2 === 1) bytes = Uint8Array.from([...bytes, vr === "UI" ? 0 : 0x20]);
      this.header(tag, vr, bytes.length);
      this.bytes(bytes);
    } else if ("items" in value) {
      this.header(tag, "SQ", 0xffffffff);
      for (const item of value.items) {
        this.u16(0xfffe);
        this.u16(0xe000);
        this.u32(0xffffffff);
        for (const e of item) this.element(e);
        this.u16(0xfffe);
        this.u16(0xe00d);
        this.u32(0);
      }
      this.u16(0xfffe);
      this.u16(0xe0dd);
      this.u32(0);
    } else {
      this.header(tag, vr, 0xffffffff);
      const table = value.offsetTable ?? [];
      this.u16(0xfffe);
      this.u16(0xe000);
      this.u32(table.length * 4);
      for (const o of table) this.bytes([o & 255, (o >>> 8) & 255, (o >>> 16) & 255, o >>> 24]);
      for (const f of value.fragments) {
        this.u16(0xfffe);
        this.u16(0xe000);
        this.u32(f.length);
        this.bytes(f);
      }
      this.u16(0xfffe);
      this.u16(0xe0dd);
      this.u32(0);
    }
  }
  result(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

/** A Part 10 file: preamble, "DICM", explicit VR LE file meta, then `elements` in the syntax. */
export function part10(elements: Element[], options: FileOptions = {}): Uint8Array {
  const ts = options.transferSyntax ?? "1.2.840.10008.1.2.1";
  const meta = new Writer(true, false);
  const sopClass = elements.find((e) => e[0] === 0x00080016)?.[2];
  const body = new Writer(true, false);
  body.element([0x00020001, "OB", Uint8Array.from([0, 1])]);
  if (typeof sopClass === "string") body.element([0x00020002, "UI", sopClass]);
  body.element([0x00020010, "UI", ts]);
  const metaBytes = body.result();
  meta.element([0x00020000, "UL", u32le(metaBytes.length)]);
  meta.bytes(metaBytes);
  const data = new Writer(!options.bigEndian, options.implicit ?? false);
  for (const e of [...elements].sort((a, b) => a[0] - b[0])) data.element(e);
  const head = new Uint8Array(132);
  head.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat(head, meta.result(), data.result());
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u16le(...values: number[]): Uint8Array {
  return Uint8Array.from(values.flatMap((v) => [v & 255, (v >> 8) & 255]));
}

export function u32le(...values: number[]): Uint8Array {
  return Uint8Array.from(
    values.flatMap((v) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24]),
  );
}

export const MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4";

/** An MR image of `rows` x `columns` 16-bit pixels with `pixel` as Pixel Data (or its items). */
export function mrImage(
  rows: number,
  columns: number,
  pixel: Value,
  extra: Element[] = [],
  options: FileOptions = {},
): Uint8Array {
  const us = (v: number): Uint8Array =>
    options.bigEndian ? Uint8Array.from([(v >> 8) & 255, v & 255]) : u16le(v);
  const base: Element[] = [
    [0x00080016, "UI", MR_IMAGE],
    [0x00080018, "UI", "1.2.3.4.5"],
    [0x00080060, "CS", "MR"],
    [0x0020000d, "UI", "1.2.3"],
    [0x0020000e, "UI", "1.2.3.4"],
    [0x00280002, "US", us(1)],
    [0x00280004, "CS", "MONOCHROME2"],
    [0x00280010, "US", us(rows)],
    [0x00280011, "US", us(columns)],
    [0x00280100, "US", us(16)],
    [0x00280101, "US", us(16)],
    [0x00280102, "US", us(15)],
    [0x00280103, "US", us(0)],
    [0x7fe00010, "OW", pixel],
  ];
  const tags = new Set(extra.map((e) => e[0]));
  return part10([...base.filter((e) => !tags.has(e[0])), ...extra], options);
}
