// Issue 11 §1: the domain-randomized preset and the shift test's preset. Plans are checked for the
// range they draw (60 studies, no rendering); rendered studies for determinism, DICOM validity
// (dciodvfy, dcmdump, implicit VR included), truth boxes and sequence assignment. Cohorts are named
// by seed (STYLE.md 11): "randomized-5" (2 studies, randomized: one explicit VR, one implicit) and "shifted-5" (1, shifted).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEQUENCES, type SequenceId } from "../../electron/contract/domain";
import { generateCohort, seriesFolder } from "../../electron/phantom/cohort";
import type { SeriesPlan } from "../../electron/phantom/geometry";
import { planCohort, type StudyPlan } from "../../electron/phantom/plan";
import { SEQUENCE_OF_KIND } from "../../electron/phantom/protocol";
import { renderSignal } from "../../electron/phantom/render";
import { buildScene } from "../../electron/phantom/scene";
import { sopInstanceUid, studyTruth, type Truth } from "../../electron/phantom/truth";
import { exportTraining } from "../../electron/services/training-export/index";
import { runCli } from "../helpers/cli";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "phantom-random-"));
const randomDir = path.join(tmp, "randomized");
const shiftedDir = path.join(tmp, "shifted");
const cliDir = path.join(tmp, "cli");

beforeAll(() => {
  generateCohort({ outDir: randomDir, studies: 2, seed: "randomized-5", preset: "randomized" });
  generateCohort({ outDir: shiftedDir, studies: 1, seed: "shifted-5", preset: "shifted" });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".dcm"))
    .sort();
}

/** A plan point (after the series' shift): its nearest slice k and continuous pixel (i, j) there. */
function nearestPixel(
  series: SeriesPlan,
  point: readonly number[],
): { k: number; i: number; j: number } {
  const c = point.map((v, a) => v + series.shift[a]!);
  const k = series.slices.reduce(
    (b, sl, i) =>
      Math.abs(sl.location - c[2]!) < Math.abs(series.slices[b]!.location - c[2]!) ? i : b,
    0,
  );
  const sl = series.slices[k]!;
  return {
    k,
    i: (c[0]! - sl.position[0]) / series.pixelSpacing,
    j: (c[1]! - sl.position[1]) / series.rowSpacing,
  };
}

const CAD = (p: StudyPlan) => p.series.filter((s) => SEQUENCE_OF_KIND[s.kind] !== undefined);

