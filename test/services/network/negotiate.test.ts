// The receiver's answer to each proposed presentation context (sop-classes.ts negotiateContext):
// which SOP classes it serves, in which transfer syntaxes, in the proposer's order.
import { describe, expect, it } from "vitest";
import { negotiateContext } from "../../../electron/services/network/sop-classes";

const VERIFICATION = "1.2.840.10008.1.1";
const MR = "1.2.840.10008.5.1.4.1.1.4";
const CT = "1.2.840.10008.5.1.4.1.1.2";
const STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1";
const IMPLICIT = "1.2.840.10008.1.2";
const EXPLICIT = "1.2.840.10008.1.2.1";
const JPEG_LOSSLESS = "1.2.840.10008.1.2.4.70";
const MPEG2 = "1.2.840.10008.1.2.4.100";
const qrOn = (uid: string) => uid === STUDY_ROOT_FIND;
const qrOff = () => false;

describe("negotiateContext", () => {
  it("takes the first syntax the proposer lists that we decode, for a storage SOP class", () => {
    expect(negotiateContext(MR, [JPEG_LOSSLESS, EXPLICIT], qrOff)).toEqual({
      accept: JPEG_LOSSLESS,
    });
    expect(negotiateContext(MR, [MPEG2, EXPLICIT, IMPLICIT], qrOff)).toEqual({ accept: EXPLICIT });
    expect(negotiateContext(MR, [MPEG2], qrOff)).toEqual({ reject: "transfer-syntaxes" });
  });

  it("answers Verification and Q/R in uncompressed Little Endian only", () => {
    expect(negotiateContext(VERIFICATION, [JPEG_LOSSLESS, IMPLICIT], qrOff)).toEqual({
      accept: IMPLICIT,
    });
    expect(negotiateContext(STUDY_ROOT_FIND, [EXPLICIT, IMPLICIT], qrOn)).toEqual({
      accept: EXPLICIT,
    });
    expect(negotiateContext(STUDY_ROOT_FIND, [JPEG_LOSSLESS], qrOn)).toEqual({
      reject: "transfer-syntaxes",
    });
  });

  it("rejects a SOP class it does not serve, and Q/R when the Q/R SCP is off", () => {
    expect(negotiateContext(CT, [IMPLICIT], qrOn)).toEqual({ reject: "abstract-syntax" });
    expect(negotiateContext(STUDY_ROOT_FIND, [IMPLICIT], qrOff)).toEqual({
      reject: "abstract-syntax",
    });
  });
});
