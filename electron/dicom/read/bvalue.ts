// Series-level diffusion b-value: the standard attribute (0018,9087) first, then the private
// tags the three big vendors write on classic MR images, each only under its own private creator
// (PS3.5 7.8.1), since the same element numbers mean other things in other blocks.
import type { Dataset } from "./dcmjs-parse";
import { rawValue, type ScannedFile } from "./scan";
import { num } from "./values";

function ascii(bytes: Uint8Array | null): string {
  return bytes
    ? String.fromCharCode(...bytes)
        .replace(/[\0 ]+$/, "")
        .trim()
    : "";
}

/** The private creator reserving block `element` (0xXX) in `group` at (gggg,00XX). */
function creator(scan: ScannedFile, group: number, block: number): string {
  return ascii(rawValue(scan, ((group << 16) | block) >>> 0)).toUpperCase();
}

function firstNumber(text: string): number | null {
  const n = Number(text.split("\\")[0]?.trim());
  return text !== "" && Number.isFinite(n) ? n : null;
}

/**
 * GE (0043,1039) "Slop_int_6...9": value 1 is the b-value, written plus 1e9 on some software
 * versions (a flag in the high digits), so it is taken modulo 1e9.
 */
function geBValue(scan: ScannedFile): number | null {
  if (creator(scan, 0x0043, 0x10) !== "GEMS_PARM_01") return null;
  const v = firstNumber(ascii(rawValue(scan, 0x00431039)));
  return v === null ? null : v % 1e9;
}

/** Siemens (0019,100C) "B_value" IS, in the "SIEMENS MR HEADER" block. */
function siemensBValue(scan: ScannedFile): number | null {
  if (creator(scan, 0x0019, 0x10) !== "SIEMENS MR HEADER") return null;
  return firstNumber(ascii(rawValue(scan, 0x0019100c)));
}

/** Philips (2001,1003) "Diffusion B-Factor" FL, in the "Philips Imaging DD 001" block. */
function philipsBValue(scan: ScannedFile): number | null {
  if (creator(scan, 0x2001, 0x10) !== "PHILIPS IMAGING DD 001") return null;
  const bytes = rawValue(scan, 0x20011003);
  if (!bytes || bytes.length < 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const v = view.getFloat32(0, scan.syntax.littleEndian);
  return Number.isFinite(v) ? v : null;
}

export function diffusionBValue(ds: Dataset, scan: ScannedFile): number | null {
  return num(ds, "DiffusionBValue") ?? geBValue(scan) ?? siemensBValue(scan) ?? philipsBValue(scan);
}
