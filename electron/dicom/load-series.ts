// Files (or already-read instances) of one series -> a Volume, through the reader (read/) and
// buildVolume. Runs in Node (the main process and the CLI); the pipeline receives the Volume.
// Multi-frame Enhanced MR files contribute one slice per frame with the frame's own geometry
// (PS3.3 C.7.6.16 Per-Frame Functional Groups, parsed by the reader into FrameInfo).
import type { DicomInstance, ReadOutcome } from "./instance";
import { readDicomFile } from "./read/index";
import { buildVolume, VolumeBuildError } from "./volume";
import type { BuiltVolume, SliceInput } from "./volume";

export interface LoadSeriesOptions {
  /**
   * DWI: keep only frames with this b-value (the assignment's bValue). Without it a series holding
   * several b-values (GE and Philips store b0 and b800 in one series) keeps its highest b, with a
   * warning, because frames of different b at one position cannot form one volume.
   */
  bValue?: number | null;
  /** The reader; defaults to read/'s readDicomFile. */
  reader?: (path: string) => Promise<ReadOutcome>;
}

export interface LoadedSeries extends BuiltVolume {
  seriesInstanceUid: string;
  /** The b-value of the frames used, or null when the series records none. */
  bValue: number | null;
  /** Files the reader skipped (not images), with its reason. */
  skipped: { path: string; reason: string }[];
}

/** b-values within this distance are the same (scanners store e.g. 799.99 for 800). */
const B_TOLERANCE = 0.5;

export async function loadSeries(
  paths: string[],
  options: LoadSeriesOptions = {},
): Promise<LoadedSeries> {
  const read = options.reader ?? ((p: string) => readDicomFile(p));
  const instances: DicomInstance[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const path of paths) {
    const outcome = await read(path);
    if (outcome.kind === "instance") instances.push(outcome.instance);
    else skipped.push({ path, reason: outcome.reason });
  }
  const loaded = await loadSeriesFromInstances(instances, options);
  return { ...loaded, skipped };
}

export async function loadSeriesFromInstances(
  instances: DicomInstance[],
  options: { bValue?: number | null } = {},
): Promise<LoadedSeries> {
  const first = instances[0];
  if (first === undefined) throw new VolumeBuildError("The series has no image instances.");
  const uid = first.series.seriesInstanceUid;
  const other = instances.find((i) => i.series.seriesInstanceUid !== uid);
  if (other) {
    throw new VolumeBuildError(
      `Instances of two series were given for one volume (${uid} and ${other.series.seriesInstanceUid}).`,
    );
  }
  const warnings: string[] = [];
  const frames = instances.flatMap((instance) =>
    instance.frames.map((frame) => ({
      instance,
      frame,
      b: frame.diffusionBValue ?? instance.series.diffusionBValue,
    })),
  );
  const distinct = [...new Set(frames.flatMap((f) => (f.b === null ? [] : [f.b])))].sort(
    (a, b) => a - b,
  );

  let bValue: number | null = null;
  let selected = frames;
  if (options.bValue !== undefined && options.bValue !== null) {
    const want = options.bValue;
    if (distinct.length === 0) {
      warnings.push(`No b-values recorded in the series; all frames used for b=${want}.`);
      bValue = want;
    } else {
      selected = frames.filter((f) => f.b !== null && Math.abs(f.b - want) <= B_TOLERANCE);
      if (selected.length === 0) {
        throw new VolumeBuildError(
          `The series has no images with b=${want} (it has b=${distinct.join(", ")}).`,
        );
      }
      bValue = want;
    }
  } else if (distinct.length > 1) {
    bValue = distinct[distinct.length - 1]!;
    const keep = bValue;
    selected = frames.filter((f) => f.b !== null && Math.abs(f.b - keep) <= B_TOLERANCE);
    warnings.push(`The series holds b=${distinct.join(", ")}; the highest, b=${bValue}, was used.`);
  } else {
    bValue = distinct[0] ?? null;
  }

  const slices: SliceInput[] = [];
  for (const f of selected) {
    if (f.instance.samplesPerPixel !== 1) {
      throw new VolumeBuildError(
        `Instance ${f.instance.sopInstanceUid} has ${f.instance.samplesPerPixel} samples per pixel; MR volumes need 1.`,
      );
    }
    slices.push({
      frame: f.frame,
      pixels: await f.instance.decodeFrame(f.frame.index),
      sopInstanceUid: f.instance.sopInstanceUid,
    });
  }
  const built = buildVolume(slices);
  return {
    ...built,
    warnings: [...warnings, ...built.warnings],
    seriesInstanceUid: uid,
    bValue,
    skipped: [],
  };
}
