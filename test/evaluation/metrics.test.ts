// Evaluation metrics on a 10-study case set worked out by hand (numbers in the comments).
import { describe, expect, it } from "vitest";
import type { LesionClass } from "../../electron/contract/domain";
import {
  evaluate,
  formatTable,
  hccLroc,
  keptCount,
  matchCases,
  mostConfident,
  type EvalCase,
} from "../../electron/evaluation/index";

function c(
  n: number,
  truth: LesionClass,
  status: EvalCase["status"],
  prediction: LesionClass | null,
  pHcc: number | null,
  confidence: number | null,
  localized: boolean,
): EvalCase {
  return {
    studyInstanceUid: `1.2.${n}`,
    truth,
    status,
    prediction,
    probabilities:
      pHcc === null ? null : { HCC: pHcc, ICC: (1 - pHcc) / 2, metastasis: (1 - pHcc) / 2 },
    confidence,
    localized,
  };
}

// 4 HCC (one without ROI), 3 ICC (one failed), 3 metastasis.
const CASES: EvalCase[] = [
  c(1, "HCC", "analyzed", "HCC", 0.9, 0.95, true),
  c(2, "HCC", "analyzed", "HCC", 0.8, 0.9, true),
  c(3, "HCC", "analyzed", "ICC", 0.4, 0.8, true),
  c(4, "HCC", "no-roi", null, null, null, false),
  c(5, "ICC", "analyzed", "ICC", 0.1, 0.92, true),
  c(6, "ICC", "analyzed", "HCC", 0.7, 0.85, true),
  c(7, "metastasis", "analyzed", "metastasis", 0.2, 0.88, true),
  c(8, "metastasis", "analyzed", "metastasis", 0.3, 0.7, true),
  c(9, "metastasis", "analyzed", "ICC", 0.05, 0.75, false),
  c(10, "ICC", "error", null, null, null, false),
];

describe("categorical metrics (unlocalized = misdiagnosis)", () => {
  const { all, top } = evaluate(CASES, 0.7);

  it("accuracy and one-vs-others counts", () => {
    expect(all.n).toBe(10);
    expect(all.accuracy).toBeCloseTo(5 / 10, 12); // studies 1, 2, 5, 7, 8
    // HCC: TP 1,2; FN 3,4 (4 has no ROI); FP 6; TN 5,7,8,9,10.
    expect(all.perClass.HCC).toMatchObject({ tp: 2, fn: 2, fp: 1, tn: 5 });
    expect(all.perClass.HCC.sensitivity).toBeCloseTo(0.5, 12);
    expect(all.perClass.HCC.specificity).toBeCloseTo(5 / 6, 12);
    expect(all.perClass.HCC.f1).toBeCloseTo(4 / 7, 12);
    // ICC: TP 5; FN 6,10; FP 3,9; TN 1,2,4,7,8.
    expect(all.perClass.ICC).toMatchObject({ tp: 1, fn: 2, fp: 2, tn: 5 });
    expect(all.perClass.ICC.f1).toBeCloseTo(1 / 3, 12);
    // metastasis: TP 7,8; FN 9; no FP.
    expect(all.perClass.metastasis).toMatchObject({ tp: 2, fn: 1, fp: 0, tn: 7 });
    expect(all.perClass.metastasis.specificity).toBe(1);
    expect(all.perClass.metastasis.f1).toBeCloseTo(0.8, 12);
    expect(all.meanF1).toBeCloseTo((4 / 7 + 1 / 3 + 0.8) / 3, 12);
    expect(all.localizationRate).toBeCloseTo(0.7, 12);
    expect(all.noRoiRate).toBeCloseTo(0.2, 12);
  });

  it("HCC-vs-others LROC: the unlocalized HCC caps sensitivity at 3/4", () => {
    const l = all.hccLroc;
    // Scores: + .9, + .8, - .7, + .4, - .3, - .2, - .1, - .05 (6 negatives, 4 positives).
    expect(l.curve).toEqual([
      [0, 0],
      [0, 0.25],
      [0, 0.5],
      [1 / 6, 0.5],
      [1 / 6, 0.75],
      [2 / 6, 0.75],
      [3 / 6, 0.75],
      [4 / 6, 0.75],
      [5 / 6, 0.75],
      [1, 0.75],
    ]);
    expect(l.auc).toBeCloseTo((1 / 6) * 0.5 + (5 / 6) * 0.75, 12); // 0.708333
    expect(l.maxSensitivity).toBeCloseTo(0.75, 12);
    expect(l.sensitivityAt80Specificity).toBeCloseTo(0.75, 12); // FPR 1/6 <= 0.2
  });

  it("the 70% most confident: 7 studies, the two without a confidence dropped first", () => {
    expect(top.n).toBe(7); // 1 (.95), 5 (.92), 2 (.90), 7 (.88), 6 (.85), 3 (.80), 9 (.75)
    expect(top.accuracy).toBeCloseTo(4 / 7, 12); // 1, 5, 2, 7
    expect(top.perClass.HCC).toMatchObject({ tp: 2, fn: 1, fp: 1, tn: 3 });
    expect(top.perClass.HCC.f1).toBeCloseTo(2 / 3, 12);
    expect(top.noRoiRate).toBe(0);
    // Scores kept: + .9, + .8, - .7, + .4, - .2, - .1, - .05 -> AUC = 1/4 * 2/3 + 3/4 * 1.
    expect(top.hccLroc.auc).toBeCloseTo(0.25 * (2 / 3) + 0.75, 12);
    expect(top.hccLroc.sensitivityAt80Specificity).toBeCloseTo(2 / 3, 12); // FPR 1/4 > 0.2
  });

  it("prints a Table-3-style table", () => {
    const t = formatTable(evaluate(CASES, 0.7));
    expect(t).toContain("all (n=10)");
    expect(t).toContain("top 70% confident (n=7)");
    expect(t).toMatch(/Accuracy\s+0\.500\s+0\.571/);
    expect(t).toMatch(/AUC\s+0\.708\s+0\.917/);
  });
});

