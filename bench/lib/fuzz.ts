// A seeded DICOM mutator and the fuzz verdict, shared by the suite's fuzz test (a few hundred
// mutants) and `npm run fuzz` (10,000). Each mutant is named by (seed, index): its bytes are
// regenerated exactly from those two numbers and the seed files, so any finding reproduces.
// Mutations follow what broke the reader in issue 12's measurements: cuts, overwritten bytes,
// hostile length fields, changed image sizes, swapped transfer syntaxes, deep sequence nesting,
// duplicated ranges and bit flips in compressed codestreams.
import fs from "node:fs";
import path from "node:path";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { AppError } from "../../electron/contract/errors";
import { readVerified } from "../../electron/dicom/read/verify";

/** mulberry32: a small deterministic PRNG. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The repository root: the nearest folder above this file (source or bundle) with package.json. */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** The shared DICOM corpus beside the checkout (../shared/dicom-samples), as every test reads it. */
export const SAMPLES = path.resolve(repoRoot(), "..", "shared", "dicom-samples");

/** Seed files: every syntax the reader decodes, classic and enhanced MR, and a deflated object. */
export const SEED_FILES = [
  "mr-classic/MR_small.dcm",
  "mr-classic/MR_small_RLE.dcm",
  "mr-classic/MR_small_implicit.dcm",
  "mr-classic/MR_small_bigendian.dcm",
  "mr-classic/MR_small_jpeg_ls_lossless.dcm",
  "mr-classic/MR_small_jp2klossless.dcm",
  "mr-classic/jpeg_lossless_sel1.dcm",
  "mr-enhanced/emri_small_RLE.dcm",
  "not-mr/report_dfl",
];

export function loadSeeds(root = SAMPLES): { name: string; bytes: Uint8Array }[] {
  return SEED_FILES.map((name) => ({
    name,
    bytes: new Uint8Array(fs.readFileSync(path.join(root, name))),
  }));
}

const SYNTAXES = [
  "1.2.840.10008.1.2",
  "1.2.840.10008.1.2.1",
  "1.2.840.10008.1.2.2",
  "1.2.840.10008.1.2.5",
  "1.2.840.10008.1.2.4.50",
  "1.2.840.10008.1.2.4.57",
  "1.2.840.10008.1.2.4.70",
  "1.2.840.10008.1.2.4.80",
  "1.2.840.10008.1.2.4.90",
  "1.2.840.10008.1.2.4.201",
  "1.2.840.10008.1.2.1.99",
];

const LENGTHS = [0, 1, 2, 0xfffe, 0xffff, 0x7fffffff, 0xfffffffe, 0xffffffff, 0x10000, 4096];

function indexOf(bytes: Uint8Array, pattern: number[], from = 0): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(
    Buffer.from(pattern),
    from,
  );
}

/** `depth` nested undefined-length private sequences in explicit VR LE (PS3.5 7.5.2). */
function nestedSequences(depth: number): Uint8Array {
  const open = [0x09, 0x00, 0x02, 0x10, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff];
  const item = [0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff];
  const itemEnd = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0];
  const seqEnd = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];
  const out: number[] = [];
  for (let i = 0; i < depth; i++) out.push(...open, ...item);
  for (let i = 0; i < depth; i++) out.push(...itemEnd, ...seqEnd);
  return Uint8Array.from(out);
}

export interface Mutant {
  label: string;
  bytes: Uint8Array;
}

