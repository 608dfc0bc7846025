// A small Explicit VR Little Endian encoder (PS3.5 7.1.2, 7.5) for the naturalized data sets this
// folder builds (SR, GSPS): dcmjs's DicomDict.write took 69 ms for one 9-ROI SR because it copies
// every nested sequence item into its parent; this writes each element once into a list of
// buffers and joins them at the end. Sequences and items get defined lengths. Only the VRs the
// SR/GSPS builders use are supported; anything else throws, naming the keyword.
import { ExportError } from "../../contract/errors";
import type { DataSet } from "./dcm";

interface DictEntry {
  tag: string;
  vr: string;
}
interface Dcmjs {
  data: { DicomMetaDictionary: { nameMap: Record<string, DictEntry | undefined> } };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require("dcmjs") as Dcmjs;

/** VRs with a 4-byte length after two reserved bytes (PS3.5 Table 7.1-1). */
const LONG = new Set(["OB", "OD", "OF", "OL", "OW", "SQ", "UC", "UR", "UT", "UN"]);

function tagOf(keyword: string): { group: number; element: number; vr: string } {
  const e = dcmjs.data.DicomMetaDictionary.nameMap[keyword];
  if (!e) throw new Error(`encode: unknown keyword ${keyword}`);
  const m = /^\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)$/.exec(e.tag);
  if (!m) throw new Error(`encode: tag ${e.tag} of ${keyword} is not a single tag`);
  return { group: parseInt(m[1]!, 16), element: parseInt(m[2]!, 16), vr: e.vr.split(" ")[0]! };
}

function text(values: unknown[], vr: string): Buffer {
  const parts = values.map((v) => {
    if (v !== null && typeof v === "object" && "Alphabetic" in v) {
      return String((v as { Alphabetic?: string }).Alphabetic ?? "");
    }
    return v === null || v === undefined ? "" : String(v);
  });
  let b = Buffer.from(parts.join("\\"), "utf8");
  // Even length: UI pads with NUL, other strings with a space (PS3.5 6.2).
  if (b.length % 2 === 1) b = Buffer.concat([b, Buffer.from(vr === "UI" ? [0] : [0x20])]);
  return b;
}

function binary(values: unknown[], vr: string): Buffer {
  const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 }[vr];
  if (size === undefined) throw new Error(`encode: VR ${vr} not supported`);
  const b = Buffer.alloc(size * values.length);
  values.forEach((v, i) => {
    const x = Number(v);
    const o = i * size;
    if (vr === "US") b.writeUInt16LE(x, o);
    else if (vr === "SS") b.writeInt16LE(x, o);
    else if (vr === "UL") b.writeUInt32LE(x, o);
    else if (vr === "SL") b.writeInt32LE(x, o);
    else if (vr === "FL") b.writeFloatLE(x, o);
    else b.writeDoubleLE(x, o);
  });
  return b;
}

function header(group: number, element: number, vr: string, length: number): Buffer {
  const long = LONG.has(vr);
  const b = Buffer.alloc(long ? 12 : 8);
  b.writeUInt16LE(group, 0);
  b.writeUInt16LE(element, 2);
  b.write(vr, 4, "latin1");
  if (long) b.writeUInt32LE(length, 8);
  else b.writeUInt16LE(length, 6);
  return b;
}

function encodeItems(items: DataSet[], out: Buffer[]): number {
  let total = 0;
  for (const item of items) {
    const body: Buffer[] = [];
    const len = encodeInto(item, body);
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0);
    h.writeUInt16LE(0xe000, 2);
    h.writeUInt32LE(len, 4);
    out.push(h, ...body);
    total += 8 + len;
  }
  return total;
}

/** Appends the encoded elements of `ds` (sorted by tag) to `out`; returns their byte count. */
function encodeInto(ds: DataSet, out: Buffer[]): number {
  const elements = Object.keys(ds)
    .filter((k) => ds[k] !== undefined && k !== "_vrMap" && k !== "_meta")
    .map((k) => ({ k, ...tagOf(k) }))
    .sort((a, b) => a.group - b.group || a.element - b.element);
  let total = 0;
  for (const e of elements) {
    const raw = ds[e.k];
    const values = Array.isArray(raw) ? raw : raw === "" || raw === null ? [] : [raw];
    if (e.vr === "SQ") {
      const body: Buffer[] = [];
      const len = encodeItems(values as DataSet[], body);
      out.push(header(e.group, e.element, "SQ", len), ...body);
      total += 12 + len;
      continue;
    }
    let value: Buffer;
    if (["US", "SS", "UL", "SL", "FL", "FD"].includes(e.vr)) value = binary(values, e.vr);
    else if (e.vr === "OB" || e.vr === "OW") {
      value = Buffer.from(values[0] instanceof ArrayBuffer ? new Uint8Array(values[0]) : []);
      if (value.length % 2 === 1) value = Buffer.concat([value, Buffer.from([0])]);
    } else value = text(values, e.vr);
    if (!LONG.has(e.vr) && value.length > 0xffff) {
      throw new ExportError(`encode: ${e.k} is ${value.length} bytes, over its VR's 64 KiB`);
    }
    out.push(header(e.group, e.element, e.vr, value.length), value);
    total += (LONG.has(e.vr) ? 12 : 8) + value.length;
  }
  return total;
}

/** Part 10 bytes: preamble, "DICM", group 2 with its length, then the data set. */
export function encodePart10(meta: DataSet, dataset: DataSet): Uint8Array {
  const metaParts: Buffer[] = [];
  const metaLen = encodeInto(meta, metaParts);
  const groupLength = Buffer.concat([header(0x0002, 0x0000, "UL", 4), Buffer.alloc(4)]);
  groupLength.writeUInt32LE(metaLen, 8);
  const body: Buffer[] = [];
  encodeInto(dataset, body);
  return new Uint8Array(
    Buffer.concat([
      Buffer.alloc(128),
      Buffer.from("DICM", "latin1"),
      groupLength,
      ...metaParts,
      ...body,
    ]),
  );
}
