// The phantom cohort (seeded, issue 2) read with the DICOM reader: every study must get exactly
// the five series its truth.json names, every distractor must be set aside, and the volumes built
// from the files must put each truth lesion inside its truth box.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEQUENCES } from "../../electron/contract/domain";
import { assignSequences } from "../../electron/dicom/assign";
import type { SeriesCandidate } from "../../electron/dicom/assign";
import { patientToIndex } from "../../electron/contract/geometry";
import type { DicomInstance } from "../../electron/dicom/instance";
import { loadSeriesFromInstances } from "../../electron/dicom/load-series";
import { readDicomFile } from "../../electron/dicom/read/index";
import { generateCohort } from "../../electron/phantom/cohort";
import type { Truth } from "../../electron/phantom/truth";

const SEED = "assign-phantom-1";
const STUDIES = 2;
let dir = "";
let truth: Truth;
const studies = new Map<string, Map<string, DicomInstance[]>>();

function files(root: string): string[] {
  return fs.readdirSync(root, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(root, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith(".dcm") ? [p] : [];
  });
}

/** What the import service hands to assignSequences for one series. */
function candidateOf(instances: DicomInstance[]): SeriesCandidate {
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
    frameCount: instances.reduce((n, i) => n + i.frames.length, 0),
    rows: frame.rows,
    columns: frame.columns,
    sliceThickness: frame.sliceThickness,
    bValues: [...b],
    imageOrientationPatient: frame.imageOrientationPatient,
  };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-assign-"));
  generateCohort({ outDir: dir, studies: STUDIES, seed: SEED, preset: "small" });
  truth = JSON.parse(fs.readFileSync(path.join(dir, "truth.json"), "utf8")) as Truth;
  for (const f of files(dir)) {
    const outcome = await readDicomFile(f);
    if (outcome.kind !== "instance") continue;
    const inst = outcome.instance;
    const study = studies.get(inst.study.studyInstanceUid) ?? new Map<string, DicomInstance[]>();
    studies.set(inst.study.studyInstanceUid, study);
    const list = study.get(inst.series.seriesInstanceUid) ?? [];
    list.push(inst);
    study.set(inst.series.seriesInstanceUid, list);
  }
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`phantom cohort seed=${SEED} studies=${STUDIES} preset=small`, () => {
  it("assigns all five sequences of every study exactly as truth.json says", () => {
    expect(truth.studies).toHaveLength(STUDIES);
    for (const t of truth.studies) {
      const series = studies.get(t.studyInstanceUid);
      expect(series, t.studyInstanceUid).toBeDefined();
      const candidates = [...series!.values()].map(candidateOf);
      // The phantom writes distractors (localizer, in/opposed phase, ADC, delayed phase).
      expect(candidates.length).toBeGreaterThan(5);
      const r = assignSequences(candidates);
      expect(r.missing).toEqual([]);
      const got = Object.fromEntries(r.assignments.map((a) => [a.sequence, a.seriesInstanceUid]));
      expect(got).toEqual(t.series);
      const distractors = candidates.length - SEQUENCES.length;
      expect(r.excluded).toHaveLength(distractors);
    }
  });

  it("builds volumes whose geometry puts each lesion inside its truth box", async () => {
    const t = truth.studies[0]!;
    const series = studies.get(t.studyInstanceUid)!;
    const candidates = [...series.values()].map(candidateOf);
    const r = assignSequences(candidates);
    let checked = 0;
    for (const a of r.assignments) {
      const built = await loadSeriesFromInstances(series.get(a.seriesInstanceUid)!, {
        bValue: a.bValue ?? null,
      });
      expect(built.warnings.filter((w) => /repeat|Non-uniform/.test(w))).toEqual([]);
      for (const lesion of t.lesions) {
        const [x, y, k] = patientToIndex(built.volume.geometry, lesion.center_mm);
        const sop = built.sopInstanceUids[Math.round(k)];
        const box = t.boxes.find(
          (b) => b.seriesInstanceUid === a.seriesInstanceUid && b.sopInstanceUid === sop,
        );
        if (!box) continue; // lesion too small on this slice to be annotated
        const [x0, y0, x1, y1] = box.box_px;
        expect(x).toBeGreaterThanOrEqual(x0);
        expect(x).toBeLessThanOrEqual(x1);
        expect(y).toBeGreaterThanOrEqual(y0);
        expect(y).toBeLessThanOrEqual(y1);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
