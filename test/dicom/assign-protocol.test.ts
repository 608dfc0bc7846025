// Every description variant of the phantom's GE protocol (electron/phantom/protocol.ts), with the
// tags the phantom writes, in every combination position: cheap, no pixels, and it covers the
// variants that a small rendered cohort may not draw.
import { describe, expect, it } from "vitest";
import type { SequenceId } from "../../electron/contract/domain";
import { assignSequences } from "../../electron/dicom/assign";
import {
  CONTRAST_AGENT,
  INJECTION_MINUTE,
  PROTOCOL,
  SEQUENCE_OF_KIND,
} from "../../electron/phantom/protocol";
import { AXIAL, series } from "./assign-fixtures";

function hhmmss(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((v) => String(v).padStart(2, "0")).join("");
}

const variants = Math.max(...PROTOCOL.map((p) => p.descriptions.length));

describe("phantom protocol description variants", () => {
  for (let v = 0; v < variants; v++) {
    it(`variant set ${v}`, () => {
      const start = 8 * 3600;
      const input = PROTOCOL.map((p) => {
        const description = p.descriptions[v % p.descriptions.length]!;
        const seconds =
          p.postContrastDelay === null
            ? start + p.startMinute * 60
            : start + INJECTION_MINUTE * 60 + p.postContrastDelay;
        return {
          kind: p.kind,
          candidate: series(description, {
            seriesNumber: p.seriesNumber,
            imageType: [...p.imageType],
            scanningSequence: p.scanningSequence,
            sequenceVariant: p.sequenceVariant,
            sequenceName: p.sequenceName,
            echoTime: p.echoTime[0],
            repetitionTime: p.repetitionTime[0],
            flipAngle: p.flipAngle,
            protocolName: p.protocolName,
            manufacturer: "GE MEDICAL SYSTEMS",
            contrastBolusAgent: p.postContrastDelay === null ? "" : CONTRAST_AGENT,
            acquisitionTime: hhmmss(seconds),
            diffusionBValue: p.kind === "DWI" ? (description.includes("1000") ? 1000 : 800) : null,
            frames: p.kind === "localizer" ? 3 : 30,
            iop: AXIAL,
          }),
        };
      });
      const r = assignSequences(input.map((i) => i.candidate));
      expect(r.missing).toEqual([]);
      const expected: Partial<Record<SequenceId, string>> = {};
      for (const i of input) {
        const seq = SEQUENCE_OF_KIND[i.kind];
        if (seq) expected[seq] = i.candidate.info.seriesInstanceUid;
      }
      const got = Object.fromEntries(r.assignments.map((a) => [a.sequence, a.seriesInstanceUid]));
      expect(got).toEqual(expected);
      expect(r.excluded).toHaveLength(input.length - 5);
    });
  }
});
