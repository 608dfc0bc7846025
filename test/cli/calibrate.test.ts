// `livercad calibrate` and the confidence side of `livercad evaluate`, through the built CLI, on a
// tiny hand-made validation cohort (14 studies) and a tiny classifier model folder.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { confidenceScores } from "../../electron/contract/calibration";
import type { LesionClass } from "../../electron/contract/domain";
import { modelFolder } from "../fixtures/models/tiny-models";
import { runCli } from "../helpers/cli";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-cli-calibrate-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const P = (HCC: number, ICC: number, metastasis: number): Record<LesionClass, number> => ({
  HCC,
  ICC,
  metastasis,
});
const lesion = { center_mm: [0, 0, 0], diameter_mm: 20 };

// 12 analyzed with scores (9 right, 3 wrong), one analyzed before scores existed, one without ROI.
const rows: [string, LesionClass, Record<LesionClass, number>, number][] = [
  ...Array.from(
    { length: 9 },
    (_, k): [string, LesionClass, Record<LesionClass, number>, number] => [
      `1.2.${k}`,
      "HCC",
      P(0.7 + k / 100, 0.2 - k / 100, 0.1),
      0.01,
    ],
  ),
  // Confidently wrong: every probability score ranks these first; the MI ranks them last.
  ["1.2.9", "ICC", P(0.9, 0.06, 0.04), 0.2],
  ["1.2.10", "metastasis", P(0.85, 0.05, 0.1), 0.3],
  ["1.2.11", "ICC", P(0.95, 0.03, 0.02), 0.25],
];
const truth = {
  studies: [
    ...rows.map(([uid, label]) => ({ studyInstanceUid: uid, label, lesions: [lesion] })),
    { studyInstanceUid: "1.2.12", label: "HCC", lesions: [lesion] },
    { studyInstanceUid: "1.2.13", label: "HCC", lesions: [lesion] },
  ],
};
const results = {
  studies: [
    ...rows.map(([uid, , p, mi]) => ({
      studyInstanceUid: uid,
      status: "analyzed",
      prediction: "HCC",
      probabilities: p,
      confidence: 0.999,
      scores: confidenceScores(p, 0.999, mi),
      rois: [{ center_mm: [1, 2, 3], rank: 1 }],
      analyzedAt: `2026-12-04T10:${String(rows.findIndex((r) => r[0] === uid)).padStart(2, "0")}:00.000Z`,
    })),
    {
      studyInstanceUid: "1.2.12",
      status: "analyzed",
      prediction: "HCC",
      probabilities: P(0.8, 0.1, 0.1),
      confidence: 0.999,
      rois: [{ center_mm: [0, 0, 0], rank: 1 }],
    },
    {
      studyInstanceUid: "1.2.13",
      status: "no-roi",
      prediction: null,
      probabilities: null,
      confidence: null,
      rois: [],
    },
  ],
};
const write = (name: string, value: unknown): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
};
const truthFile = write("truth.json", truth);
const resultsFile = write("val-results.json", results);
const models = path.join(dir, "models");
const id = modelFolder(models, "classifier");
const manifestFile = path.join(models, id, "manifest.json");

describe("livercad calibrate", () => {
  it("fits on the cohort, writes the block with provenance, and evaluate applies it", () => {
    const before = fs.readFileSync(manifestFile, "utf8");
    const args = ["calibrate", "--truth", truthFile, "--results", resultsFile, "--models", models];
    const r = runCli([...args, "--coverage", "0.8", "--margin", "0.15"]);
    expect(r.stderr).toContain("skipped 1.2.12: no confidence scores (analyzed before issue 11)");
    expect(r.stderr).toContain("skipped 1.2.13: status no-roi");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("fitted on 12 of 14 studies");
    expect(r.stdout).toMatch(/negMutualInfo\s+0\.\d{3}\s+0\.000 {2}<- rank score/);
    expect(r.stdout).toMatch(/^temperature=\d+\.\d{4}$/m);
    expect(r.stdout).toMatch(/^ece_before=0\.\d{3} ece_after=0\.\d{3} \(15 bins\)$/m);
    const m = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Record<string, unknown>;
    const { calibration, ...rest } = m as { calibration: Record<string, unknown> };
    expect(rest).toEqual(JSON.parse(before));
    expect(calibration).toMatchObject({
      rankScore: "negMutualInfo",
      closeCallMargin: 0.15,
      conformal: { method: "LAC", coverage: 0.8, calibrationSize: 12 },
      provenance: {
        cohort: resultsFile,
        studies: 14,
        fitted: 12,
        resultsDate: "2026-12-04T10:11:00.000Z",
        appVersion: "0.1.0",
      },
    });
    const sha = (calibration.provenance as { truthSha256: string }).truthSha256;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);

    const e = runCli([
      "evaluate",
      "--truth",
      truthFile,
      "--results",
      resultsFile,
      "--models",
      models,
      "--json",
    ]);
    expect(e.status).toBe(0);
    const j = JSON.parse(e.stdout) as {
      rank: string;
      top: { n: number; accuracy: number };
      all: { hit: number; rois_per_study: number };
      confidence: { conformal: { n: number; nominal: number }; aurc: Record<string, number> };
    };
    expect(j.rank).toBe("assessment");
    // round(0.7 x 14) = 10: the ten lowest-MI studies, nine right and one wrong.
    expect(j.top.n).toBe(10);
    expect(j.top.accuracy).toBeCloseTo(9 / 10, 12);
    expect(j.all.hit).toBeCloseTo(13 / 14, 12);
    expect(j.all.rois_per_study).toBeCloseTo(13 / 14, 12);
    expect(j.confidence.conformal).toMatchObject({ n: 12, nominal: 0.8 });
  });

  it("refuses bad input with a message naming the file or option, leaving the manifest", () => {
    const before = fs.readFileSync(manifestFile, "utf8");
    const tiny = write("tiny.json", { studies: results.studies.slice(0, 3) });
    const r = runCli(["calibrate", "--truth", truthFile, "--results", tiny, "--models", models]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Cannot calibrate on ${tiny}: only 3 analyzed studies with scores`);
    expect(fs.readFileSync(manifestFile, "utf8")).toBe(before);
    const c = runCli(["calibrate", "--truth", truthFile, "--results", tiny, "--coverage", "90"]);
    expect(c.status).toBe(1);
    expect(c.stderr).toContain("--coverage must lie strictly between 0 and 1, got 90");
    const noScores = write("old.json", { studies: [results.studies[12]] });
    const e = runCli([
      "evaluate",
      "--truth",
      truthFile,
      "--results",
      noScores,
      "--rank",
      "assessment",
    ]);
    expect(e.status).toBe(1);
    expect(e.stderr).toContain(`--rank assessment: ${noScores} carries no assessment`);
  });
});
