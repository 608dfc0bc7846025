// Command-only DIMSE messages (C-STORE-RSP, C-ECHO-RSP, final C-FIND/C-MOVE/C-GET responses)
// encoded straight into one P-DATA-TF PDU. dcmjs-dimse encodes every command through dcmjs's
// writer, which allocates two zero-filled 256 KiB buffers per message (WriteBufferStream's
// default size) and formats the message for its log even when logging is off: ~0.3 ms of CPU
// and most of the garbage per C-STORE on the receiver's answering path (issue 14, round 8
// profile). A command set is a handful of group-0000 elements in Implicit VR Little Endian
// (PS3.7 6.3.1, E.1), so it is written here; anything this table does not know is left to
// dcmjs-dimse (`encodeCommand` answers null).

/** What `_sendPDataTF` is given: a request or response of dcmjs-dimse. */
export interface DimseCommand {
  getDataset(): unknown;
  getCommandDataset(): { getElements(): Record<string, unknown> };
}

/** dcmjs-dimse's Network method that writes one DIMSE message; not in its type declarations. */
declare module "dcmjs-dimse" {
  interface Scp {
    _sendPDataTF(command: unknown, presentationContextId: number, maxPduLength: number): void;
  }
}

/** Group 0000 elements of PS3.7 E.1 that a response carries, with their VR. */
const COMMAND_ELEMENTS: Record<string, { element: number; vr: "UI" | "US" | "AE" | "LO" }> = {
  AffectedSOPClassUID: { element: 0x0002, vr: "UI" },
  RequestedSOPClassUID: { element: 0x0003, vr: "UI" },
  CommandField: { element: 0x0100, vr: "US" },
  MessageID: { element: 0x0110, vr: "US" },
  MessageIDBeingRespondedTo: { element: 0x0120, vr: "US" },
  MoveDestination: { element: 0x0600, vr: "AE" },
  Priority: { element: 0x0700, vr: "US" },
  CommandDataSetType: { element: 0x0800, vr: "US" },
  Status: { element: 0x0900, vr: "US" },
  ErrorComment: { element: 0x0902, vr: "LO" },
  ErrorID: { element: 0x0903, vr: "US" },
  AffectedSOPInstanceUID: { element: 0x1000, vr: "UI" },
  RequestedSOPInstanceUID: { element: 0x1001, vr: "UI" },
  NumberOfRemainingSuboperations: { element: 0x1020, vr: "US" },
  NumberOfCompletedSuboperations: { element: 0x1021, vr: "US" },
  NumberOfFailedSuboperations: { element: 0x1022, vr: "US" },
  NumberOfWarningSuboperations: { element: 0x1023, vr: "US" },
  MoveOriginatorApplicationEntityTitle: { element: 0x1030, vr: "AE" },
  MoveOriginatorMessageID: { element: 0x1031, vr: "US" },
};

/** A naturalized value dcmjs keeps either bare or as a one-element array. */
function single(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

/** The value bytes of one element, padded to even length (PS3.5 6.2: UI with NUL, else space). */
function valueBytes(vr: string, value: unknown): Buffer | null {
  if (vr === "US") {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffff) {
      return null;
    }
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value, 0);
    return b;
  }
  if (typeof value !== "string") return null;
  const text = Buffer.from(value, "latin1");
  if (text.length % 2 === 0) return text;
  return Buffer.concat([text, Buffer.from(vr === "UI" ? [0] : [0x20])]);
}

/**
 * The command set (group length first) in Implicit VR Little Endian, or null when an element is
 * unknown to the table or its value is not a plain string or US number.
 */
export function encodeCommand(elements: Record<string, unknown>): Buffer | null {
  const parts: { element: number; bytes: Buffer }[] = [];
  for (const [name, raw] of Object.entries(elements)) {
    const value = single(raw);
    // An empty string stays a zero-length element (dcmjs-dimse writes ErrorComment "" so).
    if (value === undefined || value === null) continue;
    const def = COMMAND_ELEMENTS[name];
    if (!def) return null;
    const bytes = valueBytes(def.vr, value);
    if (!bytes) return null;
    parts.push({ element: def.element, bytes });
  }
  parts.sort((a, b) => a.element - b.element);
  const length = parts.reduce((n, p) => n + 8 + p.bytes.length, 0);
  const out = Buffer.alloc(12 + length);
  // (0000,0000) CommandGroupLength UL: the bytes after this element (PS3.7 E.1).
  out.writeUInt32LE(4, 4);
  out.writeUInt32LE(length, 8);
  let at = 12;
  for (const p of parts) {
    out.writeUInt16LE(0x0000, at);
    out.writeUInt16LE(p.element, at + 2);
    out.writeUInt32LE(p.bytes.length, at + 4);
    p.bytes.copy(out, at + 8);
    at += 8 + p.bytes.length;
  }
  return out;
}

/**
 * One P-DATA-TF PDU (PS3.8 9.3.5) holding `command` as a single PDV, flagged command + last
 * fragment (PS3.8 E.2). A command set is a few hundred bytes, under any peer's maximum PDU.
 */
