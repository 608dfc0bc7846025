// A byte-level walk of a Part 10 file: preamble, file meta information, and the top level of the
// data set. dcmjs tolerates truncation silently (FIELD-NOTES), so structure is checked here first;
// the walk also locates Pixel Data and the raw bytes of top-level text elements for charset.ts.
import { DicomParseError } from "../../contract/errors";
import { inflateDataset } from "./inflate";
import { LimitExceededError, MAX_ELEMENTS, MAX_SEQUENCE_DEPTH } from "./limits";
import { lookupTransferSyntax, type TransferSyntax } from "./transfer-syntax";

export const UNDEFINED_LENGTH = 0xffffffff;
export const TAG_PIXEL_DATA = 0x7fe00010;
const TAG_ITEM = 0xfffee000;
const TAG_ITEM_DELIMITER = 0xfffee00d;
const TAG_SEQUENCE_DELIMITER = 0xfffee0dd;

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 7.1.2). */
export const LONG_VRS: ReadonlySet<string> = new Set([
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

export interface ElementRef {
  tag: number;
  /** Two-letter VR; "" in implicit VR. */
  vr: string;
  valueOffset: number;
  /** Declared value length; UNDEFINED_LENGTH for sequences and encapsulated pixel data. */
  length: number;
  /** Bytes of the value actually present (differs from length only for cut Pixel Data). */
  available: number;
  /** Offset of the element's tag. */
  start: number;
}

export interface Fragment {
  offset: number;
  length: number;
}

export interface ScannedFile {
  /** The bytes the offsets refer to: the file, or for deflated files the inflated data set. */
  bytes: Uint8Array;
  transferSyntaxUid: string;
  syntax: TransferSyntax;
  mediaStorageSopClassUid: string;
  /** File meta elements (group 0002) in file order; offsets refer to the file as given. */
  meta: ElementRef[];
  /** Offset of the data set's first element in `bytes`. */
  datasetOffset: number;
  /** Top-level elements of the data set by tag. */
  elements: Map<number, ElementRef>;
  /** Items of encapsulated Pixel Data, Basic Offset Table first (PS3.5 A.4); null if native. */
  fragments: Fragment[] | null;
  /** First element found with VR UN and undefined length (PS3.5 6.2.2), which dcmjs cannot read. */
  unWithUndefinedLength: number | null;
}

export function tagString(tag: number): string {
  const hex = (tag >>> 0).toString(16).toUpperCase().padStart(8, "0");
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

class Cursor {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    readonly explicitVr: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number {
    return this.view.getUint16(at, this.littleEndian);
  }
  u32(at: number): number {
    return this.view.getUint32(at, this.littleEndian);
  }
  tag(at: number): number {
    return ((this.u16(at) << 16) | this.u16(at + 2)) >>> 0;
  }
}

interface Header {
  tag: number;
  vr: string;
  length: number;
  valueOffset: number;
}

function truncated(what: string, at: number, size: number): DicomParseError {
  return new DicomParseError(`file truncated in the header: ${what} at byte ${at} of ${size}`);
}

function readHeader(c: Cursor, at: number, end: number): Header {
  if (at + 8 > end) {
    const what =
      at + 4 <= end ? `element ${tagString(c.tag(at))} header cut` : "element header cut";
    throw truncated(what, at, end);
  }
  const tag = c.tag(at);
  if (tag >>> 16 === 0xfffe || !c.explicitVr) {
    return { tag, vr: "", length: c.u32(at + 4), valueOffset: at + 8 };
  }
  const b0 = c.bytes[at + 4]!;
  const b1 = c.bytes[at + 5]!;
  if (b0 < 0x41 || b0 > 0x5a || b1 < 0x41 || b1 > 0x5a) {
    throw new DicomParseError(
      `invalid value representation bytes 0x${b0.toString(16)} 0x${b1.toString(16)} ` +
        `for element ${tagString(tag)} at byte ${at} (PS3.5 7.1.2)`,
    );
  }
  const vr = String.fromCharCode(b0, b1);
  if (LONG_VRS.has(vr)) {
    if (at + 12 > end) throw truncated(`element ${tagString(tag)} header cut`, at, end);
    return { tag, vr, length: c.u32(at + 8), valueOffset: at + 12 };
  }
  return { tag, vr, length: c.u16(at + 6), valueOffset: at + 8 };
}

/** Counts one more element (or fragment) against MAX_ELEMENTS. */
function countElement(state: WalkState, at: number): void {
  state.elements += 1;
  if (state.elements > MAX_ELEMENTS) {
    throw new LimitExceededError(
      `more than ${MAX_ELEMENTS.toLocaleString("en-US")} data elements (at byte ${at}): ` +
        `refused to bound reading time`,
    );
  }
}

/** Runs `walk` one sequence level deeper, refusing nesting past MAX_SEQUENCE_DEPTH. */
function nested<T>(state: WalkState, tag: number, at: number, walk: () => T): T {
  state.depth += 1;
  if (state.depth > MAX_SEQUENCE_DEPTH) {
    throw new LimitExceededError(
      `sequences nested more than ${MAX_SEQUENCE_DEPTH} deep (element ${tagString(tag)} at ` +
        `byte ${at}): refused to bound reading time`,
    );
  }
  try {
    return walk();
  } finally {
    state.depth -= 1;
  }
}

/** Walks one item of a sequence: its elements up to its delimiter or its declared end. */
function walkItem(c: Cursor, h: Header, end: number, state: WalkState): number {
  if (h.length === UNDEFINED_LENGTH) return walkElements(c, h.valueOffset, end, state, "item");
  const itemEnd = h.valueOffset + h.length;
  if (itemEnd > end) {
    throw truncated(`sequence item declares ${h.length} bytes`, h.valueOffset - 8, end);
  }
  walkElements(c, h.valueOffset, itemEnd, state, "bounded");
  return itemEnd;
}

/** Walks the items of an undefined-length sequence; returns the offset after its delimiter. */
function skipSequence(c: Cursor, at: number, end: number, state: WalkState): number {
  let pos = at;
  for (;;) {
    const h = readHeader(c, pos, end);
    countElement(state, pos);
    if (h.tag === TAG_SEQUENCE_DELIMITER) return h.valueOffset;
    if (h.tag !== TAG_ITEM) {
      throw new DicomParseError(
        `invalid sequence: expected an item at byte ${pos}, found ${tagString(h.tag)} (PS3.5 7.5)`,
      );
    }
    pos = walkItem(c, h, end, state);
  }
}

/** Walks the items of a sequence of defined length, which must fill it exactly (PS3.5 7.5.1). */
function walkDefinedSequence(c: Cursor, at: number, end: number, state: WalkState): void {
  let pos = at;
  while (pos < end) {
    const h = readHeader(c, pos, end);
    countElement(state, pos);
    if (h.tag !== TAG_ITEM) {
      throw new DicomParseError(
        `invalid sequence: expected an item at byte ${pos}, found ${tagString(h.tag)} (PS3.5 7.5)`,
      );
    }
    pos = walkItem(c, h, end, state);
  }
}

/**
 * A defined-length value in implicit VR that opens with an item tag is taken for a sequence, as
 * a dictionary-driven parser would read it; when it does not walk as one it stays an opaque value.
 * Limits are enforced either way.
 */
function walkImplicitCandidate(c: Cursor, h: Header, state: WalkState): void {
  if (c.explicitVr || h.length < 8 || c.tag(h.valueOffset) !== TAG_ITEM) return;
  const saved = { elements: state.elements, depth: state.depth };
  try {
    nested(state, h.tag, h.valueOffset, () =>
      walkDefinedSequence(c, h.valueOffset, h.valueOffset + h.length, state),
    );
  } catch (err) {
    if (err instanceof LimitExceededError) throw err;
    state.elements = saved.elements;
    state.depth = saved.depth;
  }
}

function elementRef(h: Header, available: number, start: number): ElementRef {
  return { tag: h.tag, vr: h.vr, valueOffset: h.valueOffset, length: h.length, available, start };
}

interface WalkState {
  unWithUndefinedLength: number | null;
  /** Sequences open around the element being walked. */
  depth: number;
  /** Elements, items and fragments walked so far. */
  elements: number;
  top: Map<number, ElementRef> | null;
  fragments: Fragment[] | null;
}

/**
 * Walks elements until `end`: the data set ("top"), an item of undefined length up to its
 * delimiter ("item"), or an item of defined length up to its declared end ("bounded").
 */
function walkElements(
  c: Cursor,
  at: number,
  end: number,
  state: WalkState,
  mode: "top" | "item" | "bounded",
): number {
  let pos = at;
  const inItem = mode !== "top";
  const top = inItem ? null : state.top;
  while (pos < end) {
    const start = pos;
    const h = readHeader(c, pos, end);
    countElement(state, pos);
    if (mode === "item" && h.tag === TAG_ITEM_DELIMITER) return h.valueOffset;
    const group = h.tag >>> 16;
    if (!inItem && (group === 0x0001 || group === 0x0003 || group === 0x0005 || group === 0x0007)) {
      throw new DicomParseError(
        `invalid element ${tagString(h.tag)} at byte ${pos}: groups 0001, 0003, 0005 and 0007 ` +
          `may not be used (PS3.5 7.1)`,
      );
    }
    if (h.length === UNDEFINED_LENGTH) {
      if (h.tag === TAG_PIXEL_DATA && !inItem) {
        state.fragments = [];
        pos = readFragments(c, h.valueOffset, end, state.fragments, state);
      } else if (h.vr === "UN") {
        // PS3.5 6.2.2: an undefined-length UN is a sequence encoded in implicit VR little endian.
        state.unWithUndefinedLength ??= h.tag;
        const implicit = new Cursor(c.bytes, true, false);
        pos = nested(state, h.tag, pos, () => skipSequence(implicit, h.valueOffset, end, state));
      } else {
        pos = nested(state, h.tag, pos, () => skipSequence(c, h.valueOffset, end, state));
      }
      top?.set(h.tag, elementRef(h, pos - h.valueOffset, start));
      continue;
    }
    const valueEnd = h.valueOffset + h.length;
    if (valueEnd > end) {
      if (h.tag === TAG_PIXEL_DATA && !inItem) {
        // Reported by the pixel checks with the expected and found sizes.
        top?.set(h.tag, elementRef(h, end - h.valueOffset, start));
        return end;
      }
      if (mode === "bounded") {
        throw new DicomParseError(
          `invalid sequence item: element ${tagString(h.tag)} at byte ${pos} declares ` +
            `${h.length} bytes, past the end of its item at byte ${end} (PS3.5 7.5.1)`,
        );
      }
      throw truncated(`element ${tagString(h.tag)} declares ${h.length} bytes`, pos, end);
    }
    if (h.vr === "SQ") {
      nested(state, h.tag, pos, () => walkDefinedSequence(c, h.valueOffset, valueEnd, state));
    } else {
      walkImplicitCandidate(c, h, state);
    }
    top?.set(h.tag, elementRef(h, h.length, start));
    pos = valueEnd;
  }
  if (mode === "item") throw truncated("sequence item without its delimiter", pos, end);
  return pos;
}

/** Reads the items of encapsulated Pixel Data (PS3.5 A.4): offset table, then fragments. */
function readFragments(
  c: Cursor,
  at: number,
  end: number,
  out: Fragment[],
  state: WalkState,
): number {
  let pos = at;
  for (;;) {
    countElement(state, pos);
    if (pos + 8 > end) {
      throw new DicomParseError(
        `pixel data truncated: encapsulated fragments end at byte ${end} without a sequence delimiter`,
      );
    }
    const tag = c.tag(pos);
    const length = c.u32(pos + 4);
    if (tag === TAG_SEQUENCE_DELIMITER) return pos + 8;
    if (tag !== TAG_ITEM) {
      throw new DicomParseError(
        `invalid encapsulated pixel data: expected an item at byte ${pos}, found ${tagString(tag)} ` +
          `(PS3.5 A.4)`,
      );
    }
    if (pos + 8 + length > end) {
      throw new DicomParseError(
        `pixel data truncated: fragment ${out.length} declares ${length} bytes, ` +
          `found ${end - pos - 8}`,
      );
    }
    out.push({ offset: pos + 8, length });
    pos += 8 + length;
  }
}

function asciiValue(bytes: Uint8Array, ref: ElementRef | undefined): string {
  if (!ref || ref.length === UNDEFINED_LENGTH) return "";
  let s = "";
  for (let i = ref.valueOffset; i < ref.valueOffset + ref.length; i++) {
    s += String.fromCharCode(bytes[i]!);
  }
  return s.replace(/[\0 ]+$/, "").trim();
}

/** Explains a file that lacks the 128-byte preamble and "DICM" (PS3.10 7.1). */
function notPart10(bytes: Uint8Array): DicomParseError {
  if (bytes.length === 0) return new DicomParseError("empty file (0 bytes)");
  const head = bytes.subarray(0, Math.min(bytes.length, 512));
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f));
  if (printable) return new DicomParseError("not a DICOM file: the file is plain text");
  if (bytes.length >= 8) {
    const group = bytes[0]! | (bytes[1]! << 8);
    const element = bytes[2]! | (bytes[3]! << 8);
    const tag = tagString(((group << 16) | element) >>> 0);
    if (group === 0x0002) {
      return new DicomParseError(
        `not a DICOM Part 10 file: no 128-byte preamble and "DICM" prefix (PS3.10 7.1); ` +
          `the file starts directly with file meta element ${tag}`,
      );
    }
    if (group === 0x0008) {
      return new DicomParseError(
        `not a DICOM Part 10 file: no preamble and no file meta information (PS3.10 7.1); ` +
          `the file is a bare data set starting with ${tag}`,
      );
    }
  }
  return new DicomParseError(
    `not a DICOM file: no "DICM" prefix after the 128-byte preamble (PS3.10 7.1)`,
  );
}

function readMeta(bytes: Uint8Array): { elements: Map<number, ElementRef>; end: number } {
  const c = new Cursor(bytes, true, true);
  const elements = new Map<number, ElementRef>();
  let pos = 132;
  while (pos + 4 <= bytes.length && c.u16(pos) === 0x0002) {
    const b0 = bytes[pos + 4] ?? 0;
    if (b0 < 0x41 || b0 > 0x5a) {
      throw new DicomParseError(
        "file meta information is not encoded in explicit VR little endian (PS3.10 7.1)",
      );
    }
    const h = readHeader(c, pos, bytes.length);
    if (h.length === UNDEFINED_LENGTH || h.valueOffset + h.length > bytes.length) {
      throw truncated(`file meta element ${tagString(h.tag)}`, pos, bytes.length);
    }
    elements.set(h.tag, elementRef(h, h.length, pos));
    pos = h.valueOffset + h.length;
  }
  return { elements, end: pos };
}

/** Checks the file's structure and indexes its top-level elements. Throws DicomParseError. */
export function scanPart10(data: Uint8Array): ScannedFile {
  if (data.length < 132 || String.fromCharCode(...data.subarray(128, 132)) !== "DICM") {
    throw notPart10(data);
  }
  const meta = readMeta(data);
  const transferSyntaxUid = asciiValue(data, meta.elements.get(0x00020010));
  if (transferSyntaxUid === "") {
    throw new DicomParseError(
      "file meta information has no Transfer Syntax UID (0002,0010) (PS3.10 7.1)",
    );
  }
  if (!/^\d+(\.\d+)*$/.test(transferSyntaxUid)) {
    const shown = transferSyntaxUid.replace(/[^\x20-\x7e]/g, "?").slice(0, 64);
    throw new DicomParseError(
      `invalid Transfer Syntax UID "${shown}" in the file meta information (PS3.5 9.1)`,
    );
  }
  // Unknown syntaxes are private encapsulated ones: PS3.5 A.4 encodes those in explicit VR LE.
  const syntax = lookupTransferSyntax(transferSyntaxUid) ?? {
    uid: transferSyntaxUid,
    name: "unknown transfer syntax",
    explicitVr: true,
    littleEndian: true,
    deflated: false,
    encapsulated: true,
    codec: "none" as const,
  };
  let bytes = data;
  let datasetOffset = meta.end;
  if (syntax.deflated) {
    bytes = inflateDataset(data.subarray(meta.end));
    datasetOffset = 0;
  }
  const state: WalkState = {
    unWithUndefinedLength: null,
    depth: 0,
    elements: 0,
    top: new Map(),
    fragments: null,
  };
  const c = new Cursor(bytes, syntax.littleEndian, syntax.explicitVr);
  walkElements(c, datasetOffset, bytes.length, state, "top");
  return {
    bytes,
    transferSyntaxUid,
    syntax,
    mediaStorageSopClassUid: asciiValue(data, meta.elements.get(0x00020002)),
    meta: [...meta.elements.values()],
    datasetOffset,
    elements: state.top!,
    fragments: state.fragments,
    unWithUndefinedLength: state.unWithUndefinedLength,
  };
}

/** The raw value bytes of a top-level element, or null when absent or undefined-length. */
export function rawValue(scan: ScannedFile, tag: number): Uint8Array | null {
  const ref = scan.elements.get(tag);
  if (!ref || ref.length === UNDEFINED_LENGTH) return null;
  return scan.bytes.subarray(ref.valueOffset, ref.valueOffset + ref.available);
}
