// A registered study's five effective series -> volumes, through the same loader as everywhere
// (dicom/load-series.ts), reading the managed store's copies; DWI at the assigned b-value.
import { SEQUENCES, type SequenceId } from "../../contract/domain";
import { SequenceMissingError, UsageError } from "../../contract/errors";
import { loadSeries, type LoadedSeries } from "../../dicom/load-series";
import { getStudy, instanceFilesOfSeries, studyRefOf, type Registry } from "../../registry";
import { ManagedStore } from "../import/index";

export interface StudySeries {
  studyRef: number;
  patientId: string;
  /** The effective assignment per sequence (null when missing). */
  sequences: Record<SequenceId, string | null>;
  bValues: Record<SequenceId, number | null>;
  missing: SequenceId[];
}

export function studySeries(registry: Registry, studyInstanceUid: string): StudySeries {
  const s = getStudy(registry.db, studyInstanceUid);
  if (!s) throw new UsageError(`Study ${studyInstanceUid} is not in the registry.`);
  const ref = studyRefOf(registry.db, studyInstanceUid);
  const sequences = {} as Record<SequenceId, string | null>;
  const bValues = {} as Record<SequenceId, number | null>;
  for (const q of SEQUENCES) {
    sequences[q] = s.sequences[q]?.seriesInstanceUid ?? null;
    bValues[q] = s.sequences[q]?.bValue ?? null;
  }
  return { studyRef: ref, patientId: s.patientId, sequences, bValues, missing: s.missing };
}

export async function loadStudyVolumes(
  registry: Registry,
  series: StudySeries,
): Promise<Record<SequenceId, LoadedSeries>> {
  if (series.missing.length > 0) {
    throw new SequenceMissingError(`The study lacks ${series.missing.join(", ")}.`);
  }
  const store = new ManagedStore(registry.paths.store);
  const out = {} as Record<SequenceId, LoadedSeries>;
  for (const q of SEQUENCES) {
    const uid = series.sequences[q]!;
    const files = instanceFilesOfSeries(registry.db, uid).map((p) => store.absolute(p));
    out[q] = await loadSeries(files, { bValue: q === "DWI" ? series.bValues[q] : null });
  }
  return out;
}
