// Per-frame geometry. Classic images carry it at the top level; Enhanced MR (PS3.3 C.7.6.16)
// puts it in functional groups: a Per-frame item overrides the Shared item, macro by macro.
import type { FrameInfo } from "../instance";
import type { Dataset } from "./dcmjs-parse";
import { item, items, num, nums } from "./values";
import type { Vec3 } from "../../contract/domain";

type Orientation = [number, number, number, number, number, number];

interface FrameSources {
  /** Where each attribute is looked up, most specific first. */
  position: Dataset[];
  orientation: Dataset[];
  measures: Dataset[];
  transform: Dataset[];
  diffusion: Dataset[];
}

function pick<T>(sources: Dataset[], read: (ds: Dataset) => T | null): T | null {
  for (const ds of sources) {
    const v = read(ds);
    if (v !== null) return v;
  }
  return null;
}

function frameFrom(index: number, rows: number, columns: number, s: FrameSources): FrameInfo {
  return {
    index,
    rows,
    columns,
    imagePositionPatient: pick(s.position, (d) =>
      nums(d, "ImagePositionPatient", 3),
    ) as Vec3 | null,
    imageOrientationPatient: pick(s.orientation, (d) =>
      nums(d, "ImageOrientationPatient", 6),
    ) as Orientation | null,
    pixelSpacing: pick(s.measures, (d) => nums(d, "PixelSpacing", 2)) as [number, number] | null,
    sliceThickness: pick(s.measures, (d) => num(d, "SliceThickness")),
    rescaleSlope: pick(s.transform, (d) => num(d, "RescaleSlope")) ?? 1,
    rescaleIntercept: pick(s.transform, (d) => num(d, "RescaleIntercept")) ?? 0,
    diffusionBValue: pick(s.diffusion, (d) => num(d, "DiffusionBValue")),
  };
}

/** Functional group macros (PS3.3 C.7.6.16.2) of one frame, per-frame before shared. */
function groupSources(
  perFrame: Dataset | null,
  shared: Dataset | null,
  top: Dataset,
): FrameSources {
  const groups = [perFrame, shared];
  const macro = (key: string): Dataset[] =>
    groups.map((g) => item(g, key)).filter((d): d is Dataset => d !== null);
  return {
    position: [...macro("PlanePositionSequence"), top],
    orientation: [...macro("PlaneOrientationSequence"), top],
    measures: [...macro("PixelMeasuresSequence"), top],
    transform: [...macro("PixelValueTransformationSequence"), top],
    diffusion: [...macro("MRDiffusionSequence"), top],
  };
}

export function buildFrames(
  ds: Dataset,
  frameCount: number,
  rows: number,
  columns: number,
): FrameInfo[] {
  const shared = item(ds, "SharedFunctionalGroupsSequence");
  const perFrame = items(ds, "PerFrameFunctionalGroupsSequence");
  const frames: FrameInfo[] = [];
  for (let i = 0; i < frameCount; i++) {
    frames.push(frameFrom(i, rows, columns, groupSources(perFrame[i] ?? null, shared, ds)));
  }
  return frames;
}

/** A series attribute from an Enhanced MR functional group macro, per-frame item 1 before shared. */
export function fromFunctionalGroups(
  ds: Dataset,
  macro: string,
  read: (d: Dataset) => number | null,
): number | null {
  const shared = item(ds, "SharedFunctionalGroupsSequence");
  const firstFrame = item(ds, "PerFrameFunctionalGroupsSequence");
  for (const group of [shared, firstFrame]) {
    const m = item(group, macro);
    const v = m ? read(m) : null;
    if (v !== null) return v;
  }
  return null;
}

/** Acquisition time of frame 1 from Frame Content (PS3.3 C.7.6.16.2.2), as HHMMSS.frac. */
export function frameAcquisitionTime(ds: Dataset): string | null {
  const content = item(item(ds, "PerFrameFunctionalGroupsSequence"), "FrameContentSequence");
  const dt = content ? String(content["FrameAcquisitionDateTime"] ?? "") : "";
  return dt.length > 8 ? dt.slice(8).replace(/[+-]\d{4}$/, "") : null;
}
