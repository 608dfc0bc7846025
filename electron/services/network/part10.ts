// A received C-STORE data set -> a Part 10 file (PS3.10 7.1): 128-byte preamble, "DICM", the File
// Meta Information group in Explicit VR Little Endian, then the data set bytes exactly as they
// came off the wire in the negotiated transfer syntax. Keeping the sender's bytes (instead of
// parsing and re-encoding them, which dcmjs-dimse does by default) keeps private tags and
// anything else dcmjs would not write back.
// In: data set bytes + SOP class/instance + transfer syntax. Out: the file's bytes.
import { DicomParseError } from "../../contract/errors";

/** This application's implementation identity (PS3.7 D.3.3.2), a UUID-derived UID (PS3.5 B.2). */
export const IMPLEMENTATION_CLASS_UID = "2.25.330413756923030152156985907745051983557";
export const IMPLEMENTATION_VERSION = "LIVERCAD_010";

export interface MetaInfo {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** Source Application Entity Title (0002,0016): the calling AE the file came from. */
  sourceAeTitle?: string;
}

const ascii = new TextEncoder();

/** UI values are padded with NUL, other text with a space, to even length (PS3.5 6.2). */
function padded(value: string, vr: string): Uint8Array {
  const bytes = ascii.encode(value);
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = vr === "UI" ? 0 : 0x20;
  return out;
}

function element(group: number, el: number, vr: string, value: Uint8Array): Uint8Array {
  const longForm = vr === "OB" || vr === "UN" || vr === "SQ";
  const header = new Uint8Array(longForm ? 12 : 8);
  const view = new DataView(header.buffer);
  view.setUint16(0, group, true);
  view.setUint16(2, el, true);
  header[4] = vr.charCodeAt(0);
  header[5] = vr.charCodeAt(1);
  if (longForm) view.setUint32(8, value.length, true);
  else view.setUint16(6, value.length, true);
  const out = new Uint8Array(header.length + value.length);
  out.set(header);
  out.set(value, header.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function fileMetaGroup(meta: MetaInfo): Uint8Array {
  const body = [
    element(0x0002, 0x0001, "OB", new Uint8Array([0, 1])),
    element(0x0002, 0x0002, "UI", padded(meta.sopClassUid, "UI")),
    element(0x0002, 0x0003, "UI", padded(meta.sopInstanceUid, "UI")),
    element(0x0002, 0x0010, "UI", padded(meta.transferSyntaxUid, "UI")),
    element(0x0002, 0x0012, "UI", padded(IMPLEMENTATION_CLASS_UID, "UI")),
    element(0x0002, 0x0013, "SH", padded(IMPLEMENTATION_VERSION, "SH")),
  ];
  const source = meta.sourceAeTitle?.trim();
  if (source) body.push(element(0x0002, 0x0016, "AE", padded(source.slice(0, 16), "AE")));
  const content = concat(body);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, content.length, true);
  return concat([element(0x0002, 0x0000, "UL", length), content]);
}

export function part10File(meta: MetaInfo, dataset: Uint8Array): Uint8Array {
  const preamble = new Uint8Array(132);
  preamble.set(ascii.encode("DICM"), 128);
  return concat([preamble, fileMetaGroup(meta), dataset]);
}

/**
 * The data set of a Part 10 file (what follows the meta group) and its transfer syntax, for
 * sending a stored file byte for byte. Throws when the file has no "DICM" or no (0002,0010).
 */
export function splitPart10(bytes: Uint8Array): {
  dataset: Uint8Array;
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
} {
  const text = new TextDecoder("latin1");
  if (bytes.length < 144 || text.decode(bytes.subarray(128, 132)) !== "DICM") {
    throw new DicomParseError(
      "not a DICOM Part 10 file (no DICM prefix after the 128-byte preamble)",
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 132;
  const values = new Map<number, string>();
  while (offset + 8 <= bytes.length && view.getUint16(offset, true) === 0x0002) {
    const el = view.getUint16(offset + 2, true);
    const vr = text.decode(bytes.subarray(offset + 4, offset + 6));
    let length: number;
    let start: number;
    if (["OB", "OW", "OF", "SQ", "UT", "UN"].includes(vr)) {
      length = view.getUint32(offset + 8, true);
      start = offset + 12;
    } else {
      length = view.getUint16(offset + 6, true);
      start = offset + 8;
    }
    if (start + length > bytes.length)
      throw new DicomParseError("file meta information is truncated");
    values.set(
      el,
      text
        .decode(bytes.subarray(start, start + length))
        .replace(/[\0 ]+$/, "")
        .trim(),
    );
    offset = start + length;
  }
  const transferSyntaxUid = values.get(0x0010);
  if (!transferSyntaxUid)
    throw new DicomParseError("file meta information has no Transfer Syntax UID");
  return {
    dataset: bytes.subarray(offset),
    transferSyntaxUid,
    sopClassUid: values.get(0x0002) ?? "",
    sopInstanceUid: values.get(0x0003) ?? "",
  };
}
