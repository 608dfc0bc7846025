// Damaged files never crash the reader: cut at every kind of place and with bytes overwritten,
// a file either reads (instance or skip) or is rejected with an AppError; decoding the frames of
// whatever still reads either works or throws an AppError. Mutations come from a seeded
// generator, so a failure names the seed and the case that reproduces it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../electron/contract/errors";
import { readDicomFile } from "../../../electron/dicom/read/index";

const SAMPLES = path.resolve(__dirname, "../../../../shared/dicom-samples");

/** mulberry32: a small deterministic PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function outcome(bytes: Uint8Array): Promise<string> {
  try {
    const out = await readDicomFile("fuzz.dcm", bytes);
    if (out.kind === "skipped") return "skipped";
    for (let i = 0; i < out.instance.frames.length; i++) {
      try {
        await out.instance.decodeFrame(i);
      } catch (err) {
        if (!(err instanceof AppError)) return `decode threw ${String(err)}`;
      }
    }
    return "instance";
  } catch (err) {
    return err instanceof AppError ? "rejected" : `read threw ${String(err)}`;
  }
}

const FILES = [
  "mr-classic/MR_small.dcm",
  "mr-classic/MR_small_RLE.dcm",
  "mr-classic/MR_small_implicit.dcm",
  "mr-classic/MR_small_bigendian.dcm",
  "mr-classic/MR_small_jpeg_ls_lossless.dcm",
  "mr-classic/MR_small_jp2klossless.dcm",
  "mr-enhanced/emri_small_RLE.dcm",
  "not-mr/report_dfl",
];

describe("damaged files", () => {
  for (const file of FILES) {
    it(`${file}: 60 cuts and 60 overwrites (seed 7)`, async () => {
      const original = new Uint8Array(readFileSync(path.join(SAMPLES, file)));
      const rand = random(7);
      const failures: string[] = [];
      for (let k = 0; k < 120; k++) {
        let bytes: Uint8Array;
        let label: string;
        if (k < 60) {
          const at = Math.floor(rand() * original.length);
          bytes = original.subarray(0, at);
          label = `cut at ${at}`;
        } else {
          bytes = original.slice();
          const at = 128 + Math.floor(rand() * (Math.min(bytes.length, 4096) - 128));
          const n = 1 + Math.floor(rand() * 8);
          for (let i = 0; i < n && at + i < bytes.length; i++)
            bytes[at + i] = Math.floor(rand() * 256);
          label = `${n} bytes overwritten at ${at}`;
        }
        const result = await outcome(bytes);
        if (result.includes("threw")) failures.push(`${label}: ${result}`);
      }
      expect(failures).toEqual([]);
    });
  }
});
