// Ground truth of a phantom cohort (DIR/truth.json): class label, lesions, the five sequences'
// series UIDs and per-slice lesion boxes, computed from the plan alone (no pixels needed).
// Field names are fixed by issue 2 §2; other tools (training, evaluation, tests) read them.
import type { LesionClass, SequenceId, Vec3 } from "../contract/domain";
import { SEQUENCES } from "../contract/domain";
import type { SeriesPlan } from "./geometry";
import type { LesionPlan, StudyPlan } from "./plan";
import { SEQUENCE_OF_KIND } from "./protocol";
import { fixedLengthUid } from "./random";

export interface TruthBox {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  /**
   * [x0, y0, x1, y1] in continuous pixel coordinates of that image, pixel (i, j)'s centre at (i, j):
   * x along columns (ImageOrientationPatient row direction), y along rows.
   */
  box_px: [number, number, number, number];
}

export interface TruthStudy {
  patientId: string;
  studyInstanceUid: string;
  label: LesionClass;
  lesions: { center_mm: Vec3; diameter_mm: number }[];
  series: Record<SequenceId, string>;
  boxes: TruthBox[];
  /**
   * Randomized presets only: the per-slice boxes of the cysts and haemangioma-like lesions, which
   * are not lesions of this truth (no class, not scored): training's hard negatives (round 10).
   */
  distractorBoxes?: TruthBox[];
}

export interface Truth {
  studies: TruthStudy[];
}

/** Smallest in-plane half-extent (mm) of a lesion section that a reader would still annotate. */
export const MIN_VISIBLE_HALF_MM = 2;

export function sopInstanceUid(study: StudyPlan, series: SeriesPlan, slice: number): string {
  return fixedLengthUid(`sop:${study.key}:${series.kind}:${slice}`);
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The lesion's extent on one axial slice: its ellipsoid cut by the slab [z - t/2, z + t/2] that
 * the slice integrates (partial volume), taken at the slab plane nearest the lesion centre.
 * Returns null when the lesion misses the slab or only grazes it.
 */
export function lesionSection(
  lesion: Pick<LesionPlan, "center" | "semiAxes">,
  series: SeriesPlan,
  slice: number,
): [number, number, number, number] | null {
  const s = series.slices[slice];
  if (!s) return null;
  const [sx, sy, sz] = lesion.semiAxes;
  const cx = lesion.center[0] + series.shift[0];
  const cy = lesion.center[1] + series.shift[1];
  const cz = lesion.center[2] + series.shift[2];
  const dz = Math.max(0, Math.abs(cz - s.location) - series.thickness / 2);
  if (dz >= sz) return null;
  const f = Math.sqrt(1 - (dz / sz) ** 2);
  const ex = sx * f;
  const ey = sy * f;
  if (Math.min(ex, ey) < MIN_VISIBLE_HALF_MM) return null;
  const ps = series.pixelSpacing;
  const rps = series.rowSpacing;
  return [
    r2((cx - ex - s.position[0]) / ps),
    r2((cy - ey - s.position[1]) / rps),
    r2((cx + ex - s.position[0]) / ps),
    r2((cy + ey - s.position[1]) / rps),
  ];
}

/** The five sequences' series of a study, in SEQUENCES order. */
function sequenceSeries(study: StudyPlan): SeriesPlan[] {
  return SEQUENCES.map((id) => {
    const s = study.series.find((x) => SEQUENCE_OF_KIND[x.kind] === id);
    if (!s) throw new Error(`study ${study.key} has no ${id} series`);
    return s;
  });
}

/** Each blob's section on every slice of the given series, as truth boxes. */
function sectionBoxes(
  study: StudyPlan,
  series: readonly SeriesPlan[],
  blobs: readonly Pick<LesionPlan, "center" | "semiAxes">[],
): TruthBox[] {
  const boxes: TruthBox[] = [];
  for (const s of series) {
    s.slices.forEach((_, k) => {
      for (const blob of blobs) {
        const box = lesionSection(blob, s, k);
        if (box) {
          boxes.push({
            seriesInstanceUid: s.seriesInstanceUid,
            sopInstanceUid: sopInstanceUid(study, s, k),
            box_px: box,
          });
        }
      }
    });
  }
  return boxes;
}

export function studyTruth(study: StudyPlan): TruthStudy {
  const cad = sequenceSeries(study);
  const series = Object.fromEntries(
    SEQUENCES.map((id, i) => [id, cad[i]!.seriesInstanceUid]),
  ) as Record<SequenceId, string>;
  const d = study.distractors;
  return {
    patientId: study.patientId,
    studyInstanceUid: study.studyInstanceUid,
    label: study.label,
    lesions: study.lesions.map((l) => ({
      center_mm: [r2(l.center[0]), r2(l.center[1]), r2(l.center[2])],
      diameter_mm: r2(l.diameterMm),
    })),
    series,
    boxes: sectionBoxes(study, cad, study.lesions),
    ...(d ? { distractorBoxes: sectionBoxes(study, cad, [...d.cysts, ...d.hemangiomas]) } : {}),
  };
}
