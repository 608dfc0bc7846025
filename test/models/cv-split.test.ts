// The cross-validation split of `npm run train:cv` (native-models/training/cv.py, issue 16 §4):
// folds stratified per class, every study tested exactly once, training / validation / test
// disjoint in every fold, the cohort folders hard-linked. Python on a 15-study stand-in cohort
// (a file per study; no DICOM needed), ~1 s.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CV = path.resolve("native-models/training/cv.py");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-cv-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CLASSES = ["HCC", "ICC", "metastasis"];
const cohort = path.join(dir, "cohort");
const studies = Array.from({ length: 16 }, (_, i) => ({
  patientId: `P${i}`,
  studyInstanceUid: `1.2.${i}`,
  // 6 HCC, 5 ICC, 5 metastasis
  label: CLASSES[i % 3],
}));
for (const s of studies) {
  fs.mkdirSync(path.join(cohort, s.patientId), { recursive: true });
  fs.writeFileSync(path.join(cohort, s.patientId, "image.dcm"), s.studyInstanceUid);
}
fs.writeFileSync(path.join(cohort, "truth.json"), JSON.stringify({ studies }));

const split = (out: string, folds: number) =>
  spawnSync(
    "/usr/bin/python3",
    [CV, "split", "--cohort", cohort, "--folds", String(folds), "--out", out],
    {
      encoding: "utf8",
    },
  );

describe("cv.py split", () => {
  it("5 folds stratified per class; each study tested once; roles disjoint; hard links", () => {
    const out = path.join(dir, "work");
    const r = split(out, 5);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const folds = JSON.parse(fs.readFileSync(path.join(out, "folds.json"), "utf8")) as Record<
      string,
      number
    >;
    expect(Object.keys(folds).sort()).toEqual(studies.map((s) => s.studyInstanceUid).sort());
    const size = [0, 1, 2, 3, 4].map((f) => Object.values(folds).filter((x) => x === f).length);
    expect(Math.max(...size) - Math.min(...size)).toBeLessThanOrEqual(1);
    for (const cls of CLASSES) {
      const per = [0, 1, 2, 3, 4].map(
        (f) => studies.filter((s) => s.label === cls && folds[s.studyInstanceUid] === f).length,
      );
      expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
    }
    const tested: string[] = [];
    for (let f = 0; f < 5; f++) {
      const uids = (role: string) =>
        (
          JSON.parse(fs.readFileSync(path.join(out, `fold-${f}`, role, "truth.json"), "utf8")) as {
            studies: { studyInstanceUid: string }[];
          }
        ).studies.map((s) => s.studyInstanceUid);
      const [train, val, test] = [uids("train"), uids("val"), uids("test")];
      expect(train.length + val.length + test.length).toBe(16);
      expect(new Set([...train, ...val, ...test]).size).toBe(16);
      expect(test.every((u) => folds[u] === f)).toBe(true);
      expect(val.every((u) => folds[u] === (f + 1) % 5)).toBe(true);
      tested.push(...test);
      const p = studies.find((s) => s.studyInstanceUid === test[0])!.patientId;
      expect(
        fs.statSync(path.join(out, `fold-${f}`, "test", p, "image.dcm")).nlink,
      ).toBeGreaterThan(1);
    }
    expect(tested.sort()).toEqual(studies.map((s) => s.studyInstanceUid).sort());
    // The same seed gives the same folds.
    split(path.join(dir, "again"), 5);
    expect(fs.readFileSync(path.join(dir, "again", "folds.json"), "utf8")).toBe(
      fs.readFileSync(path.join(out, "folds.json"), "utf8"),
    );
  });

  it("fewer than 3 folds cannot hold training, validation and test apart", () => {
    const r = split(path.join(dir, "two"), 2);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("at least 3 folds");
  });
});

describe("cv.py rename-models", () => {
  it("gives each fold model its own id (folder and manifest), once", () => {
    const models = path.join(dir, "models");
    for (const id of ["classifier-densenet", "detector-t2"]) {
      fs.mkdirSync(path.join(models, id), { recursive: true });
      fs.writeFileSync(
        path.join(models, id, "manifest.json"),
        JSON.stringify({ id, version: "1.0.0", files: {} }),
      );
    }
    fs.mkdirSync(path.join(models, "not-a-model"));
    // train_all.sh stages candidates as hard links of the trained models: those stay as they were.
    const linked = path.join(dir, "linked-manifest.json");
    fs.linkSync(path.join(models, "detector-t2", "manifest.json"), linked);
    const rename = () =>
      spawnSync("/usr/bin/python3", [CV, "rename-models", "--models", models, "--prefix", "cv3-"], {
        encoding: "utf8",
      });
    const r = rename();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "classifier-densenet -> cv3-classifier-densenet\ndetector-t2 -> cv3-detector-t2\n",
    );
    expect(fs.readdirSync(models).sort()).toEqual([
      "cv3-classifier-densenet",
      "cv3-detector-t2",
      "not-a-model",
    ]);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(models, "cv3-detector-t2", "manifest.json"), "utf8"),
    ) as { id: string; version: string };
    expect(manifest).toMatchObject({ id: "cv3-detector-t2", version: "1.0.0" });
    expect(JSON.parse(fs.readFileSync(linked, "utf8"))).toMatchObject({ id: "detector-t2" });
    // A resumed run renames nothing twice.
    expect(rename().stdout).toBe("");
  });
});
