// Hostile inputs for import tests, generated (STYLE.md 11): a deflated data set that is slow to
// read but within every limit, and a folder of deeply nested sequences like the one that held the
// main loop for 62 s in issue 12.
import fs from "node:fs";
import path from "node:path";
import { constants, deflateRawSync } from "node:zlib";
import { concat, mrImage, part10, u16le, u32le } from "../../dicom/read/part10";

const DEFLATED = "1.2.840.10008.1.2.1.99";
const SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7";

/**
 * A deflated secondary-capture object declaring a 16384 x 16384 16-bit image (512 MiB), so the
 * reader lets it inflate that far: seconds of work in one file. The compressed stream repeats one
 * independently deflated 1 MiB block of zeros (full flush, RFC 1951 3.2.3 blocks concatenate),
 * so it is built in milliseconds and weighs ~2 MB.
 */
export function slowDeflatedFile(mib = 512): Uint8Array {
  const explicit = part10(
    [
      [0x00080016, "UI", SECONDARY_CAPTURE],
      [0x00080018, "UI", "1.2.826.0.1.3680043.10.999.77.1"],
      [0x00080060, "CS", "OT"],
      [0x00280002, "US", u16le(1)],
      [0x00280010, "US", u16le(16384)],
      [0x00280011, "US", u16le(16384)],
      [0x00280100, "US", u16le(16)],
    ],
    { transferSyntax: DEFLATED },
  );
  const metaEnd = 144 + new DataView(explicit.buffer).getUint32(140, true);
  const pixelHeader = concat(
    u16le(0x7fe0, 0x0010),
    Uint8Array.from([0x4f, 0x57, 0, 0]),
    u32le(mib * 2 ** 20),
  );
  const full = { finishFlush: constants.Z_FULL_FLUSH, level: 1 };
  const head = deflateRawSync(concat(explicit.subarray(metaEnd), pixelHeader), full);
  const block = deflateRawSync(new Uint8Array(2 ** 20), full);
  const end = deflateRawSync(new Uint8Array(0));
  const parts: Uint8Array[] = [explicit.subarray(0, metaEnd), head];
  for (let i = 0; i < mib; i++) parts.push(block);
  parts.push(end);
  return concat(...parts);
}

/** An MR image carrying a private sequence nested `depth` deep (undefined lengths). */
export function deeplyNestedFile(depth: number, sop: number): Uint8Array {
  const open = [0x09, 0x00, 0x02, 0x10, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff];
  const item = [0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff];
  const close = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];
  const nested: number[] = [];
  for (let i = 0; i < depth; i++) nested.push(...open, ...item);
  for (let i = 0; i < depth; i++) nested.push(...close);
  const base = mrImage(2, 2, u16le(1, 2, 3, 4), [[0x00080018, "UI", `1.2.3.4.5.${sop}`]]);
  return concat(base, Uint8Array.from(nested));
}

export function writeHostileFolder(dir: string, files: number, depth = 2600): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i++) {
    fs.writeFileSync(
      path.join(dir, `nested-${String(i).padStart(3, "0")}.dcm`),
      deeplyNestedFile(depth, i),
    );
  }
}