/** Mutant `index` of `seed` built from `original`. */
export function mutate(original: Uint8Array, seed: number, index: number): Mutant {
  const rand = random(seed * 1_000_003 + index);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const at = (lo: number, hi: number): number => lo + Math.floor(rand() * Math.max(1, hi - lo));
  const header = Math.min(original.length, 4096);
  const kind = index % 9;
  const bytes = original.slice();
  const view = new DataView(bytes.buffer);
  switch (kind) {
    case 0: {
      const cut = at(0, original.length);
      return { label: `cut at ${cut}`, bytes: original.slice(0, cut) };
    }
    case 1: {
      const pos = at(128, header);
      const n = 1 + Math.floor(rand() * 8);
      for (let i = 0; i < n && pos + i < bytes.length; i++)
        bytes[pos + i] = Math.floor(rand() * 256);
      return { label: `${n} bytes overwritten at ${pos}`, bytes };
    }
    case 2: {
      // A length field: 2 or 4 bytes at an element boundary-ish offset in the header.
      const pos = at(132, header - 4);
      const value = pick(LENGTHS);
      if (rand() < 0.5) view.setUint16(pos, value & 0xffff, true);
      else view.setUint32(pos, value >>> 0, true);
      return { label: `length ${value} written at ${pos}`, bytes };
    }
    case 3: {
      // Rows (0028,0010) or Columns (0028,0011), either byte order.
      const element = pick([0x10, 0x11]);
      const le = indexOf(bytes, [0x28, 0x00, element, 0x00]);
      const be = indexOf(bytes, [0x00, 0x28, 0x00, element]);
      const pos = le >= 0 ? le : be;
      const value = pick([0, 1, 2, 3, 63, 65, 255, 4096, 65535]);
      if (pos >= 0 && pos + 10 <= bytes.length) {
        // Explicit VR: value after VR + 2-byte length; implicit: after the 4-byte length.
        const valueAt = bytes[pos + 4] === 0x55 && bytes[pos + 5] === 0x53 ? pos + 8 : pos + 8;
        view.setUint16(valueAt, value, le >= 0);
      }
      return { label: `${element === 0x10 ? "Rows" : "Columns"} set to ${value}`, bytes };
    }
    case 4: {
      const ts = indexOf(bytes, [0x02, 0x00, 0x10, 0x00]);
      const uid = pick(SYNTAXES);
      if (ts >= 0) {
        const length = view.getUint16(ts + 6, true);
        const value = new Uint8Array(length);
        value.set(Buffer.from(uid.slice(0, length)));
        bytes.set(value, ts + 8);
      }
      return { label: `transfer syntax set to ${uid}`, bytes };
    }
    case 5: {
      // Deep nesting inserted after the file meta information (explicit VR LE files parse it).
      const depth = pick([8, 33, 200, 2600, 10000]);
      const metaEnd = 144 + view.getUint32(140, true);
      const pos = Math.min(metaEnd, bytes.length);
      const out = new Uint8Array(bytes.length + nestedSequences(depth).length);
      out.set(bytes.subarray(0, pos));
      out.set(nestedSequences(depth), pos);
      out.set(bytes.subarray(pos), pos + nestedSequences(depth).length);
      return { label: `${depth} nested sequences inserted at ${pos}`, bytes: out };
    }
    case 6: {
      const from = at(132, bytes.length);
      const length = Math.min(bytes.length - from, 1 + Math.floor(rand() * 512));
      const to = at(132, bytes.length);
      const chunk = bytes.slice(from, from + length);
      const out = new Uint8Array(bytes.length + length);
      out.set(bytes.subarray(0, to));
      out.set(chunk, to);
      out.set(bytes.subarray(to), to + length);
      return { label: `${length} bytes from ${from} duplicated at ${to}`, bytes: out };
    }
    case 7: {
      // Bit flips anywhere past the preamble, pixel data and codestreams included.
      const flips = 1 + Math.floor(rand() * 16);
      for (let i = 0; i < flips; i++) {
        const pos = at(132, bytes.length);
        bytes[pos] = bytes[pos]! ^ (1 << Math.floor(rand() * 8));
      }
      return { label: `${flips} bits flipped`, bytes };
    }
    default: {
      // Deflated seeds: mutate the inflated data set and deflate it again, or append a bomb.
      const metaEnd = 144 + view.getUint32(140, true);
      let inflated: Uint8Array;
      try {
        inflated = inflateRawSync(bytes.subarray(metaEnd));
      } catch {
        const pos = at(metaEnd, bytes.length);
        bytes[pos] = bytes[pos]! ^ 0xff;
        return { label: `compressed byte ${pos} inverted`, bytes };
      }
      const zeros = rand() < 0.5 ? 0 : 48 * 2 ** 20;
      const body = Buffer.concat([inflated, Buffer.alloc(zeros)]);
      const pos = at(0, body.length);
      if (body.length > 0) body[pos] = Math.floor(rand() * 256);
      const out = Buffer.concat([
        Buffer.from(bytes.subarray(0, metaEnd)),
        deflateRawSync(body, { level: 1 }),
      ]);
      return {
        label: `deflated with byte ${pos} changed and ${zeros >> 20} MiB of zeros appended`,
        bytes: new Uint8Array(out),
      };
    }
  }
}

export type Verdict =
  | { kind: "rejected" | "skipped" | "accepted"; ms: number }
  | { kind: "crash" | "undecodable"; ms: number; detail: string };

/**
 * The import's reader on one mutant: rejected or skipped with an AppError is fine; accepted must
 * mean every frame decodes; anything else thrown is a crash.
 */
export async function judge(bytes: Uint8Array): Promise<Verdict> {
  const t0 = performance.now();
  const ms = (): number => performance.now() - t0;
  let outcome;
  try {
    outcome = await readVerified("fuzz.dcm", bytes);
  } catch (err) {
    if (err instanceof AppError) return { kind: "rejected", ms: ms() };
    return { kind: "crash", ms: ms(), detail: String(err) };
  }
  if (outcome.kind === "skipped") return { kind: "skipped", ms: ms() };
  for (let i = 0; i < outcome.instance.frames.length; i++) {
    try {
      await outcome.instance.decodeFrame(i);
    } catch (err) {
      return { kind: "undecodable", ms: ms(), detail: `frame ${i}: ${String(err)}` };
    }
  }
  return { kind: "accepted", ms: ms() };
}
