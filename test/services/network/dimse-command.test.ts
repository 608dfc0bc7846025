// The receiver's own encoding of command-only DIMSE messages (dimse-command.ts) against
// dcmjs-dimse's: the same bytes for the responses the SCP sends, and null (the library's way)
// for what the table does not know. And its decoding of command sets against dcmjs's reader: the
// same object for 300 random commands and the edge cases, null for what it leaves to dcmjs.
import dcmjs from "dcmjs";
import { Dataset, responses } from "dcmjs-dimse";
import { describe, expect, it } from "vitest";
import {
  commandPdu,
  decodeCommand,
  encodeCommand,
  errorComment,
  installCommandDecoder,
} from "../../../electron/services/network/dimse-command";
import { seededRandom } from "../../../electron/pipeline/random";

const MR = "1.2.840.10008.5.1.4.1.1.4";
const IMPLICIT_LE = "1.2.840.10008.1.2";

/** dcmjs-dimse's bytes for a command set: what its `_sendPDataTF` puts in the PDV. */
function libraryBytes(r: { getCommandDataset(): { getDenaturalizedCommandDataset(): Buffer } }) {
  return r.getCommandDataset().getDenaturalizedCommandDataset();
}

function elementsOf(r: { getCommandDataset(): { getElements(): Record<string, unknown> } }) {
  return r.getCommandDataset().getElements();
}

describe("encodeCommand", () => {
  it("writes a C-STORE-RSP byte for byte as dcmjs-dimse does (odd-length UID padded with NUL)", () => {
    const r = new responses.CStoreResponse(0x0000, "");
    r.setAffectedSopClassUid(MR);
    r.setAffectedSopInstanceUid("1.2.3.45");
    r.setMessageIdBeingRespondedTo(7);
    const ours = encodeCommand(elementsOf(r));
    expect(ours).not.toBeNull();
    expect(ours!.toString("hex")).toBe(libraryBytes(r).toString("hex"));
    // Group length, then (0000,0002) first; the 8-character UID stays unpadded, MR's 25 gets a NUL.
    expect(ours!.readUInt32LE(8)).toBe(ours!.length - 12);
    expect(ours!.subarray(20, 20 + 26).toString("latin1")).toBe(`${MR}\0`);
  });

  it("writes a failure with an error comment (LO padded with a space) as dcmjs-dimse does", () => {
    const r = new responses.CStoreResponse(0xa700, "disk full");
    r.setAffectedSopClassUid(MR);
    r.setAffectedSopInstanceUid("1.2.3.4");
    r.setMessageIdBeingRespondedTo(65535);
    const ours = encodeCommand(elementsOf(r))!;
    expect(ours.toString("hex")).toBe(libraryBytes(r).toString("hex"));
    expect(ours.includes(Buffer.from("disk full "))).toBe(true);
  });

  it("writes C-ECHO-RSP and a final C-MOVE-RSP with sub-operation counts as dcmjs-dimse does", () => {
    const echo = new responses.CEchoResponse(0x0000, "");
    echo.setMessageIdBeingRespondedTo(1);
    expect(encodeCommand(elementsOf(echo))!.toString("hex")).toBe(
      libraryBytes(echo).toString("hex"),
    );
    const move = new responses.CMoveResponse(0xb000, "");
    move.setAffectedSopClassUid("1.2.840.10008.5.1.4.1.2.2.2");
    move.setMessageIdBeingRespondedTo(3);
    move.setRemaining(0);
    move.setCompleted(12);
    move.setFailures(2);
    move.setWarnings(0);
    expect(encodeCommand(elementsOf(move))!.toString("hex")).toBe(
      libraryBytes(move).toString("hex"),
    );
  });

  it("leaves an element it does not know, or a value of another type, to the library", () => {
    expect(encodeCommand({ CommandField: 0x8001, OffendingElement: [0x00100010] })).toBeNull();
    expect(encodeCommand({ CommandField: "32769" })).toBeNull();
    expect(encodeCommand({ Status: 70000 })).toBeNull();
    expect(encodeCommand({ MessageIDBeingRespondedTo: 1.5 })).toBeNull();
  });
});

