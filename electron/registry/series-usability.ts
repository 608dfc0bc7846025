// Which series of a study cannot be chosen for a sequence by hand (issue 13 §2), and whether the
// latest analysis still matches the study's assignments. A manual override may pick any series
// the rules merely ranked lower, but not one that cannot hold a liver sequence at all: a
// localizer, a derived map, a non-MR object, a handful of images, or a non-axial stack.
import { SEQUENCES, type SequenceId } from "../contract/domain";
import { effectiveAssignments } from "./assignments";
import type { Db } from "./open";

/** Exclusion rules (dicom/assign/sequence-rules.json) that no override may overrule. */
const UNUSABLE_RULES = new Set([
  "not-mr-image",
  "localizer-image-type",
  "localizer-name",
  "derived-diffusion-map",
  "diffusion-map-name",
  "too-few-images",
  "derived-other",
]);

/** Series UID -> why it cannot be assigned to a sequence (absent: it can). */
export function unusableSeries(db: Db, studyRef: number): Map<string, string> {
  const rows = db
    .prepare<
      [number],
      { uid: string; rule: string | null; reason: string | null; orientation_json: string | null }
    >(
      `SELECT se.series_instance_uid AS uid, x.rule, x.reason, se.orientation_json
         FROM series se LEFT JOIN series_exclusions x ON x.series_ref = se.id
        WHERE se.study_ref = ?`,
    )
    .all(studyRef);
  const out = new Map<string, string>();
  for (const r of rows) {
    if (r.rule !== null && UNUSABLE_RULES.has(r.rule)) {
      out.set(r.uid, r.reason ?? r.rule);
      continue;
    }
    const iop = r.orientation_json === null ? null : (JSON.parse(r.orientation_json) as number[]);
    if (iop && iop.length === 6) {
      // Slice normal = row x column direction (PS3.3 C.7.6.2.1.1); axial when closest to z.
      const nx = iop[1]! * iop[5]! - iop[2]! * iop[4]!;
      const ny = iop[2]! * iop[3]! - iop[0]! * iop[5]!;
      const nz = iop[0]! * iop[4]! - iop[1]! * iop[3]!;
      if (Math.abs(nz) < Math.abs(nx) || Math.abs(nz) < Math.abs(ny)) {
        out.set(r.uid, "not an axial stack (coronal or sagittal images)");
      }
    }
  }
  return out;
}

/**
 * Sequences whose assigned series differs from the one the latest analysis read: the result on
 * screen no longer belongs to the images shown. Empty when not analyzed or still current.
 */
export function staleSequences(db: Db, studyRef: number, studyInstanceUid: string): SequenceId[] {
  const a = db
    .prepare<[number], { sequences_json: string; status: string }>(
      "SELECT sequences_json, status FROM analyses WHERE study_ref = ? ORDER BY id DESC LIMIT 1",
    )
    .get(studyRef);
  if (!a || a.status === "incomplete") return [];
  const used = JSON.parse(a.sequences_json) as Partial<Record<SequenceId, string | null>>;
  const now = new Map(
    (effectiveAssignments(db, studyInstanceUid).get(studyInstanceUid) ?? []).map((x) => [
      x.sequence,
      x.seriesInstanceUid,
    ]),
  );
  return SEQUENCES.filter((q) => (used[q] ?? null) !== (now.get(q) ?? null));
}
