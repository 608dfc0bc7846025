// The image-quality gate before the CAD (issue 13 §3). In: the header facts of every frame of one
// series and, when it could be built, its volume. Out: findings (refuse / incomplete). Pure: no
// Node, no DOM, no file access, so each bad case is a unit test (test/dicom/quality.test.ts).
//
// Why: degenerate headers gave confident wrong results in the walk (portal-venous series with
// RescaleSlope 0, RescaleIntercept 1e30, BitsStored 1 or PixelSpacing 1e-9: a reference ICC study
// came out HCC at 0.999), and a series with 2 of 45 slices missing was analyzed without a word.
// Each limit below says which measurement or part of the standard it comes from.
import type { SequenceId } from "../../contract/domain";
import { SEQUENCE_LABELS } from "../../contract/domain";
import type { QualityFinding } from "../../contract/quality";
import type { VolumeGeometry } from "../../contract/volume";

/** The header values of one frame the gate needs (from the reader's DicomInstance/FrameInfo). */
export interface FrameFacts {
  /** InstanceNumber (0020,0013) of the file; null when absent. */
  instanceNumber: number | null;
  /** Frames in the file (enhanced multi-frame files number files, not frames). */
  framesInFile: number;
  bitsStored: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  orientation: [number, number, number, number, number, number] | null;
  position: [number, number, number] | null;
  rows: number;
  columns: number;
}

export interface SeriesRef {
  sequence: SequenceId;
  seriesInstanceUid: string;
  /** How a nurse finds the series on the scanner: "series 7 'AX LAVA FLEX PV'". */
  label: string;
}

/**
 * Pixel spacing (PS3.3 C.7.6.2.1.3) accepted for a liver MRI series: 0.2-5 mm covers the paper's
 * Table 1 matrices at 300-450 mm FOV. DWI is acquired at a coarser matrix (64-128 at up to 440 mm:
 * the phantom's 64x64 DWI has 6.9 mm pixels), so its upper limit is 8 mm.
 */
const SPACING_MM: Record<SequenceId, [number, number]> = {
  T1_pre: [0.2, 5],
  T2: [0.2, 5],
  T1_arterial: [0.2, 5],
  T1_venous: [0.2, 5],
  DWI: [0.2, 8],
};
/** Slice thickness and slice-to-slice distance: Table 1 uses 2-10 mm; beyond 15 mm a 1 cm lesion
 * can fall between slices. */
const MAX_THICKNESS_MM = 15;
/** MR pixel data is 12-16 bits; fewer than 8 stored bits cannot carry MR contrast. */
const MIN_BITS_STORED = 8;
/** Stored values are at most 16 bits; rescaled MR values beyond this are not signal intensities. */
const MAX_ABS_INTENSITY = 1e6;
/**
 * Field of view that covers an adult liver: about 150 mm left-right and 150 mm cranio-caudal at
 * its largest; an axial FOV below 150 mm or a stack shorter than 80 mm cannot hold it.
 */
const MIN_INPLANE_FOV_MM = 150;
const MIN_STACK_MM = 80;
/** The CAD reads axial stacks: the slice normal must be within 30 degrees of the body axis. */
const MIN_AXIAL_COSINE = Math.cos((30 * Math.PI) / 180);
/** A distance between neighbouring slices above 1.5x the usual one is a missing slice. */
const GAP_FACTOR = 1.5;
/** Positions closer than this along the normal are the same slice position (as dicom/volume). */
const SAME_POSITION_MM = 1e-3;

/** What a nurse does about missing images (every "incomplete" finding says it). */
export const INCOMPLETE_ACTION =
  "Import the missing images (re-send the series), or analyze with the quality flag if the site allows it.";

const RESEND =
  "Re-send the series from the scanner or PACS, or choose another series for this sequence.";

export function finding(
  ref: SeriesRef,
  severity: QualityFinding["severity"],
  code: string,
  problem: string,
  action: string = RESEND,
): QualityFinding {
  const what = `${SEQUENCE_LABELS[ref.sequence]} (${ref.label})`;
  return {
    sequence: ref.sequence,
    seriesInstanceUid: ref.seriesInstanceUid,
    severity,
    code,
    message: `${what}: ${problem} ${action}`,
  };
}

const fmt = (x: number): string =>
  Math.abs(x) >= 1e5 || (x !== 0 && Math.abs(x) < 1e-3)
    ? x.toExponential(1)
    : String(+x.toFixed(3));