describe("commandPdu", () => {
  it("is one P-DATA-TF with one PDV flagged command and last fragment", () => {
    const command = encodeCommand({ CommandField: 0x0030, Status: 0 })!;
    const pdu = commandPdu(5, command);
    expect(pdu[0]).toBe(0x04);
    expect(pdu.readUInt32BE(2)).toBe(pdu.length - 6);
    expect(pdu.readUInt32BE(6)).toBe(command.length + 2);
    expect(pdu[10]).toBe(5);
    expect(pdu[11]).toBe(0x03);
    expect(pdu.subarray(12).equals(command)).toBe(true);
  });
});

/** What dcmjs-dimse's Dataset makes of a command buffer through dcmjs (its _fromElementsBuffer). */
function libraryRead(buffer: Buffer): unknown {
  // dcmjs's internals that dcmjs-dimse calls (not in the reader's type declarations).
  const data = dcmjs.data as unknown as {
    ReadBufferStream: new (buffer: ArrayBuffer) => unknown;
    DicomMessage: { _read(stream: unknown, ts: string, options: object): Record<string, unknown> };
  };
  const stream = new data.ReadBufferStream(
    buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer,
  );
  const dict = data.DicomMessage._read(stream, IMPLICIT_LE, { ignoreErrors: true });
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict);
}

/** One element of a command set in Implicit VR Little Endian. */
function element(tag: number, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0x0000, 0);
  head.writeUInt16LE(tag, 2);
  head.writeUInt32LE(value.length, 4);
  return Buffer.concat([head, value]);
}

