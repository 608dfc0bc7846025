// One study folder on disk -> its five sequence volumes, through the same reader, the same
// sequence assignment and the same volume loader that import and analysis use, so training data
// never comes from a second preprocessing path (issue 5 §1).
import fs from "node:fs";
import path from "node:path";
import { SEQUENCES, type SequenceId } from "../../contract/domain";
import { SequenceMissingError } from "../../contract/errors";
import { assignSequences, type SeriesCandidate } from "../../dicom/assign/index";
import type { DicomInstance } from "../../dicom/instance";
import { loadSeriesFromInstances, type LoadedSeries } from "../../dicom/load-series";
import { readDicomFile } from "../../dicom/read/index";

export interface FolderStudy {
  studyInstanceUid: string;
  patientId: string;
  /** Instances of each series of the study, by SeriesInstanceUID. */
  series: Map<string, DicomInstance[]>;
}

/** Every file under `root`, sorted, so that runs visit files in the same order. */
export function filesUnder(root: string): string[] {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const p = path.join(root, e.name);
      return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
    });
}

/** Reads every DICOM image under `dir`, grouped by study and series; other files are skipped. */
export async function readStudiesIn(dir: string): Promise<FolderStudy[]> {
  const studies = new Map<string, FolderStudy>();
  for (const file of filesUnder(dir)) {
    const outcome = await readDicomFile(file);
    if (outcome.kind !== "instance") continue;
    const inst = outcome.instance;
    const uid = inst.study.studyInstanceUid;
    let study = studies.get(uid);
    if (!study) {
      study = { studyInstanceUid: uid, patientId: inst.patient.patientId, series: new Map() };
      studies.set(uid, study);
    }
    const list = study.series.get(inst.series.seriesInstanceUid);
    if (list) list.push(inst);
    else study.series.set(inst.series.seriesInstanceUid, [inst]);
  }
  return [...studies.values()];
}

/** What the import service records for a series, built from its instances. */
export function candidateOf(instances: DicomInstance[]): SeriesCandidate {
  const first = instances[0]!;
  const frame = first.frames[0]!;
  const b = new Set<number>();
  for (const i of instances) {
    if (i.series.diffusionBValue !== null) b.add(i.series.diffusionBValue);
    for (const f of i.frames) if (f.diffusionBValue !== null) b.add(f.diffusionBValue);
  }
  return {
    info: first.series,
    sopClassUid: first.sopClassUid,
    instanceCount: instances.length,
    frameCount: instances.reduce((n, i) => n + Math.max(1, i.frames.length), 0),
    rows: frame.rows,
    columns: frame.columns,
    sliceThickness: frame.sliceThickness,
    bValues: [...b].sort((x, y) => x - y),
    imageOrientationPatient: frame.imageOrientationPatient,
  };
}

/** Assigns the five sequences and loads each as a volume (DWI at the assigned b-value). */
export async function loadStudySequences(
  study: FolderStudy,
): Promise<Record<SequenceId, LoadedSeries>> {
  const result = assignSequences([...study.series.values()].map(candidateOf));
  if (result.missing.length > 0) {
    throw new SequenceMissingError(
      `Study ${study.studyInstanceUid} lacks ${result.missing.join(", ")} (sequence assignment).`,
    );
  }
  const loaded = {} as Record<SequenceId, LoadedSeries>;
  for (const s of SEQUENCES) {
    const a = result.assignments.find((x) => x.sequence === s)!;
    loaded[s] = await loadSeriesFromInstances(study.series.get(a.seriesInstanceUid)!, {
      bValue: a.bValue ?? null,
    });
  }
  return loaded;
}
