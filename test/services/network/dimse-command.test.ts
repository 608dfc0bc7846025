// The receiver's own encoding of command-only DIMSE messages (dimse-command.ts) against
// dcmjs-dimse's: the same bytes for the responses the SCP sends, and null (the library's way)
// for what the table does not know.
import { responses } from "dcmjs-dimse";
import { describe, expect, it } from "vitest";
import { commandPdu, encodeCommand } from "../../../electron/services/network/dimse-command";

const MR = "1.2.840.10008.5.1.4.1.1.4";

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
