// "Count vs stated" (issue 13 §3) on hand-built series: 43 of 45 stated images arrived (flagged,
// with a message a nurse can act on); the count equal; no count stated; DERIVED images, DWI and
// images with b-values, several acquisitions and multi-frame files never compared; multi-phase
// series divided by their temporal positions; the split and over-count cases left unflagged.
import { describe, expect, it } from "vitest";
import type { SequenceId } from "../../electron/contract/domain";
import type { AcquisitionFacts } from "../../electron/dicom/instance";
import type { SeriesRef } from "../../electron/dicom/quality/checks";
import {
  checkStatedCount,
  statedCount,
  type StatedFileFacts,
} from "../../electron/dicom/quality/stated-count";

const REF: SeriesRef = {
  sequence: "T1_arterial",
  seriesInstanceUid: "1.2.3.7",
  label: "series 7 'AX LAVA FLEX ART'",
};

function series(
  n: number,
  acq: Partial<AcquisitionFacts> = {},
  over: Partial<StatedFileFacts> = {},
): StatedFileFacts[] {
  return Array.from({ length: n }, () => ({
    framesInFile: 1,
    imageType: ["ORIGINAL", "PRIMARY", "OTHER"],
    bValue: null,
    acquisition: {
      acquisitionNumber: 1,
      imagesInAcquisition: 45,
      numberOfTemporalPositions: null,
      temporalPositionIdentifier: null,
      ...acq,
    },
    ...over,
  }));
}

/** n images per phase for the given phase numbers. */
function phased(perPhase: number, ids: number[], acq: Partial<AcquisitionFacts>) {
  return ids.flatMap((id) => series(perPhase, { ...acq, temporalPositionIdentifier: id }));
}

const reason = (sequence: SequenceId, files: StatedFileFacts[]): string => {
  const c = statedCount(sequence, files);
  return c.kind === "not-checked" ? c.reason : "checked";
};

describe("count vs stated", () => {
  it("flags 43 of 45 stated images as incomplete, naming the sequence, the series and the action", () => {
    const findings = checkStatedCount(REF, series(43));
    expect(findings).toEqual([
      {
        sequence: "T1_arterial",
        seriesInstanceUid: "1.2.3.7",
        severity: "incomplete",
        code: "stated-count",
        message:
          "T1 arterial (series 7 'AX LAVA FLEX ART'): 43 of 45 images stated by the scanner arrived; 2 missing. Import the missing images (re-send the series), or analyze with the quality flag if the site allows it.",
      },
    ]);
  });

  it("finds nothing when the count equals the stated one", () => {
    expect(statedCount("T1_arterial", series(45))).toEqual({
      kind: "checked",
      expected: 45,
      stored: 45,
      perPhase: null,
      phases: null,
    });
    expect(checkStatedCount(REF, series(45))).toEqual([]);
  });

  it("does not check a series whose scanner states no count", () => {
    const files = series(43, { imagesInAcquisition: null });
    expect(reason("T1_arterial", files)).toMatch(/states no count/);
    expect(checkStatedCount(REF, files)).toEqual([]);
    // Files read without the acquisition header (instances built outside the reader).
    expect(reason("T1_arterial", series(43, {}, { acquisition: null }))).toMatch(/not read/);
  });

  it("does not check DERIVED images (an ADC map states its whole acquisition)", () => {
    const files = series(43, { imagesInAcquisition: 129 }, { imageType: ["DERIVED", "PRIMARY"] });
    expect(reason("T1_arterial", files)).toMatch(/derived/);
    expect(checkStatedCount(REF, files)).toEqual([]);
    // One derived image in an otherwise original series is enough to leave the series alone.
    const mixed = series(43);
    mixed[5] = { ...mixed[5]!, imageType: ["DERIVED", "SECONDARY", "SUBTRACTION"] };
    expect(checkStatedCount(REF, mixed)).toEqual([]);
  });

  it("does not check DWI, nor any series with b-values (split per b, it would over-count)", () => {
    const dwi = series(25, { imagesInAcquisition: 75 });
    expect(reason("DWI", dwi)).toMatch(/diffusion/);
    expect(checkStatedCount({ ...REF, sequence: "DWI" }, dwi)).toEqual([]);
    const withB = series(25, { imagesInAcquisition: 75 }, { bValue: 800 });
    expect(reason("T2", withB)).toMatch(/diffusion/);
    expect(checkStatedCount({ ...REF, sequence: "T2" }, withB)).toEqual([]);
  });

  it("compares only one acquisition, and only single-frame files", () => {
    const two = [...series(20, { acquisitionNumber: 1 }), ...series(20, { acquisitionNumber: 2 })];
    expect(reason("T1_arterial", two)).toMatch(/more than one acquisition/);
    expect(checkStatedCount(REF, two)).toEqual([]);
    const enhanced = series(1, {}, { framesInFile: 43 });
    expect(reason("T1_arterial", enhanced)).toMatch(/Number of Frames/);
    const disagree = [...series(40), ...series(3, { imagesInAcquisition: 44 })];
    expect(reason("T1_arterial", disagree)).toMatch(/different counts/);
  });

  it("divides a multi-phase statement by its temporal positions", () => {
    // GE/Philips: the whole dynamic acquisition stated (3 phases x 15 = 45); one image lost in
    // phase 2.
    const whole = { imagesInAcquisition: 45, numberOfTemporalPositions: 3 };
    const files = phased(15, [1, 3], whole).concat(phased(14, [2], whole));
    const findings = checkStatedCount(REF, files);
    expect(findings.map((f) => f.message)).toEqual([
      "T1 arterial (series 7 'AX LAVA FLEX ART'): 44 of 45 images stated by the scanner arrived (15 per phase, 3 phases in this series); 1 missing. Import the missing images (re-send the series), or analyze with the quality flag if the site allows it.",
    ]);
    // The scanner split the phases into series: this one holds phase 2 only, complete.
    expect(checkStatedCount(REF, phased(15, [2], whole))).toEqual([]);
    expect(statedCount("T1_arterial", phased(15, [2], whole))).toMatchObject({
      kind: "checked",
      expected: 15,
      stored: 15,
    });
    // ... and phase 2 alone with 13 of its 15 images.
    expect(checkStatedCount(REF, phased(13, [2], whole))[0]?.message).toContain(
      "13 of 15 images stated by the scanner arrived (15 per phase, 1 phase in this series)",
    );
    // A scanner that states one phase's images (15) for a 3-phase series.
    const perPhase = { imagesInAcquisition: 15, numberOfTemporalPositions: 3 };
    expect(checkStatedCount(REF, phased(15, [1, 2, 3], perPhase))).toEqual([]);
    expect(statedCount("T1_arterial", phased(15, [1, 2, 3], perPhase))).toMatchObject({
      expected: 45,
      perPhase: 15,
      phases: 3,
    });
    // Phases without their numbers cannot be divided.
    expect(reason("T1_arterial", series(43, { numberOfTemporalPositions: 3 }))).toMatch(
      /without a phase number/,
    );
  });

  it("leaves a series split from a larger acquisition, or over its count, unflagged", () => {
    // GE LAVA-Flex style: water, fat, in and out of phase from one acquisition of 4 x 45.
    expect(reason("T1_arterial", series(45, { imagesInAcquisition: 180 }))).toMatch(
      /split into 4 series/,
    );
    expect(checkStatedCount(REF, series(45, { imagesInAcquisition: 180 }))).toEqual([]);
    expect(reason("T1_arterial", series(46))).toMatch(/more images than stated/);
    expect(checkStatedCount(REF, series(46))).toEqual([]);
  });
});
