// export-training on a seeded 2-study phantom (seed "export-training-1", preset small): shapes and
// files, boxes on lesion pixels, detector slices = prepare's input, crops = the crop stage's output
// at ROIs computed here independently from truth.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEQUENCES, type SequenceId } from "../../../electron/contract/domain";
import type { Volume } from "../../../electron/contract/volume";
import { indexToPatient } from "../../../electron/contract/geometry";
import { withinLesion } from "../../../electron/evaluation/index";
import { generateCohort } from "../../../electron/phantom/cohort";
import type { Truth } from "../../../electron/phantom/truth";
import { resolvePipelineConfig } from "../../../electron/pipeline/config";
import { crop } from "../../../electron/pipeline/crop";
import { prepare } from "../../../electron/pipeline/prepare";
import type { Roi } from "../../../electron/pipeline/types";
import {
  exportTraining,
  loadStudySequences,
  readStudiesIn,
  type ExportSummary,
} from "../../../electron/services/training-export/index";

const SEED = "export-training-1";
const JITTER = 2;
let dir = "";
let out = "";
let truth: Truth;
let summary: ExportSummary;

interface BoxEntry {
  sample: number;
  patientId: string;
  slice: number;
  boxes: [number, number, number, number][];
}
interface LabelEntry {
  sample: number;
  patientId: string;
  label: string;
  lesionIndex: number;
  slice: number;
  jittered: boolean;
}
interface Meta {
  shape: number[];
  channels: string[];
  classes?: string[];
  studies: { patientId: string; studyInstanceUid: string; start: number; count: number }[];
}

const json = <T>(...p: string[]): T =>
  JSON.parse(fs.readFileSync(path.join(out, ...p), "utf8")) as T;