function distinct(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of sorted) {
    if (out.length === 0 || v - out[out.length - 1]! > SAME_POSITION_MM) out.push(v);
  }
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Header checks: rescale, bit depth, spacing, thickness, orientation, positions, numbering. */
export function checkHeaders(ref: SeriesRef, frames: FrameFacts[]): QualityFinding[] {
  const out: QualityFinding[] = [];
  if (frames.length === 0) {
    out.push(finding(ref, "refuse", "no-images", "the series has no readable images."));
    return out;
  }
  // Rescale (PS3.3 C.11.1.1.2): slope 0 makes every pixel the same value; huge intercepts or
  // non-finite values are not intensities.
  const badSlope = frames.find((f) => !Number.isFinite(f.rescaleSlope) || f.rescaleSlope === 0);
  if (badSlope) {
    out.push(
      finding(
        ref,
        "refuse",
        "rescale",
        `its Rescale Slope is ${fmt(badSlope.rescaleSlope)}, so the image values are meaningless.`,
      ),
    );
  }
  const badIntercept = frames.find(
    (f) => !Number.isFinite(f.rescaleIntercept) || Math.abs(f.rescaleIntercept) > MAX_ABS_INTENSITY,
  );
  if (badIntercept) {
    out.push(
      finding(
        ref,
        "refuse",
        "rescale",
        `its Rescale Intercept is ${fmt(badIntercept.rescaleIntercept)}, far outside MR intensities.`,
      ),
    );
  }
  const lowBits = frames.find((f) => f.bitsStored < MIN_BITS_STORED);
  if (lowBits) {
    out.push(
      finding(
        ref,
        "refuse",
        "bit-depth",
        `it stores ${lowBits.bitsStored} bit(s) per pixel; MR images need at least ${MIN_BITS_STORED}.`,
      ),
    );
  }
  const [lo, hi] = SPACING_MM[ref.sequence];
  const spacing = frames.find((f) => f.pixelSpacing !== null)?.pixelSpacing ?? null;
  if (spacing === null) {
    out.push(finding(ref, "refuse", "pixel-spacing", "its images have no Pixel Spacing."));
  } else if (spacing.some((s) => !Number.isFinite(s) || s < lo || s > hi)) {
    out.push(
      finding(
        ref,
        "refuse",
        "pixel-spacing",
        `its Pixel Spacing is ${spacing.map(fmt).join(" x ")} mm; a liver series has ${lo}-${hi} mm.`,
      ),
    );
  } else {
    const f = frames[0]!;
    const fov = [f.rows * spacing[0], f.columns * spacing[1]];
    if (fov.some((x) => x < MIN_INPLANE_FOV_MM)) {
      out.push(
        finding(
          ref,
          "refuse",
          "field-of-view",
          `its field of view is ${fov.map((x) => x.toFixed(0)).join(" x ")} mm, too small to hold the liver (at least ${MIN_INPLANE_FOV_MM} mm).`,
        ),
      );
    }
  }
  const thick = frames.find(
    (f) =>
      f.sliceThickness !== null &&
      (!Number.isFinite(f.sliceThickness) ||
        f.sliceThickness <= 0 ||
        f.sliceThickness > MAX_THICKNESS_MM),
  );
  if (thick) {
    out.push(
      finding(
        ref,
        "refuse",
        "thickness",
        `its Slice Thickness is ${fmt(thick.sliceThickness!)} mm; the CAD needs 0-${MAX_THICKNESS_MM} mm.`,
      ),
    );
  }
  const iop = frames.find((f) => f.orientation !== null)?.orientation ?? null;
  const positions = frames.filter((f) => f.position !== null);
  if (iop === null || positions.length === 0) {
    out.push(
      finding(
        ref,
        "refuse",
        "orientation",
        "its images have no position or orientation in the patient.",
      ),
    );
    return out;
  }
  const r = iop.slice(0, 3) as [number, number, number];
  const c = iop.slice(3, 6) as [number, number, number];
  const len = (v: number[]) => Math.hypot(v[0]!, v[1]!, v[2]!);
  const dotRc = r[0] * c[0] + r[1] * c[1] + r[2] * c[2];
  if (Math.abs(len(r) - 1) > 1e-2 || Math.abs(len(c) - 1) > 1e-2 || Math.abs(dotRc) > 1e-2) {
    out.push(
      finding(
        ref,
        "refuse",
        "orientation",
        "its Image Orientation is not two perpendicular unit directions (a corrupt header).",
      ),
    );
    return out;
  }
  const n: [number, number, number] = [
    r[1] * c[2] - r[2] * c[1],
    r[2] * c[0] - r[0] * c[2],
    r[0] * c[1] - r[1] * c[0],
  ];
  const nl = len(n);
  if (Math.abs(n[2] / nl) < MIN_AXIAL_COSINE) {
    out.push(
      finding(
        ref,
        "refuse",
        "orientation",
        "it is not an axial stack (coronal, sagittal or a localizer).",
        "Choose the axial series for this sequence.",
      ),
    );
    return out;
  }
  const along = distinct(
    positions.map(
      (f) => (f.position![0] * n[0] + f.position![1] * n[1] + f.position![2] * n[2]) / nl,
    ),
  );
  if (along.length === 1 && positions.length > 1) {
    out.push(
      finding(
        ref,
        "refuse",
        "one-position",
        `all ${positions.length} images are at one position, so there is no stack to read.`,
      ),
    );
    return out;
  }
  if (along.length >= 2) {
    const extent = along[along.length - 1]! - along[0]!;
    if (extent < MIN_STACK_MM) {
      out.push(
        finding(
          ref,
          "refuse",
          "field-of-view",
          `its ${along.length} slices cover ${extent.toFixed(0)} mm head to foot, too little to hold the liver (at least ${MIN_STACK_MM} mm).`,
        ),
      );
    }
    const steps = along.slice(1).map((z, i) => z - along[i]!);
    const usual = median(steps);
    if (usual > MAX_THICKNESS_MM) {
      out.push(
        finding(
          ref,
          "refuse",
          "thickness",
          `its slices are ${usual.toFixed(1)} mm apart; the CAD needs at most ${MAX_THICKNESS_MM} mm.`,
        ),
      );
    }
    let missing = 0;
    const where: string[] = [];
    steps.forEach((d, i) => {
      if (d > GAP_FACTOR * usual) {
        const lost = Math.max(1, Math.round(d / usual) - 1);
        missing += lost;
        where.push(`${lost} after ${fmt(along[i]!)} mm`);
      }
    });
    if (missing > 0) {
      out.push(
        finding(
          ref,
          "incomplete",
          "position-gap",
          `${missing} slice(s) missing in the stack (${where.slice(0, 3).join(", ")}).`,
          INCOMPLETE_ACTION,
        ),
      );
    }
  }
  // InstanceNumber (0020,0013) gaps among single-frame files: numbers usually run 1..N per
  // series, so a hole means a file that never arrived (or was rejected at import).
  const numbers = frames.filter((f) => f.framesInFile === 1).map((f) => f.instanceNumber);
  if (numbers.length > 1 && numbers.every((x) => x !== null)) {
    const uniq = [...new Set(numbers as number[])].sort((a, b) => a - b);
    const span = uniq[uniq.length - 1]! - uniq[0]! + 1;
    const holes = span - uniq.length;
    // Numbers that skip in steps (2, 4, 6 ...) are a numbering scheme, not missing files.
    const step = median(uniq.slice(1).map((x, i) => x - uniq[i]!));
    if (holes > 0 && step === 1) {
      const lost: number[] = [];
      for (let k = 1; k < uniq.length && lost.length < 5; k++) {
        for (let x = uniq[k - 1]! + 1; x < uniq[k]! && lost.length < 5; x++) lost.push(x);
      }
      out.push(
        finding(
          ref,
          "incomplete",
          "instance-gap",
          `${holes} image(s) missing by instance number (${lost.join(", ")}${holes > lost.length ? ", ..." : ""}).`,
          INCOMPLETE_ACTION,
        ),
      );
    }
  }
  return out;
}

/** Checks on the built volume's values: finite, within MR range, not all one value. */
export function checkIntensities(
  ref: SeriesRef,
  geometry: VolumeGeometry,
  data: Float32Array,
): QualityFinding[] {
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  // Every 7th value is plenty for a range check and keeps the gate under a millisecond a series.
  for (let i = 0; i < data.length; i += 7) {
    const v = data[i]!;
    if (!Number.isFinite(v)) nonFinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (nonFinite > 0) {
    return [
      finding(ref, "refuse", "intensity", "its image values are not numbers (corrupt data)."),
    ];
  }
  if (Math.max(Math.abs(min), Math.abs(max)) > MAX_ABS_INTENSITY) {
    return [
      finding(
        ref,
        "refuse",
        "intensity",
        `its image values reach ${fmt(Math.abs(max) > Math.abs(min) ? max : min)}, far outside MR intensities.`,
      ),
    ];
  }
  if (!(max > min)) {
    return [
      finding(
        ref,
        "refuse",
        "intensity",
        `all ${geometry.slices} slices have the single value ${fmt(min)}: the images are blank.`,
      ),
    ];
  }
  return [];
}
