// The classifier's "not a lesion" examples (`livercad export-training --classifier-negatives`): the
// crops a classifier with a rejection output (manifest `rejectClass`, pipeline/run.ts) learns to
// set aside. Two kinds, as the round-11 diagnostic found the shipped detectors' false positives:
// - distractor: every reference-series slice box of a cyst or haemangioma-like lesion (truth.json
//   `distractorBoxes`, randomized presets), exact and once jittered;
// - background: `BACKGROUND_PER_STUDY` squares of 15-40 mm at random places of the reference
//   grid's central 60%, at least `CLEARANCE_MM` from every lesion and distractor.
// Drawn from the study's own stream (`${seed}:negatives:<uid>`), so the lesion crops' jitter and
// the classifier export beside them stay byte-identical with the option on or off.
import type { Vec3 } from "../../contract/domain";
import type { VolumeGeometry } from "../../contract/volume";
import type { TruthStudy } from "../../phantom/truth";
import type { Roi } from "../../pipeline/types";
import { boxesBySlice, jitterRoi, roiFromBox, type JitterSpec } from "./targets";

export type NegativeKind = "distractor" | "background";

export const BACKGROUND_PER_STUDY = 2;
export const CLEARANCE_MM = 25;

/** The study's negative ROIs in the reference detector grid, with their kind. */
export function negativeRois(
  t: TruthStudy,
  referenceSeries: { geometry: VolumeGeometry; seriesInstanceUid: string; sops: string[] },
  reference: VolumeGeometry,
  random: () => number,
  jitterSpec: JitterSpec,
): { roi: Roi; kind: NegativeKind; jittered: boolean }[] {
  const out: { roi: Roi; kind: NegativeKind; jittered: boolean }[] = [];
  const native = referenceSeries.geometry;
  const bySlice = boxesBySlice(
    t.distractorBoxes ?? [],
    referenceSeries.seriesInstanceUid,
    referenceSeries.sops,
  );
  for (const k of [...bySlice.keys()].sort((a, b) => a - b)) {
    for (const box of bySlice.get(k)!) {
      const roi = roiFromBox(native, reference, k, box);
      out.push({ roi, kind: "distractor", jittered: false });
      out.push({
        roi: jitterRoi(roi, reference, random, jitterSpec),
        kind: "distractor",
        jittered: true,
      });
    }
  }
  const avoid: Vec3[] = [
    ...t.lesions.map((l) => l.center_mm as Vec3),
    ...out.map((o) => o.roi.centerMm),
  ];
  for (let n = 0; n < BACKGROUND_PER_STUDY; n++) {
    // A few tries for a place clear of every lesion and distractor; none found: fewer crops.
    for (let attempt = 0; attempt < 10; attempt++) {
      const k = Math.min(native.slices - 1, Math.floor(random() * native.slices));
      const ci = (0.2 + 0.6 * random()) * (native.columns - 1);
      const cj = (0.2 + 0.6 * random()) * (native.rows - 1);
      const sideMm = 15 + 25 * random();
      const w = sideMm / native.columnSpacing / 2;
      const h = sideMm / native.rowSpacing / 2;
      const roi = roiFromBox(native, reference, k, [ci - w, cj - h, ci + w, cj + h]);
      if (
        avoid.every((c) => Math.hypot(...c.map((v, a) => v - roi.centerMm[a]!)) >= CLEARANCE_MM)
      ) {
        out.push({ roi, kind: "background", jittered: false });
        break;
      }
    }
  }
  return out;
}
