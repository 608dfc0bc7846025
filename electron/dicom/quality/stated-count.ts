// "Count vs stated" (issue 13 §3). In: per stored file of one series, its frame count, ImageType,
// b-value and what the scanner states about its acquisition (Images in Acquisition (0020,1002),
// Acquisition Number (0020,0012), Number of Temporal Positions (0020,0105), Temporal Position
// Identifier (0020,0100)). Out: an "incomplete" finding when fewer images arrived than the
// scanner stated, or none. Pure: no Node, no DOM (test/dicom/stated-count.test.ts).
//
// Why it adds to the gap checks (checks.ts): a position gap and an instance-number gap are seen
// only between two images that arrived; slices lost at either end of the stack leave neither, and
// only the stated count tells.
//
// Where the stated count means what it says, and so where it is compared:
// - ORIGINAL images only. Derived series (DWI trace, ADC, subtractions, MIP/MPR) keep the count of
//   the acquisition they came from: an ADC map of a 3-b-value acquisition states 3x its images.
// - No diffusion series (the DWI sequence, or any image with a b-value): scanners store b-values
//   together or split per b-value (GE and Philips one series, Siemens one per b or per trace), and
//   a series split per b would be counted against all of them.
// - One acquisition (one Acquisition Number): each acquisition states its own count (Siemens
//   numbers every measurement of a dynamic series as its own acquisition).
// - Single-frame files only: an enhanced or multi-frame file's count is its Number of Frames
//   (0028,0008), and the reader builds every frame it states (a short Pixel Data is refused).
// - Multi-phase series (Number of Temporal Positions N > 1, each image numbered by Temporal
//   Position Identifier): vendors differ, some stating the whole dynamic acquisition (slices x N,
//   so each phase holds stated / N images), others one phase's images. Both readings are taken:
//   stated / N per phase unless a phase holds more than that. Only the phases present are
//   expected (a scanner that splits the phases into series sends each series its own phases).
//   Not checked against real multi-phase files from each vendor (none are in the test data).
// - When the stored count is an exact fraction of the stated one (1/2, 1/3 ... 1/8), the
//   acquisition was split into that many series (Dixon water / fat / in / out phase, phases without temporal
//   tags): not flagged. More images than stated is a header that counts something else: not
//   flagged either. The check never flags what it cannot explain.
import type { SequenceId } from "../../contract/domain";
import type { QualityFinding } from "../../contract/quality";
import type { AcquisitionFacts } from "../instance";
import { finding, INCOMPLETE_ACTION, type SeriesRef } from "./checks";

/** What the check needs from one stored file of the series. */
export interface StatedFileFacts {
  framesInFile: number;
  /** ImageType (0008,0008) values, upper case. */
  imageType: string[];
  /** A diffusion b-value of the file or of any of its frames; null when none. */
  bValue: number | null;
  /** null when the reader did not provide it (the check then does not run). */
  acquisition: AcquisitionFacts | null;
}

export type StatedCount =
  | {
      kind: "checked";
      /** Images expected in this series from the scanner's statement. */
      expected: number;
      stored: number;
      /** Multi-phase: images per phase and the phases present; null for a single phase. */
      perPhase: number | null;
      phases: number | null;
    }
  | { kind: "not-checked"; reason: string };

/**
 * Series one acquisition is split into that are recognized: 4 Dixon images (water, fat, in and
 * out of phase) or up to 8 phases of a dynamic series sent without temporal tags. A loss of
 * exactly 1/2 ... 7/8 of a series is left to the position and coverage checks.
 */
const MAX_SPLIT = 8;

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** The stated count for one series, or why it is not compared. */
export function statedCount(sequence: SequenceId, files: StatedFileFacts[]): StatedCount {
  const skip = (reason: string): StatedCount => ({ kind: "not-checked", reason });
  if (files.length === 0) return skip("no images");
  if (files.some((f) => f.framesInFile !== 1)) {
    return skip("multi-frame files state their own count (Number of Frames)");
  }
  const facts = files.map((f) => f.acquisition);
  if (facts.some((a) => a === null)) return skip("the acquisition header was not read");
  const acq = facts as AcquisitionFacts[];
  const statedValues = distinct(acq.map((a) => a.imagesInAcquisition));
  if (statedValues.every((v) => v === null)) {
    return skip("the scanner states no count (no Images in Acquisition)");
  }
  if (sequence === "DWI" || files.some((f) => f.bValue !== null)) {
    return skip("diffusion series count every b-value of the acquisition");
  }
  if (files.some((f) => f.imageType[0] !== "ORIGINAL")) {
    return skip("derived images state the count of the acquisition they came from");
  }
  if (distinct(acq.map((a) => a.acquisitionNumber)).length > 1) {
    return skip("more than one acquisition in the series");
  }
  if (statedValues.length > 1) return skip("its images state different counts");
  const stated = statedValues[0]!;
  if (!Number.isInteger(stated) || stated <= 0) return skip("the stated count is not a number");

  const nValues = distinct(acq.map((a) => a.numberOfTemporalPositions ?? 1));
  if (nValues.length > 1) return skip("its images state different numbers of phases");
  const n = nValues[0]!;
  const stored = files.length;
  let expected = stated;
  let perPhase: number | null = null;
  let phases: number | null = null;
  if (n > 1) {
    const ids = acq.map((a) => a.temporalPositionIdentifier);
    if (ids.some((x) => x === null)) return skip("multi-phase images without a phase number");
    const perId = new Map<number, number>();
    for (const id of ids as number[]) perId.set(id, (perId.get(id) ?? 0) + 1);
    const most = Math.max(...perId.values());
    perPhase = stated % n === 0 && most <= stated / n ? stated / n : stated;
    phases = perId.size;
    expected = perPhase * phases;
  }
  if (stored > expected) return skip("more images than stated (the header counts something else)");
  const split = expected / stored;
  if (Number.isInteger(split) && split >= 2 && split <= MAX_SPLIT) {
    return skip(`the acquisition was split into ${split} series`);
  }
  return { kind: "checked", expected, stored, perPhase, phases };
}

/** The finding for a series with fewer images than the scanner stated, if any. */
export function checkStatedCount(ref: SeriesRef, files: StatedFileFacts[]): QualityFinding[] {
  const c = statedCount(ref.sequence, files);
  if (c.kind !== "checked" || c.stored >= c.expected) return [];
  const phases =
    c.perPhase !== null && c.phases !== null
      ? ` (${c.perPhase} per phase, ${c.phases} phase${c.phases === 1 ? "" : "s"} in this series)`
      : "";
  return [
    finding(
      ref,
      "incomplete",
      "stated-count",
      `${c.stored} of ${c.expected} images stated by the scanner arrived${phases}; ${c.expected - c.stored} missing.`,
      INCOMPLETE_ACTION,
    ),
  ];
}