export function commandPdu(presentationContextId: number, command: Buffer): Buffer {
  const itemLength = 2 + command.length;
  const pdu = Buffer.alloc(6 + 4 + itemLength);
  pdu.writeUInt8(0x04, 0);
  pdu.writeUInt32BE(4 + itemLength, 2);
  pdu.writeUInt32BE(itemLength, 6);
  pdu.writeUInt8(presentationContextId, 10);
  pdu.writeUInt8(0x03, 11);
  command.copy(pdu, 12);
  return pdu;
}

/** COMMAND_ELEMENTS by element number (the decoder's table). */
const COMMAND_BY_ELEMENT = new Map(
  Object.entries(COMMAND_ELEMENTS).map(([name, def]) => [def.element, { name, vr: def.vr }]),
);

/** A string element's text as dcmjs reads it, or null for bytes the fast path leaves to dcmjs. */
function decodeText(vr: "UI" | "AE" | "LO", bytes: Buffer): string | string[] | null {
  let end = bytes.length;
  // The padding byte (PS3.5 6.2): NUL for UI, a space otherwise; dcmjs drops it.
  if (end > 0 && bytes[end - 1] === (vr === "UI" ? 0 : 0x20)) end--;
  for (let i = 0; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c > 0x7e) return null;
    // A UID is digits and dots (PS3.5 9.1): dcmjs drops anything else, so it reads those.
    if (vr === "UI" && c !== 0x5c && c !== 0x2e && (c < 0x30 || c > 0x39)) return null;
    // An AE title holds no backslash (the value separator).
    if (vr === "AE" && c === 0x5c) return null;
  }
  const whole = bytes.toString("latin1", 0, end);
  // dcmjs trims the whole value's spaces, then splits it into values (inner spaces stay).
  const trimmed = whole.replace(/^ +| +$/g, "");
  if (trimmed === "" && whole !== "") return null; // all spaces: left to dcmjs's own rules
  const parts = trimmed.split("\\");
  return parts.length === 1 ? parts[0]! : parts;
}

/**
 * A command set (Implicit VR Little Endian, group 0000) decoded to the object dcmjs-dimse's
 * Dataset builds through dcmjs (`_vrMap`, then each element's keyword with a bare value when it
 * has one), or null when an element is not one this table knows or its bytes are not the plain
 * kind: the caller then lets dcmjs read it. dcmjs's reader costs ~0.2 ms per C-STORE-RQ on the
 * receiver's path (issue 14 profile); equality with it is tested element by element.
 */
export function decodeCommand(buffer: Buffer): Record<string, unknown> | null {
  const out: Record<string, unknown> = { _vrMap: {} };
  let at = 0;
  while (at < buffer.length) {
    if (at + 8 > buffer.length) return null;
    const group = buffer.readUInt16LE(at);
    const element = buffer.readUInt16LE(at + 2);
    const length = buffer.readUInt32LE(at + 4);
    const value = buffer.subarray(at + 8, at + 8 + length);
    if (group !== 0 || value.length !== length) return null;
    at += 8 + length;
    if (element === 0x0000) {
      if (length !== 4) return null;
      out.CommandGroupLength = value.readUInt32LE(0);
      continue;
    }
    const def = COMMAND_BY_ELEMENT.get(element);
    if (!def || def.name in out) return null;
    if (def.vr === "US") {
      if (length === 0 || length % 2 !== 0) return null;
      const values = Array.from({ length: length / 2 }, (_, k) => value.readUInt16LE(2 * k));
      out[def.name] = values.length === 1 ? values[0] : values;
    } else if (length === 0) {
      if (def.vr !== "LO") return null;
      out[def.name] = "";
    } else {
      const text = decodeText(def.vr, value);
      if (text === null) return null;
      out[def.name] = text;
    }
  }
  return out;
}

interface DatasetInternals {
  _fromElementsBuffer(buffer: Buffer, transferSyntaxUid: string, options: unknown): unknown;
}

const IMPLICIT_LE = "1.2.840.10008.1.2";
let installed = false;

/**
 * Makes dcmjs-dimse's Dataset read command sets with decodeCommand (its other data sets, and any
 * command the decoder declines, still through dcmjs). Once per process; idempotent.
 */
export function installCommandDecoder(dataset: { prototype: unknown }): void {
  if (installed) return;
  installed = true;
  const proto = dataset.prototype as DatasetInternals;
  const read = proto._fromElementsBuffer;
  proto._fromElementsBuffer = function (
    this: DatasetInternals,
    buffer: Buffer,
    transferSyntaxUid: string,
    options: unknown,
  ): unknown {
    const fast =
      transferSyntaxUid === IMPLICIT_LE && buffer.length >= 8 && buffer.readUInt16LE(0) === 0
        ? decodeCommand(buffer)
        : null;
    return fast ?? read.call(this, buffer, transferSyntaxUid, options);
  };
}

/**
 * A response's Error Comment (0000,0902), LO in the default repertoire (a command set has no
 * Specific Character Set): at most 64 characters of printable ASCII, a backslash (the value
 * separator) as "/" and anything else as "?", so a reason naming a file keeps its meaning.
 */
export function errorComment(text: string): string {
  return text
    .replace(/\\/g, "/")
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 64);
}

/** DIMSE status codes used by the storage SCP (PS3.4 B.2.3, PS3.7 C). */
export const STATUS = {
  success: 0x0000,
  outOfResources: 0xa700,
  dataSetDoesNotMatchSopClass: 0xa900,
  cannotUnderstand: 0xc000,
  sopClassNotSupported: 0x0122,
} as const;
