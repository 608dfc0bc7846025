// The analysis commands' refusals and empty states, through the built CLI (no models, no cohort).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-cli-analysis-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("livercad analyze / worklist / evaluate", () => {
  it("analyze without trained models exits 1 naming the models folder", () => {
    const models = path.join(dir, "empty-models");
    const r = runCli(["analyze", "--db", path.join(dir, "r.sqlite"), "--models", models]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`No trained models in ${models}`);
    expect(r.stderr).toContain("[MODEL_INTEGRITY]");
  });

  it("analyze refuses a --config file that is not JSON, not an object or names an unknown parameter", () => {
    const cases: [string, RegExp][] = [
      ["{ sliceVoting: slab", /bad\.json is not valid JSON: /],
      ['["slab"]', /bad\.json must hold a JSON object of pipeline parameters/],
      [
        '{"sliceVotng": "slab", "topFraction": 0.5}',
        /bad\.json: unknown parameter sliceVotng \(known: version, scoreThreshold, .*sliceVoting/,
      ],
    ];
    const file = path.join(dir, "bad.json");
    for (const [text, message] of cases) {
      fs.writeFileSync(file, text);
      const r = runCli(["analyze", "--db", path.join(dir, "r.sqlite"), "--config", file]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it("worklist on an empty registry says there is nothing analyzed yet", () => {
    const r = runCli(["worklist", "--db", path.join(dir, "r.sqlite")]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("no analyzed studies yet");
  });

  it("evaluate scores an out.json against a truth.json (one study without ROI)", () => {
    const lesion = { center_mm: [0, 0, 0], diameter_mm: 20 };
    const truth = {
      studies: [
        { studyInstanceUid: "1", label: "HCC", lesions: [lesion] },
        { studyInstanceUid: "2", label: "ICC", lesions: [lesion] },
      ],
    };
    const out = {
      studies: [
        {
          studyInstanceUid: "1",
          status: "analyzed",
          prediction: "HCC",
          probabilities: { HCC: 0.8, ICC: 0.1, metastasis: 0.1 },
          confidence: 0.95,
          rois: [{ center_mm: [1, 2, 3] }],
        },
        {
          studyInstanceUid: "2",
          status: "no-roi",
          prediction: null,
          probabilities: null,
          confidence: null,
          rois: [],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, "truth.json"), JSON.stringify(truth));
    fs.writeFileSync(path.join(dir, "out.json"), JSON.stringify(out));
    const args = ["evaluate", "--truth", path.join(dir, "truth.json")];
    const r = runCli([...args, "--results", path.join(dir, "out.json"), "--top", "50"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Accuracy\s+0\.500\s+1\.000/);
    expect(r.stdout).toMatch(/No-ROI rate\s+0\.500\s+0\.000/);
    const j = runCli([...args, "--results", path.join(dir, "out.json"), "--json"]);
    const e = JSON.parse(j.stdout) as { all: { localizationRate: number; n: number } };
    expect(e.all).toMatchObject({ n: 2, localizationRate: 0.5 });
  });
});