describe("confidence subsets and LROC ties", () => {
  it("keeps round(n x fraction), halves up, exact products exact (the worklist's rule)", () => {
    expect(keptCount(100, 0.7)).toBe(70);
    expect(keptCount(10, 0.7)).toBe(7);
    expect(keptCount(3, 0.7)).toBe(2); // 2.1
    expect(keptCount(6, 0.7)).toBe(4); // 4.2: issue 11's "4 of 6", the app's count
    expect(keptCount(5, 0.7)).toBe(4); // 3.5 rounds up
    expect(keptCount(0, 0.7)).toBe(0);
    const items = [
      { id: "a", confidence: 0.8 },
      { id: "b", confidence: null },
      { id: "c", confidence: 0.8 },
      { id: "d", confidence: 0.9 },
    ];
    expect(mostConfident(items, 0.5).map((i) => i.id)).toEqual(["d", "a"]);
    expect(mostConfident(items, 1).map((i) => i.id)).toEqual(["d", "a", "c", "b"]);
  });

  it("mean F1 leaves out a class that is neither present nor predicted", () => {
    const m = evaluate([
      c(1, "HCC", "analyzed", "HCC", 0.9, 0.9, true),
      c(2, "metastasis", "analyzed", "HCC", 0.6, 0.9, true),
    ]).all;
    expect(Number.isNaN(m.perClass.ICC.f1)).toBe(true);
    // HCC F1 = 2/(2+1) ; metastasis F1 = 0 (one FN).
    expect(m.meanF1).toBeCloseTo((2 / 3 + 0) / 2, 12);
  });

  it("a tied positive and negative score make a diagonal step (AUC 0.5)", () => {
    const l = hccLroc([
      c(1, "HCC", "analyzed", "HCC", 0.5, 0.9, true),
      c(2, "ICC", "analyzed", "HCC", 0.5, 0.9, true),
    ]);
    expect(l.curve).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(l.auc).toBeCloseTo(0.5, 12);
  });
});

describe("matching truth.json and out.json", () => {
  it("marks localization within radius + 5 mm and missing results", () => {
    const truth = {
      studies: [
        {
          studyInstanceUid: "1",
          label: "HCC" as const,
          lesions: [{ center_mm: [10, 0, 0] as [number, number, number], diameter_mm: 20 }],
        },
        {
          studyInstanceUid: "2",
          label: "ICC" as const,
          lesions: [{ center_mm: [0, 0, 0] as [number, number, number], diameter_mm: 10 }],
        },
        { studyInstanceUid: "3", label: "metastasis" as const, lesions: [] },
      ],
    };
    const p = { HCC: 0.6, ICC: 0.3, metastasis: 0.1 };
    const results = {
      studies: [
        {
          studyInstanceUid: "1",
          status: "analyzed",
          prediction: "HCC" as const,
          probabilities: p,
          confidence: 0.9,
          rois: [{ center_mm: [10, 14.9, 0] as [number, number, number] }], // 14.9 <= 10 + 5
        },
        {
          studyInstanceUid: "2",
          status: "analyzed",
          prediction: "HCC" as const,
          probabilities: p,
          confidence: 0.8,
          rois: [{ center_mm: [0, 0, 10.1] as [number, number, number] }], // 10.1 > 5 + 5
        },
      ],
    };
    const cases = matchCases(truth, results);
    expect(cases.map((x) => x.localized)).toEqual([true, false, false]);
    expect(cases[2]!.status).toBe("missing");
    expect(evaluate(cases).all.noRoiRate).toBeCloseTo(1 / 3, 12);
  });
});