describe("decodeCommand", () => {
  it("reads what dcmjs reads, key for key and in order, for requests and responses of every kind", () => {
    const random = seededRandom(11);
    const uid = () =>
      Array.from({ length: 2 + Math.floor(random() * 8) }, () => Math.floor(random() * 99999)).join(
        ".",
      );
    const names = [
      "AffectedSOPClassUID",
      "RequestedSOPClassUID",
      "CommandField",
      "MessageID",
      "MessageIDBeingRespondedTo",
      "MoveDestination",
      "Priority",
      "CommandDataSetType",
      "Status",
      "ErrorComment",
      "ErrorID",
      "AffectedSOPInstanceUID",
      "RequestedSOPInstanceUID",
      "NumberOfRemainingSuboperations",
      "NumberOfCompletedSuboperations",
      "NumberOfFailedSuboperations",
      "NumberOfWarningSuboperations",
      "MoveOriginatorApplicationEntityTitle",
      "MoveOriginatorMessageID",
    ];
    const value = (name: string): unknown =>
      name.endsWith("UID")
        ? uid()
        : name === "MoveDestination" || name === "MoveOriginatorApplicationEntityTitle"
          ? ["PACS", "A", "STORESCU_16CHARS", "MR 1"][Math.floor(random() * 4)]
          : name === "ErrorComment"
            ? ["", "disk full", "no such study (0xA801)", "x"][Math.floor(random() * 4)]
            : Math.floor(random() * 65536);
    for (let n = 0; n < 300; n++) {
      const elements = Object.fromEntries(
        names.filter(() => random() < 0.5).map((name) => [name, value(name)]),
      );
      const bytes = encodeCommand(elements)!;
      const ours = decodeCommand(bytes);
      expect(ours).not.toBeNull();
      expect(JSON.stringify(ours)).toBe(JSON.stringify(libraryRead(bytes)));
    }
    // A C-STORE-RQ as storescu sends it, and dcmjs-dimse's own C-STORE-RSP.
    const rsp = new responses.CStoreResponse(0xa700, "disk full");
    rsp.setAffectedSopClassUid(MR);
    rsp.setAffectedSopInstanceUid("1.2.3.4");
    rsp.setMessageIdBeingRespondedTo(9);
    const lib = libraryBytes(rsp);
    expect(decodeCommand(lib)).toEqual(libraryRead(lib));
  });

  it("reads multiple values and the padding as dcmjs does", () => {
    const bytes = Buffer.concat([
      element(0x0002, Buffer.from("1.2\\3.4\0")),
      element(0x0110, Buffer.from([1, 0, 2, 0])),
      element(0x0902, Buffer.from(" a\\b ")),
      element(0x1030, Buffer.from("  A  ")),
    ]);
    expect(decodeCommand(bytes)).toEqual({
      _vrMap: {},
      AffectedSOPClassUID: ["1.2", "3.4"],
      MessageID: [1, 2],
      ErrorComment: ["a", "b"],
      MoveOriginatorApplicationEntityTitle: "A",
    });
    expect(JSON.stringify(decodeCommand(bytes))).toBe(JSON.stringify(libraryRead(bytes)));
  });

  it("never disagrees with dcmjs on random text, spaces, backslashes and padding (fuzz)", () => {
    const random = seededRandom(29);
    const alphabet = "0123456789.  \\AZaz_-^";
    const text = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
    let decoded = 0;
    for (let n = 0; n < 2000; n++) {
      const tag = [0x0002, 0x0600, 0x0902, 0x1000, 0x1030][Math.floor(random() * 5)]!;
      let value = Buffer.from(text(Math.floor(random() * 12)), "latin1");
      if (random() < 0.3) value = Buffer.concat([value, Buffer.from([random() < 0.5 ? 0 : 0x20])]);
      const bytes = element(tag, value);
      const ours = decodeCommand(bytes);
      if (ours === null) continue;
      decoded++;
      expect(JSON.stringify(ours), JSON.stringify(value.toString("latin1"))).toBe(
        JSON.stringify(libraryRead(bytes)),
      );
    }
    expect(decoded).toBeGreaterThan(500);
  });

  it("declines what it does not know, so the library reads it", () => {
    const declined = [
      element(0x0005, Buffer.from([0x10, 0, 0x10, 0])), // (0000,0005) AT: not in the table
      element(0x0100, Buffer.alloc(0)), // a zero-length US
      element(0x0100, Buffer.from([1, 0, 2])), // odd US length
      element(0x0002, Buffer.from(" 1.2")), // a UID with a leading space
      element(0x0902, Buffer.from("caf\xe9", "latin1")), // beyond ASCII
      element(0x1030, Buffer.from("A\\B ")), // AE with a backslash
      Buffer.concat([element(0x0110, Buffer.from([1, 0])), element(0x0110, Buffer.from([2, 0]))]),
      Buffer.from([0, 0, 0x10, 0x01, 4, 0, 0, 0, 1]), // cut short
      Buffer.concat([Buffer.from([8, 0, 0x16, 0, 2, 0, 0, 0]), Buffer.from("MR")]), // group 0008
    ];
    for (const bytes of declined) expect(decodeCommand(bytes)).toBeNull();
  });

  it("is what dcmjs-dimse's Dataset uses for command sets once installed, the library otherwise", () => {
    installCommandDecoder(Dataset);
    const bytes = encodeCommand({ AffectedSOPClassUID: MR, CommandField: 1, MessageID: 3 })!;
    expect(new Dataset(bytes).getElements()).toEqual(libraryRead(bytes));
    const odd = element(0x0005, Buffer.from([0x10, 0, 0x10, 0]));
    expect(new Dataset(odd).getElements()).toEqual(libraryRead(odd));
  });
});

describe("errorComment", () => {
  it("keeps a reason to 64 printable ASCII characters, one value (no backslash)", () => {
    expect(errorComment("disk full")).toBe("disk full");
    expect(errorComment("cannot read C:\\scans\\é.dcm → 0xC000")).toBe(
      "cannot read C:/scans/?.dcm ? 0xC000",
    );
    expect(errorComment("x".repeat(80))).toHaveLength(64);
    // Encoded as one LO value that dcmjs reads back the same.
    const bytes = encodeCommand({ Status: 0xa700, ErrorComment: errorComment("a\\b é") })!;
    expect(decodeCommand(bytes)).toMatchObject({ ErrorComment: "a/b ?" });
  });
});
