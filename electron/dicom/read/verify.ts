// The import's reader: readDicomFile, then every frame of compressed pixel data decoded once. The
// codestream checks in pixel-layout.ts catch a mislabelled codec, but only a decoder knows whether
// the rest of a damaged codestream decodes; doing it at import makes the rejection deterministic
// and keeps undecodable images out of the store (issue 12 §2: "reject at import, not at first
// view"). Native pixel data needs no decoding: its layout checks are complete.
import { AppError, DicomParseError, errorMessage } from "../../contract/errors";
import type { ReadOutcome } from "../instance";
import { readDicomFile } from "./index";
import { lookupTransferSyntax } from "./transfer-syntax";

export async function readVerified(filePath: string, data?: Uint8Array): Promise<ReadOutcome> {
  const outcome = await readDicomFile(filePath, data);
  if (outcome.kind !== "instance") return outcome;
  const inst = outcome.instance;
  if (lookupTransferSyntax(inst.transferSyntaxUid)?.encapsulated !== true) return outcome;
  for (let i = 0; i < inst.frames.length; i++) {
    try {
      await inst.decodeFrame(i);
    } catch (err) {
      const reason = err instanceof AppError ? err.message : errorMessage(err);
      throw new DicomParseError(
        `pixel data cannot be decoded (frame ${i + 1} of ${inst.frames.length}): ${reason}`,
        { cause: err },
      );
    }
  }
  return outcome;
}