function tensor(...p: string[]): Float32Array {
  const buf = fs.readFileSync(path.join(out, ...p));
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-export-"));
  const cohort = path.join(dir, "cohort");
  out = path.join(dir, "out");
  generateCohort({ outDir: cohort, studies: 2, seed: SEED, preset: "small" });
  truth = JSON.parse(fs.readFileSync(path.join(cohort, "truth.json"), "utf8")) as Truth;
  summary = await exportTraining({ cohortDir: cohort, outDir: out, jitter: JITTER, seed: 7 });
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`export-training, phantom seed=${SEED} studies=2 preset=small`, () => {
  it("writes [N, C, 128, 128] detector tensors with one boxes.json entry per sample", () => {
    expect(summary.studies).toBe(2);
    for (const s of SEQUENCES) {
      const meta = json<Meta>("detectors", s, "meta.json");
      const boxes = json<BoxEntry[]>("detectors", s, "boxes.json");
      const C = s === "T2" ? 1 : 2;
      expect(meta.channels).toEqual(s === "T2" ? ["T2"] : [s, "T2"]);
      expect(meta.shape).toEqual([summary.detectorSamples[s], C, 128, 128]);
      expect(tensor("detectors", s, "x.f32").length).toBe(meta.shape.reduce((a, b) => a * b, 1));
      expect(boxes.map((b) => b.sample)).toEqual(boxes.map((_, i) => i));
      // Every lesion slice of the series is there, plus some lesion-free ones.
      for (const t of truth.studies) {
        const lesionSops = new Set(
          t.boxes.filter((b) => b.seriesInstanceUid === t.series[s]).map((b) => b.sopInstanceUid),
        );
        const mine = boxes.filter((b) => b.patientId === t.patientId);
        expect(mine.filter((b) => b.boxes.length > 0)).toHaveLength(lesionSops.size);
        expect(mine.length).toBeGreaterThan(lesionSops.size);
      }
      expect(meta.studies.map((r) => r.count).reduce((a, b) => a + b, 0)).toBe(boxes.length);
    }
  });

  it("puts boxes on lesion pixels: brighter than their surroundings on T2 and DWI", () => {
    for (const s of ["T2", "DWI"] as SequenceId[]) {
      const meta = json<Meta>("detectors", s, "meta.json");
      const x = tensor("detectors", s, "x.f32");
      const [, C, H, W] = meta.shape as [number, number, number, number];
      let brighter = 0;
      let total = 0;
      for (const e of json<BoxEntry[]>("detectors", s, "boxes.json")) {
        const img = x.subarray(e.sample * C * H * W, e.sample * C * H * W + H * W);
        for (const [x0, y0, x1, y1] of e.boxes) {
          expect(x0).toBeGreaterThanOrEqual(0);
          expect(y1).toBeLessThan(H);
          const [inside, ring] = insideAndRing(img, W, x0, y0, x1, y1);
          total += 1;
          if (inside > ring) brighter += 1;
        }
      }
      expect(total).toBeGreaterThan(5);
      expect(brighter / total, s).toBeGreaterThanOrEqual(0.85);
    }
  });

  it("stores each detector sample exactly as prepare hands it to the detector", async () => {
    const t = truth.studies[0]!;
    const { prepared } = await prepareStudy(t.studyInstanceUid);
    for (const s of SEQUENCES) {
      const input = prepared.detectorInputs.find((d) => d.sequence === s)!;
      const len = input.channels.length * 128 * 128;
      const x = tensor("detectors", s, "x.f32");
      const entries = json<BoxEntry[]>("detectors", s, "boxes.json");
      for (const e of entries.filter((b) => b.patientId === t.patientId)) {
        const got = x.subarray(e.sample * len, (e.sample + 1) * len);
        const want = input.data.subarray(e.slice * len, (e.slice + 1) * len);
        expect(firstDifference(got, want), `${s} sample ${e.sample}`).toBe(-1);
      }
    }
  });

  it("writes crop-stage crops at truth ROIs, K jittered copies each, with the study label", async () => {
    const meta = json<Meta>("classifier", "meta.json");
    const labels = json<LabelEntry[]>("classifier", "labels.json");
    const x = tensor("classifier", "x.f32");
    expect(meta.channels).toEqual([...SEQUENCES]);
    expect(meta.classes).toEqual(["HCC", "ICC", "metastasis"]);
    expect(meta.shape).toEqual([labels.length, 5, 64, 64]);
    expect(x.length).toBe(labels.length * 5 * 64 * 64);
    expect(labels.filter((l) => !l.jittered).length * (JITTER + 1)).toBe(labels.length);

    const t = truth.studies[0]!;
    const { prepared, loaded } = await prepareStudy(t.studyInstanceUid);
    expect(
      labels.filter((l) => l.patientId === t.patientId).every((l) => l.label === t.label),
    ).toBe(true);
    // The exact ROIs, computed here from the truth boxes on the native reference images.
    const ref = loaded.T1_venous;
    const rois: Roi[] = t.boxes
      .filter((b) => b.seriesInstanceUid === t.series.T1_venous)
      .map((b) => {
        const k = ref.sopInstanceUids.indexOf(b.sopInstanceUid);
        const [x0, y0, x1, y1] = b.box_px;
        const g = ref.volume.geometry;
        return {
          sliceIndex: k,
          cx: 0,
          cy: 0,
          centerMm: indexToPatient(g, [(x0 + x1) / 2, (y0 + y1) / 2, k]),
          w: 0,
          h: 0,
          widthMm: (x1 - x0) * g.columnSpacing,
          heightMm: (y1 - y0) * g.rowSpacing,
          score: 1,
          votes: 5,
          sequences: [],
          rank: 1,
        };
      })
      .sort((a, b) => a.sliceIndex - b.sliceIndex);
    // The truth ROIs sit on truth lesions by the evaluation's own criterion (evaluation/match.ts).
    for (const r of rois) expect(t.lesions.some((l) => withinLesion(r.centerMm, l))).toBe(true);
    const expected = crop(rois, prepared.normalized, prepared.reference, SEQUENCES, CONFIG);
    const exact = labels.filter((l) => l.patientId === t.patientId && !l.jittered);
    expect(exact.map((l) => l.slice)).toEqual(rois.map((r) => r.sliceIndex));
    const len = 5 * 64 * 64;
    exact.forEach((l, r) => {
      const got = x.subarray(l.sample * len, (l.sample + 1) * len);
      const want = expected.data.subarray(r * len, (r + 1) * len);
      let maxDiff = 0;
      for (let i = 0; i < len; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
      expect(maxDiff).toBeLessThan(1e-4);
      // Its jittered copies follow it and differ from it.
      const copy = x.subarray((l.sample + 1) * len, (l.sample + 2) * len);
      expect(labels[l.sample + 1]!.jittered).toBe(true);
      expect(firstDifference(copy, got)).toBeGreaterThanOrEqual(0);
    });
  });
});

const CONFIG = resolvePipelineConfig();

/** Index of the first differing value, -1 when equal (toEqual is slow on 100k-value arrays). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const prepared = new Map<string, ReturnType<typeof prepareStudyOnce>>();
function prepareStudy(studyInstanceUid: string): ReturnType<typeof prepareStudyOnce> {
  let p = prepared.get(studyInstanceUid);
  if (!p) {
    p = prepareStudyOnce(studyInstanceUid);
    prepared.set(studyInstanceUid, p);
  }
  return p;
}

async function prepareStudyOnce(studyInstanceUid: string) {
  const folders = fs.readdirSync(path.join(dir, "cohort"), { withFileTypes: true });
  for (const f of folders.filter((e) => e.isDirectory())) {
    const studies = await readStudiesIn(path.join(dir, "cohort", f.name));
    const study = studies.find((s) => s.studyInstanceUid === studyInstanceUid);
    if (!study) continue;
    const loaded = await loadStudySequences(study);
    const volumes = Object.fromEntries(SEQUENCES.map((s) => [s, loaded[s].volume])) as Record<
      SequenceId,
      Volume
    >;
    return { loaded, prepared: prepare(volumes, CONFIG) };
  }
  throw new Error(`study ${studyInstanceUid} not found`);
}

/** Mean inside the box's covered pixels and in the ring of one box size around it. */
function insideAndRing(
  img: Float32Array,
  W: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): [number, number] {
  const w = x1 - x0;
  const h = y1 - y0;
  let si = 0;
  let ni = 0;
  let so = 0;
  let no = 0;
  for (let j = Math.max(0, Math.floor(y0 - h)); j <= Math.min(W - 1, Math.ceil(y1 + h)); j++) {
    for (let i = Math.max(0, Math.floor(x0 - w)); i <= Math.min(W - 1, Math.ceil(x1 + w)); i++) {
      const v = img[j * W + i]!;
      if (i >= x0 && i <= x1 && j >= y0 && j <= y1) {
        si += v;
        ni += 1;
      } else {
        so += v;
        no += 1;
      }
    }
  }
  return [si / Math.max(1, ni), so / Math.max(1, no)];
}
