// `livercad evaluate` on a site's files (issue 16 §3): a label-only truth.json (it used to crash),
// a semicolon CSV with a BOM, readers, the report with every figure as SVG and PNG, and a bad CSV
// rejected with one message per row. A synthetic out.json: no models, no cohort, seconds.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-cli-evaluate-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CLASSES = ["HCC", "ICC", "metastasis"] as const;
// 24 studies, 8 per class; the CAD is right on 18 (every 4th study is called HCC, study 23 no ROI).
const studies = Array.from({ length: 24 }, (_, i) => {
  const truth = CLASSES[i % 3]!;
  const noRoi = i === 23;
  const prediction = noRoi ? null : i % 4 === 0 ? "HCC" : truth;
  const pHcc = prediction === "HCC" ? 0.6 + (i % 5) / 20 : 0.1 + (i % 3) / 20;
  return {
    truth,
    result: {
      studyInstanceUid: `1.2.826.0.1.${i + 1}`,
      patientId: `P${i + 1}`,
      status: noRoi ? "no-roi" : "analyzed",
      prediction,
      probabilities: noRoi ? null : { HCC: pHcc, ICC: (1 - pHcc) / 2, metastasis: (1 - pHcc) / 2 },
      confidence: noRoi ? null : 0.99 - i / 1000,
      rois: noRoi ? [] : [{ center_mm: [0, 0, 0] }],
      model: { models: [{ id: "classifier-densenet", version: "4", sha256: "ab".repeat(32) }] },
    },
  };
});
const results = path.join(dir, "out.json");
fs.writeFileSync(results, JSON.stringify({ studies: studies.map((s) => s.result) }));

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

describe("livercad evaluate on a site's files", () => {
  it("a label-only truth.json no longer crashes; --json keeps the all/top keys", () => {
    const truth = write(
      "labels.json",
      JSON.stringify({
        studies: studies.map((s) => ({
          studyInstanceUid: s.result.studyInstanceUid,
          label: s.truth,
        })),
      }),
    );
    const r = runCli(["evaluate", "--truth", truth, "--results", results, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      all: { n: number; accuracy: number };
      top: { n: number };
    };
    expect(out.all.n).toBe(24);
    // Wrong: studies 4, 8, 16, 20 (called HCC, not HCC: i % 4 === 0 and i % 3 !== 0) and 23 (no ROI).
    expect(out.all.accuracy).toBeCloseTo(19 / 24, 12);
    // The keys the training scripts read are there (issue 11 adds rank and confidence beside them).
    expect(Object.keys(out)).toEqual(expect.arrayContaining(["all", "top"]));
    expect(Object.keys(out)).not.toContain("analytics");
  });

  it("a semicolon CSV with a BOM and readers: Table 3 with intervals, the report and figures", () => {
    const truth = write(
      "truth.csv",
      "\uFEFFpatient_id;label;largest_lesion_mm\n" +
        studies.map((s, i) => `${s.result.patientId};${s.truth};${10 + i * 2}`).join("\n"),
    );
    const readers = write(
      "readers.csv",
      "reader,study_uid,diagnosis,confidence\n" +
        studies
          .flatMap((s, i) => [
            `R1,${s.result.studyInstanceUid},${s.truth},${1 + (i % 5)}`,
            `R2,${s.result.studyInstanceUid},${i % 2 ? s.truth : "ICC"},${1 + ((i * 3) % 5)}`,
          ])
          .join("\n"),
    );
    const report = path.join(dir, "report");
    const r = runCli([
      "evaluate",
      "--truth",
      truth,
      "--readers",
      readers,
      "--results",
      results,
      "--report",
      report,
      "--resamples",
      "200",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Accuracy\s+0\.792 \(0\.\d{3}-\d\.\d{3}\)\s+1\.000 \(1\.000-1\.000\)/);
    expect(r.stdout).toContain("figures=9 files=20");
    const figs = fs.readdirSync(path.join(report, "figures")).sort();
    for (const id of [
      "fig3-lroc",
      "fig5-cad-cutoff",
      "fig6-lroc-top",
      "reliability",
      "risk-coverage",
    ]) {
      expect(figs).toContain(`${id}.svg`);
      expect(figs).toContain(`${id}.png`);
      const png = fs.readFileSync(path.join(report, "figures", `${id}.png`));
      expect(png.subarray(1, 4).toString()).toBe("PNG");
    }
    const html = fs.readFileSync(path.join(report, "report.html"), "utf8");
    expect(html).toContain("classifier-densenet");
    expect(html).toContain("24 studies with a final diagnosis: HCC 8, ICC 8, metastasis 8");
    expect(html).toContain("&le; 2 cm 6, &gt; 2 cm 18");
    expect(html).not.toMatch(/<(script|link|img) /);
    expect((html.match(/<svg /g) ?? []).length).toBe(9);
  });

  it("a bad CSV is rejected whole with one message per row (exit 1)", () => {
    const truth = write(
      "bad.csv",
      [
        "study_uid,label",
        "1.2.826.0.1.1,HCC",
        "1.2.826.0.1.999,HCC",
        "1.2.826.0.1.2,adenoma",
        "1.2.826.0.1.1,HCC",
      ].join("\n"),
    );
    const r = runCli(["evaluate", "--truth", truth, "--results", results]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Truth file bad.csv rejected (3 problem(s)), nothing used");
    expect(r.stderr).toContain(
      `${truth} line 3: unknown study: no analyzed study with study_uid "1.2.826.0.1.999"`,
    );
    expect(r.stderr).toContain(`${truth} line 4: unknown label "adenoma"`);
    expect(r.stderr).toContain(
      `${truth} line 5: duplicate: study 1.2.826.0.1.1 already given on line 2`,
    );
    const noCol = write("nocol.csv", "reader,study_uid,diagnosis\nR1,1.2.826.0.1.1,HCC\n");
    const r2 = runCli([
      "evaluate",
      "--truth",
      path.join(dir, "labels.json"),
      "--readers",
      noCol,
      "--results",
      results,
    ]);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain("missing column(s) confidence");
  });
});
