// The first bytes of each encapsulated frame checked against the transfer syntax's codec, at
// import: a file that says JPEG 2000 but carries JPEG (or random bytes) is rejected with a reason
// when it is read, deterministically, not when someone first opens the series (issue 12).
import { DicomParseError } from "../../contract/errors";
import type { PixelCodec, TransferSyntax } from "./transfer-syntax";

const SOI = 0xd8;

/**
 * Start-of-frame markers each JPEG codec decodes (ISO/IEC 10918-1 B.1.1.3, ISO/IEC 14495-1
 * C.2.2): SOF0/SOF1 are DCT baseline and extended (8-bit encoders often label either way),
 * SOF3 is lossless process 14, SOF55 (F7) is JPEG-LS.
 */
const SOF_OF: Partial<Record<PixelCodec, readonly number[]>> = {
  "jpeg-baseline": [0xc0, 0xc1],
  "jpeg-extended": [0xc0, 0xc1],
  "jpeg-lossless": [0xc3],
  "jpeg-ls": [0xf7],
};

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}

/** The first start-of-frame marker after SOI, or null when the marker chain breaks first. */
export function jpegFrameMarker(data: Uint8Array): number | null {
  let pos = 2;
  for (let guard = 0; guard < 256 && pos + 4 <= data.length; guard++) {
    if (data[pos] !== 0xff) return null;
    const m = data[pos + 1]!;
    if (m === 0xff) {
      pos += 1; // fill byte (B.1.1.2)
      continue;
    }
    const isSof = (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;
    if (isSof) return m;
    if (m === 0xd9 || m === 0xda) return null; // EOI or scan data before any frame header
    pos += 2 + ((data[pos + 2]! << 8) | data[pos + 3]!);
  }
  return null;
}

function isJ2kCodestream(d: Uint8Array): boolean {
  // SOC then SIZ (ISO/IEC 15444-1 A.4.1, A.5.1), or the JP2 signature box (Annex I.5.1).
  if (d.length >= 4 && d[0] === 0xff && d[1] === 0x4f && d[2] === 0xff && d[3] === 0x51) {
    return true;
  }
  return d.length >= 12 && d[3] === 0x0c && d[4] === 0x6a && d[5] === 0x50 && d[6] === 0x20;
}

/** RLE header (PS3.5 G.5): 1-15 segments, the first at offset 64, offsets rising within the frame. */
function rleProblem(d: Uint8Array): string | null {
  if (d.length < 64) return `RLE frame of ${d.length} bytes is shorter than its 64-byte header`;
  const view = new DataView(d.buffer, d.byteOffset, 64);
  const segments = view.getUint32(0, true);
  if (segments < 1 || segments > 15) return `RLE header declares ${segments} segments (1-15)`;
  let previous = 0;
  for (let i = 0; i < segments; i++) {
    const offset = view.getUint32(4 + 4 * i, true);
    if ((i === 0 && offset !== 64) || offset < previous || offset > d.length) {
      return `RLE segment ${i + 1} offset ${offset} is not within the frame of ${d.length} bytes`;
    }
    previous = offset;
  }
  return null;
}

/** Why frame `index`'s bytes do not match `syntax`, or null when they open as its codec expects. */
export function codestreamProblem(syntax: TransferSyntax, data: Uint8Array): string | null {
  const codec = syntax.codec;
  switch (codec) {
    case "rle":
      return rleProblem(data);
    case "jpeg-2000":
    case "htj2k":
      return isJ2kCodestream(data) ? null : "the frame does not start a JPEG 2000 codestream";
    case "jpeg-baseline":
    case "jpeg-extended":
    case "jpeg-lossless":
    case "jpeg-ls": {
      if (data.length < 4 || data[0] !== 0xff || data[1] !== SOI) {
        return "the frame does not start with a JPEG SOI marker (FFD8)";
      }
      const sof = jpegFrameMarker(data);
      if (sof === null) return "no JPEG frame header (SOFn) found";
      if (!SOF_OF[codec]!.includes(sof)) {
        return `the frame is coded with JPEG marker FF${hex(sof)}, which this transfer syntax does not use`;
      }
      return null;
    }
    case "native":
    case "none":
      return null;
  }
}

export function checkCodestream(syntax: TransferSyntax, index: number, data: Uint8Array): void {
  const problem = codestreamProblem(syntax, data);
  if (problem !== null) {
    throw new DicomParseError(
      `pixel data does not match transfer syntax ${syntax.uid} (${syntax.name}): frame ` +
        `${index + 1}: ${problem}`,
    );
  }
}
