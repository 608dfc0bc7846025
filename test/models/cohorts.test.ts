// Cohorts made of parts (`npm run train`: the validation and held-out cohorts mix the `small` and
// `clinical` presets): `train.py merge-cohorts` hard-links the parts into one folder with one
// truth.json and refuses a study that two parts share; finalize.py scores every part alone next to
// the whole cohort. Needs Debian's python3 with python3-torch.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO } from "../inference/helpers";

const PY = "/usr/bin/python3";
const TRAINING = join(REPO, "native-models/training");
const hasTorch = spawnSync(PY, ["-c", "import torch, onnx"]).status === 0;

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "livercad-cohorts-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A cohort folder with one file per study and its truth.json. */
function cohort(name: string, patients: string[]): string {
  const dir = join(work, name);
  for (const p of patients) {
    mkdirSync(join(dir, p, "series-1"), { recursive: true });
    writeFileSync(join(dir, p, "series-1", "1.dcm"), `${name}/${p}`);
  }
  const studies = patients.map((p) => ({
    patientId: p,
    studyInstanceUid: `2.25.${p}`,
    label: "HCC",
  }));
  writeFileSync(join(dir, "truth.json"), JSON.stringify({ studies }));
  return dir;
}

function merge(out: string, ...inputs: string[]) {
  return spawnSync(PY, [join(TRAINING, "train.py"), "merge-cohorts", "--out", out, ...inputs], {
    encoding: "utf8",
  });
}

describe.skipIf(!hasTorch)("cohorts made of parts", () => {
  it("merges the parts by hard links into one folder with all their studies in order", () => {
    const a = cohort("small", ["1", "2"]);
    const b = cohort("clinical", ["3"]);
    const out = join(work, "merged");
    const run = merge(out, a, b);
    expect(run.status, run.stderr).toBe(0);
    const truth = JSON.parse(readFileSync(join(out, "truth.json"), "utf8")) as {
      studies: { patientId: string }[];
    };
    expect(truth.studies.map((s) => s.patientId)).toEqual(["1", "2", "3"]);
    const file = join(out, "3", "series-1", "1.dcm");
    expect(readFileSync(file, "utf8")).toBe("clinical/3");
    expect(statSync(file).ino).toBe(statSync(join(b, "3", "series-1", "1.dcm")).ino);
  });

  it("refuses a study that two parts share, naming the part", () => {
    const a = cohort("small", ["1", "2"]);
    const b = cohort("clinical", ["2"]);
    const run = merge(join(work, "merged"), a, b);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`${b}: study 2 already in another part`);
  });

  it("scores each held-out part alone next to the whole cohort", () => {
    const side = (accuracy: number, meanF1: number) => ({
      accuracy,
      meanF1,
      localizationRate: 1,
      noRoiRate: 0,
      hccLroc: { auc: 0.95, curve: [] },
    });
    const ev = (acc: number, f1: number, topF1: number) => ({
      all: side(acc, f1),
      top: { ...side(acc, topF1), fraction: 0.7 },
    });
    const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(TRAINING)})
import common, finalize
parts = common.parse_parts("small:3:s-A clinical:1:s-B")
per_part = {"small": (${JSON.stringify(ev(0.9, 0.85, 0.9))}, 3, "s-A"),
            "clinical": (${JSON.stringify(ev(0.7, 0.6, 0.7))}, 1, "s-B")}
print(json.dumps(finalize.summary(${JSON.stringify(ev(0.85, 0.8, 0.84))}, 4, "s-A + s-B", parts, per_part)))`;
    const run = spawnSync(PY, ["-c", script], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const held = JSON.parse(run.stdout) as {
      cohort: { parts: unknown[] };
      targets: { top70MeanF1Gain: { value: number; met: boolean } };
      byPart: Record<string, { accuracy: number; top70MeanF1Gain: number }>;
    };
    expect(held.cohort.parts).toEqual([
      { preset: "small", studies: 3, seed: "s-A" },
      { preset: "clinical", studies: 1, seed: "s-B" },
    ]);
    expect(held.targets.top70MeanF1Gain).toMatchObject({ value: 0.04, met: false });
    expect(held.byPart.small).toMatchObject({ accuracy: 0.9, top70MeanF1Gain: 0.05 });
    expect(held.byPart.clinical).toMatchObject({ accuracy: 0.7, top70MeanF1Gain: 0.1 });
  });
});