describe("randomized and shifted presets: what a plan draws (60 studies each)", () => {
  const random = planCohort({ seed: "randomized-range", studies: 60, preset: "randomized" });
  const shifted = planCohort({ seed: "shifted-range", studies: 60, preset: "shifted" });

  it("draws vendors, encodings, matrices, spacings and thicknesses across the stated ranges", () => {
    const series = random.flatMap(CAD);
    expect(new Set(series.map((s) => s.vendor))).toEqual(new Set(["GE", "Philips", "Canon"]));
    const implicit = random.filter((p) => p.series[0]!.implicitVr).length / random.length;
    expect(implicit).toBeGreaterThan(0.15);
    expect(implicit).toBeLessThan(0.55);
    expect(series.some((s) => s.rows !== s.matrix)).toBe(true);
    expect(series.some((s) => Math.abs(s.rowSpacing / s.pixelSpacing - 1) > 0.04)).toBe(true);
    for (const s of series) {
      expect(s.matrix).toBeGreaterThanOrEqual(64);
      expect(s.matrix).toBeLessThanOrEqual(512);
      expect(s.rows).toBeLessThanOrEqual(512);
      expect(s.pixelSpacing).toBeGreaterThanOrEqual(0.75);
      expect(s.pixelSpacing).toBeLessThanOrEqual(3.2);
      expect(s.thickness).toBeGreaterThanOrEqual(3.5);
      expect(s.thickness).toBeLessThanOrEqual(10);
      expect(Math.abs(s.shift[2])).toBeLessThanOrEqual(15);
    }
    const t2 = series.filter((s) => s.kind === "T2").map((s) => s.matrix);
    expect(Math.max(...t2) - Math.min(...t2)).toBeGreaterThan(150);
    // Every artefact and distractor appears somewhere in the cohort.
    const v = series.map((s) => s.variation!);
    expect(v.some((x) => x.motionBlur > 0)).toBe(true);
    expect(v.some((x) => x.gibbs > 0)).toBe(true);
    expect(v.some((x) => x.distortion > 0)).toBe(true);
    expect(v.some((x) => (x.tissueScale.fat ?? 1) > 4)).toBe(true);
    expect(v.every((x) => x.gamma === 1)).toBe(true);
    expect(random.some((p) => (p.distractors?.ascitesMm ?? 0) > 0)).toBe(true);
    expect(random.some((p) => (p.distractors?.cysts.length ?? 0) > 0)).toBe(true);
    expect(random.some((p) => (p.distractors?.hemangiomas.length ?? 0) > 0)).toBe(true);
    expect(random.some((p) => p.lesions.some((l) => (l.lobulation ?? 0) > 0.1))).toBe(true);
  });

  it("keeps the shift test's settings out of the randomized family", () => {
    const sSeries = shifted.flatMap(CAD);
    expect(new Set(sSeries.map((s) => s.vendor))).toEqual(new Set(["Siemens"]));
    // Thin contiguous T1 (2.6-3.4 mm) and the gamma intensity model are never drawn in training.
    const t1 = (p: StudyPlan[]) =>
      p
        .flatMap(CAD)
        .filter((s) => s.kind.startsWith("T1_"))
        .map((s) => s.thickness);
    expect(Math.max(...t1(shifted))).toBeLessThan(Math.min(...t1(random)));
    expect(sSeries.every((s) => s.variation!.gamma !== 1)).toBe(true);
    // A larger habitus: every shifted body is wider than the widest randomized body of the same plan.
    const width = (p: StudyPlan) => p.anatomy.body[1];
    const base = planCohort({ seed: "shifted-range", studies: 60, preset: "small" });
    shifted.forEach((p, i) => expect(width(p) / width(base[i]!)).toBeGreaterThan(1.129));
    random.forEach((p) => expect(p.anatomy.body[0]).toBeGreaterThan(0));
  });

  it("leaves the small preset's plan untouched (same seed, same plan as before randomization)", () => {
    const small = planCohort({ seed: "randomized-range", studies: 4, preset: "small" });
    for (const p of small) {
      expect(p.distractors).toBeNull();
      for (const s of p.series) {
        expect(s.variation).toBeNull();
        expect(s.vendor).toBe("GE");
        expect(s.rows).toBe(s.matrix);
      }
    }
  });
});

describe("randomized cohort on disk (seeds randomized-5, shifted-5)", () => {
  it("writes the same bytes for the same seed, in-process and through the CLI", () => {
    const r = runCli([
      "phantom",
      "--out",
      cliDir,
      "--studies",
      "2",
      "--seed",
      "randomized-5",
      "--preset",
      "randomized",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const list = files(randomDir);
    expect(files(cliDir)).toEqual(list);
    for (const f of list.filter((_, i) => i % 7 === 0)) {
      expect(
        fs.readFileSync(path.join(cliDir, f)).equals(fs.readFileSync(path.join(randomDir, f))),
        f,
      ).toBe(true);
    }
  });

  it("passes dciodvfy (no errors) on the first and last image of every series, implicit VR included", () => {
    const syntaxes = new Set<string>();
    for (const dir of [randomDir, shiftedDir]) {
      const all = files(dir);
      const bySeries = new Map<string, string[]>();
      for (const f of all) {
        const k = path.dirname(f);
        bySeries.set(k, [...(bySeries.get(k) ?? []), f]);
      }
      for (const list of bySeries.values()) {
        for (const f of [list[0]!, list[list.length - 1]!]) {
          const full = path.join(dir, f);
          const v = spawnSync("dciodvfy", [full], { encoding: "utf8" });
          const errors = `${v.stdout}${v.stderr}`.split("\n").filter((l) => /^Error/.test(l));
          expect(errors, f).toEqual([]);
          const d = spawnSync("dcmdump", ["-q", "+P", "0002,0010", full], { encoding: "utf8" });
          expect(d.status, d.stderr).toBe(0);
          syntaxes.add(/=(\w+)/.exec(d.stdout)?.[1] ?? "");
        }
      }
    }
    expect(syntaxes).toEqual(new Set(["LittleEndianExplicit", "LittleEndianImplicit"]));
  });

  it("maps every lesion centre (after the series' shift) into a truth box on all five sequences", () => {
    for (const [dir, seed, preset, n] of [
      [randomDir, "randomized-5", "randomized", 2],
      [shiftedDir, "shifted-5", "shifted", 1],
    ] as const) {
      const truth = JSON.parse(fs.readFileSync(path.join(dir, "truth.json"), "utf8")) as Truth;
      const plans = planCohort({ seed, studies: n, preset });
      truth.studies.forEach((study, s) => {
        const plan = plans[s]!;
        const scene = buildScene(plan);
        const empty = buildScene(plan, false);
        const lesion = plan.lesions[0]!;
        let differing = 0;
        for (const id of SEQUENCES) {
          const series = plan.series.find((x) => SEQUENCE_OF_KIND[x.kind] === id)!;
          expect(fs.existsSync(path.join(dir, plan.patientId, seriesFolder(series)))).toBe(true);
          const { k, i, j } = nearestPixel(series, lesion.center);
          const boxes = study.boxes.filter(
            (b) =>
              b.seriesInstanceUid === series.seriesInstanceUid &&
              b.box_px[0] <= i &&
              i <= b.box_px[2],
          );
          expect(
            boxes.some((b) => b.box_px[1] <= j && j <= b.box_px[3]),
            `${plan.patientId} ${id}`,
          ).toBe(true);
          const a = renderSignal(scene, series, k);
          const b = renderSignal(empty, series, k);
          const idx = Math.round(j) * series.matrix + Math.round(i);
          if (Math.abs(a[idx]! - b[idx]!) > 0.05 * b[idx]!) differing++;
        }
        expect(differing, plan.patientId).toBeGreaterThanOrEqual(3);
      });
    }
  });

  it("writes the cysts and haemangioma-like lesions as distractor boxes, apart from the lesions", () => {
    const truth = JSON.parse(fs.readFileSync(path.join(randomDir, "truth.json"), "utf8")) as Truth;
    const plans = planCohort({ seed: "randomized-5", studies: 2, preset: "randomized" });
    // randomized-5: the first study has two cysts, the second no distractor.
    expect(plans.map((p) => p.distractors?.cysts.length)).toEqual([2, 0]);
    expect(truth.studies[1]!.distractorBoxes).toEqual([]);
    const study = truth.studies[0]!;
    const plan = plans[0]!;
    const lesionBoxes = new Set(study.boxes.map((b) => JSON.stringify(b)));
    expect(study.distractorBoxes!.some((b) => lesionBoxes.has(JSON.stringify(b)))).toBe(false);
    for (const cyst of plan.distractors!.cysts) {
      for (const id of SEQUENCES) {
        const series = plan.series.find((x) => SEQUENCE_OF_KIND[x.kind] === id)!;
        const { k, i, j } = nearestPixel(series, cyst.center);
        const sop = study.distractorBoxes!.filter(
          (b) =>
            b.sopInstanceUid === sopInstanceUid(plan, series, k) &&
            b.box_px[0] <= i &&
            i <= b.box_px[2] &&
            b.box_px[1] <= j &&
            j <= b.box_px[3],
        );
        // A cyst under 2 mm in-plane on its nearest slice is not boxed (MIN_VISIBLE_HALF_MM).
        if (Math.min(cyst.semiAxes[0], cyst.semiAxes[1]) >= 2) expect(sop.length, id).toBe(1);
      }
    }
    const small = planCohort({ seed: "randomized-5", studies: 1, preset: "small" });
    expect(studyTruth(small[0]!).distractorBoxes).toBeUndefined();
  });

  it("exports the distractors as hard negatives (--distractor-slices) and not-a-lesion crops (--classifier-negatives), the classifier's tensors as they were", async () => {
    const truthFile = path.join(randomDir, "truth.json");
    const withDistractors = path.join(tmp, "export-with");
    const without = path.join(tmp, "export-without");
    await exportTraining({
      cohortDir: randomDir,
      outDir: withDistractors,
      seed: 7,
      distractorSlices: true,
      classifierNegatives: true,
    });
    // Without the option the detectors' slices are the draw's alone (as the shipped detectors
    // were trained), each listing its distractors as negatives.
    const plain = path.join(tmp, "export-plain");
    await exportTraining({ cohortDir: randomDir, outDir: plain, seed: 7 });
    const original = fs.readFileSync(truthFile, "utf8");
    const truth = JSON.parse(original) as Truth;
    for (const t of truth.studies) delete t.distractorBoxes;
    try {
      fs.writeFileSync(truthFile, JSON.stringify(truth));
      await exportTraining({ cohortDir: randomDir, outDir: without, seed: 7 });
    } finally {
      fs.writeFileSync(truthFile, original);
    }
    const read = (dir: string, ...p: string[]) => fs.readFileSync(path.join(dir, ...p));
    for (const f of ["x.f32", "labels.json"]) {
      expect(read(withDistractors, "classifier", f).equals(read(without, "classifier", f)), f).toBe(
        true,
      );
    }
    // The not-a-lesion crops: distractors (exact + one jitter per slice box) and background.
    const negLabels = JSON.parse(
      read(withDistractors, "classifier-negatives", "labels.json").toString(),
    ) as { sample: number; label: string; kind: string; jittered: boolean }[];
    const negMeta = JSON.parse(
      read(withDistractors, "classifier-negatives", "meta.json").toString(),
    ) as { shape: number[]; kinds: Record<string, number> };
    expect(negLabels.every((l, i) => l.label === "none" && l.sample === i)).toBe(true);
    const distractorCrops = negLabels.filter((l) => l.kind === "distractor");
    expect(distractorCrops.length).toBeGreaterThan(0);
    expect(distractorCrops.filter((l) => l.jittered)).toHaveLength(distractorCrops.length / 2);
    const background = negLabels.filter((l) => l.kind === "background").length;
    expect(background).toBeGreaterThan(0);
    expect(background).toBeLessThanOrEqual(2 * truth.studies.length);
    expect(negMeta.kinds).toEqual({ distractor: distractorCrops.length, background });
    const [n, c, h, w] = negMeta.shape;
    expect(n).toBe(negLabels.length);
    const negX = read(withDistractors, "classifier-negatives", "x.f32");
    expect(negX.length).toBe(n! * c! * h! * w! * 4);
    expect(new Float32Array(negX.buffer, negX.byteOffset, negX.length / 4).some((v) => v > 0)).toBe(
      true,
    );
    expect(fs.existsSync(path.join(plain, "classifier-negatives"))).toBe(false);
    type Entry = { patientId: string; slice: number; boxes: number[][]; negatives?: number[][] };
    for (const q of SEQUENCES) {
      const a = JSON.parse(
        read(withDistractors, "detectors", q, "boxes.json").toString(),
      ) as Entry[];
      const b = JSON.parse(read(without, "detectors", q, "boxes.json").toString()) as Entry[];
      const hard = a.filter((e) => e.negatives);
      expect(hard.length, q).toBeGreaterThan(0);
      for (const e of hard) {
        expect(e.negatives!.every((n) => n.length === 4 && n[0]! < n[2]! && n[1]! < n[3]!)).toBe(
          true,
        );
      }
      // Every slice kept before is kept again with the same boxes; the slices added are
      // distractors' slices that the 25% draw of lesion-free slices had left out.
      const key = (e: Entry) => `${e.patientId}:${e.slice}:${JSON.stringify(e.boxes)}`;
      const p = JSON.parse(read(plain, "detectors", q, "boxes.json").toString()) as Entry[];
      expect(p.map(key), q).toEqual(b.map(key));
      expect(
        read(plain, "detectors", q, "x.f32").equals(read(without, "detectors", q, "x.f32")),
        q,
      ).toBe(true);
      const before = new Set(b.map(key));
      expect(p.filter((e) => e.negatives).map(key), q).toEqual(
        a.filter((e) => e.negatives && before.has(key(e))).map(key),
      );
      const after = new Set(a.map(key));
      expect(
        b.every((e) => after.has(key(e))),
        q,
      ).toBe(true);
      expect(
        a.filter((e) => !before.has(key(e))).every((e) => e.negatives),
        q,
      ).toBe(true);
    }
  });

  it("imports with the five sequences assigned to the right series in every study", () => {
    for (const dir of [randomDir, shiftedDir]) {
      const home = path.join(tmp, `db-${path.basename(dir)}`);
      fs.mkdirSync(home);
      const json = path.join(home, "report.json");
      const r = runCli(["import", dir, "--db", path.join(home, "registry.sqlite"), "--json", json]);
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(fs.readFileSync(json, "utf8")) as {
        studies: {
          studyInstanceUid: string;
          complete: boolean;
          sequences: Record<SequenceId, string | null>;
        }[];
      };
      const truth = JSON.parse(fs.readFileSync(path.join(dir, "truth.json"), "utf8")) as Truth;
      for (const t of truth.studies) {
        const s = report.studies.find((x) => x.studyInstanceUid === t.studyInstanceUid)!;
        expect(s.complete).toBe(true);
        for (const q of SEQUENCES) expect(s.sequences[q], q).toBe(t.series[q]);
      }
    }
  });
});
