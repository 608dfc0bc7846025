// Issue 16's analytics on hand-worked cohorts (the numbers are worked out in the comments).
import { describe, expect, it } from "vitest";
import type { Assessment } from "../../electron/contract/confidence";
import type { LesionClass } from "../../electron/contract/domain";
import {
  bootstrap,
  cohortAnalytics,
  confidenceAnalytics,
  confusionMatrix,
  cutoffCurve,
  formatTable3,
  lrocPoints,
  matchTruth,
  operatingPoint,
  quantile,
  READER_LEVELS,
  readerCases,
  table3Column,
  topConfident,
  wrongCases,
  type CohortCase,
  type ReaderRead,
  type TruthEntry,
} from "../../electron/evaluation/index";

function k(
  n: number,
  truth: LesionClass,
  prediction: LesionClass | null,
  pHcc: number | null,
  confidence: number | null,
  extra: Partial<CohortCase> = {},
): CohortCase {
  return {
    studyInstanceUid: `1.2.${n}`,
    truth,
    status: prediction === null ? "no-roi" : "analyzed",
    prediction,
    probabilities:
      pHcc === null ? null : { HCC: pHcc, ICC: (1 - pHcc) / 2, metastasis: (1 - pHcc) / 2 },
    confidence,
    localized: prediction !== null,
    largestLesionMm: null,
    fold: null,
    patientId: null,
    assessment: null,
    ...extra,
  };
}

describe("LROC with ties and unlocalized studies", () => {
  // 3 HCC (one without ROI), 2 others. Scores: HCC 0.9, HCC 0.6 tied with ICC 0.6, met 0.2.
  const cases = [
    k(1, "HCC", "HCC", 0.9, 0.9),
    k(2, "HCC", "HCC", 0.6, 0.8),
    k(3, "HCC", null, null, null),
    k(4, "ICC", "HCC", 0.6, 0.7),
    k(5, "metastasis", "metastasis", 0.2, 0.6),
  ];
  it("steps through distinct scores; tied scores move together; the unlocalized HCC never counts", () => {
    expect(lrocPoints(cases)).toEqual([
      { fpr: 0, tpr: 0, threshold: null, tp: 0, fp: 0 },
      { fpr: 0, tpr: 1 / 3, threshold: 0.9, tp: 1, fp: 0 },
      { fpr: 0.5, tpr: 2 / 3, threshold: 0.6, tp: 2, fp: 1 },
      { fpr: 1, tpr: 2 / 3, threshold: 0.2, tp: 2, fp: 2 },
    ]);
    // Trapezoids: 0 + 0.5 x (1/3 + 2/3) / 2 + 0.5 x 2/3 = 0.25 + 0.3333 = 0.5833.
    const a = cohortAnalytics(
      cases.map((c) => ({
        studyInstanceUid: c.studyInstanceUid,
        label: c.truth,
        largestLesionMm: null,
        lesions: null,
      })),
      {
        studies: cases
          .filter((c) => c.status === "analyzed")
          .map((c) => ({
            studyInstanceUid: c.studyInstanceUid,
            status: "analyzed",
            prediction: c.prediction,
            probabilities: c.probabilities,
            confidence: c.confidence,
            rois: [{ center_mm: [0, 0, 0] }],
          })),
      },
      [],
      { resamples: 50 },
    );
    expect(a.lroc.cad.auc).toBeCloseTo(7 / 12, 12);
    expect(a.composition.byStatus).toMatchObject({ analyzed: 4, missing: 1 });
    expect(a.confusion.HCC).toEqual({ HCC: 2, ICC: 0, metastasis: 0, none: 1 });
  });
  it("a reader is one operating point: 1 - specificity and sensitivity of the HCC call", () => {
    expect(operatingPoint("R", cases)).toEqual({ name: "R", n: 5, fpr: 0.5, tpr: 2 / 3 });
  });
});

describe("bootstrap with a fixed seed", () => {
  const cases = Array.from({ length: 20 }, (_, i) =>
    k(
      i,
      i % 2 === 0 ? "HCC" : "ICC",
      i < 15 ? (i % 2 === 0 ? "HCC" : "ICC") : "metastasis",
      0.5,
      0.5,
    ),
  );
  const acc = (cs: CohortCase[]) => ({
    accuracy: cs.filter((c) => c.prediction === c.truth).length / cs.length,
  });
  it("is the same on every run and moves with the seed", () => {
    const a = bootstrap(cases, acc, { resamples: 200, seed: 7 });
    expect(bootstrap(cases, acc, { resamples: 200, seed: 7 })).toEqual(a);
    expect(bootstrap(cases, acc, { resamples: 200, seed: 8 })).not.toEqual(a);
    // accuracy 0.75 on 20 studies: the interval straddles it and stays inside [0.5, 0.95].
    expect(a.accuracy[0]).toBeLessThan(0.75);
    expect(a.accuracy[1]).toBeGreaterThan(0.75);
    expect(a.accuracy[0]).toBeGreaterThan(0.5);
    expect(a.accuracy[1]).toBeLessThan(0.95);
  });
  it("a perfect CAD's interval is a point; quantiles interpolate (type 7)", () => {
    const perfect = cases.map((c) => ({ ...c, prediction: c.truth }));
    expect(bootstrap(perfect, acc, { resamples: 50 }).accuracy).toEqual([1, 1]);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20], 0.025)).toBeCloseTo(10.25, 12);
  });
});

describe("Table 3 across folds", () => {
  it("mean and sample SD of each fold's metric", () => {
    // fold 0: 2 of 2 right (accuracy 1); fold 1: 1 of 2 right (0.5). mean 0.75, SD 0.3536.
    const cases = [
      k(1, "HCC", "HCC", 0.9, 0.9, { fold: 0 }),
      k(2, "ICC", "ICC", 0.1, 0.9, { fold: 0 }),
      k(3, "HCC", "HCC", 0.8, 0.9, { fold: 1 }),
      k(4, "ICC", "HCC", 0.7, 0.9, { fold: 1 }),
    ];
    const col = table3Column("CAD", "cad", cases, { resamples: 20 });
    expect(col.cells.accuracy.value).toBe(0.75);
    expect(col.cells.accuracy.folds!.mean).toBe(0.75);
    expect(col.cells.accuracy.folds!.sd).toBeCloseTo(Math.SQRT1_2 / 2, 12);
    expect(col.cells.accuracy.folds!.n).toBe(2);
    expect(formatTable3([col])).toMatch(/Accuracy\s+0\.750 \(\d\.\d{3}-\d\.\d{3}\) 0\.750±0\.354/);
    expect(table3Column("R", "reader", cases, { resamples: 20 }).cells.hccAuc.value).toBeNaN();
  });
});

describe("Fig. 5 confidence cutoffs and the N% most confident", () => {
  const cases = [
    k(1, "HCC", "HCC", 0.9, 0.9),
    k(2, "ICC", "ICC", 0.1, 0.8),
    k(3, "ICC", "HCC", 0.6, 0.8),
    k(4, "metastasis", "metastasis", 0.1, 0.5),
    k(5, "HCC", null, null, null),
  ];
  it("keeps confidence >= each distinct cutoff; the no-ROI study is dropped by any cutoff", () => {
    const pts = cutoffCurve(cases);
    expect(pts.map((p) => [p.cutoff, p.kept, p.share])).toEqual([
      [0.5, 4, 0.8],
      [0.8, 3, 0.6],
      [0.9, 1, 0.2],
    ]);
    expect(pts.map((p) => p.accuracy)).toEqual([0.75, 2 / 3, 1]);
  });
  it("readers' levels 1-5: a level nobody reached gives no point", () => {
    const r = [
      k(1, "HCC", "HCC", null, 2),
      k(2, "ICC", "HCC", null, 4),
      k(3, "ICC", "ICC", null, 4),
    ];
    const pts = cutoffCurve(r, READER_LEVELS);
    expect(pts.map((p) => [p.cutoff, p.kept, p.accuracy])).toEqual([
      [1, 3, 2 / 3],
      [2, 3, 2 / 3],
      [3, 2, 0.5],
      [4, 2, 0.5],
    ]);
  });
  it("rounds as contract/confidence.ts: 70% of 4 scored keeps 3, of 5 keeps 4 (3.5 rounds up)", () => {
    expect(topConfident(cases, 70).map((c) => c.studyInstanceUid)).toEqual([
      "1.2.1",
      "1.2.2",
      "1.2.3",
    ]);
    const five = [...cases.slice(0, 4), k(6, "HCC", "HCC", 0.7, 0.95)];
    expect(topConfident(five, 70)).toHaveLength(4);
    expect(topConfident(five, 70)[0]!.studyInstanceUid).toBe("1.2.6");
  });
});

describe("confusion matrix and wrong cases", () => {
  it("rows are truth; no call is 'none'; mistakes listed most confident first", () => {
    const cases = [
      k(1, "HCC", "ICC", 0.3, 0.7),
      k(2, "HCC", null, null, null),
      k(3, "ICC", "ICC", 0.1, 0.9),
      k(4, "metastasis", "HCC", 0.8, 0.95),
    ];
    const m = confusionMatrix(cases);
    expect(m.HCC).toEqual({ HCC: 0, ICC: 1, metastasis: 0, none: 1 });
    expect(m.metastasis.HCC).toBe(1);
    expect(wrongCases(cases).map((w) => [w.studyInstanceUid, w.prediction])).toEqual([
      ["1.2.4", "HCC"],
      ["1.2.1", "ICC"],
      ["1.2.2", null],
    ]);
  });
});

describe("matching truth, readers and subgroups", () => {
  const truth: TruthEntry[] = [
    { studyInstanceUid: "1.1", label: "HCC", largestLesionMm: 15, lesions: null },
    { studyInstanceUid: "1.2", label: "ICC", largestLesionMm: 40, lesions: null },
    {
      studyInstanceUid: "1.3",
      label: "metastasis",
      largestLesionMm: 20,
      lesions: [{ center_mm: [0, 0, 0], diameter_mm: 20 }],
    },
  ];
  const p = { HCC: 0.2, ICC: 0.3, metastasis: 0.5 };
  const results = {
    studies: [
      {
        studyInstanceUid: "1.1",
        status: "analyzed",
        prediction: "HCC" as const,
        probabilities: p,
        confidence: 0.9,
        rois: [{ center_mm: [99, 0, 0] as [number, number, number] }],
      },
      {
        studyInstanceUid: "1.3",
        status: "analyzed",
        prediction: "metastasis" as const,
        probabilities: p,
        confidence: 0.8,
        rois: [{ center_mm: [40, 0, 0] as [number, number, number] }],
      },
    ],
  };
  it("label-only truth: any ROI localizes; lesion truth: the ROI must lie on the lesion", () => {
    const cases = matchTruth(truth, results);
    expect(cases.map((c) => [c.status, c.localized])).toEqual([
      ["analyzed", true],
      ["missing", false],
      ["analyzed", false], // 40 mm from a 20 mm lesion's centre: outside radius + 5 mm
    ]);
  });
  it("a reader is scored on the studies they read; 20 mm is <= 2 cm", () => {
    const reads: ReaderRead[] = [
      { reader: "A", studyInstanceUid: "1.1", diagnosis: "HCC", confidence: 5 },
      { reader: "A", studyInstanceUid: "1.3", diagnosis: "ICC", confidence: 2 },
      { reader: "B", studyInstanceUid: "1.2", diagnosis: "ICC", confidence: 3 },
    ];
    expect(readerCases(truth, reads, "A")).toHaveLength(2);
    const a = cohortAnalytics(truth, results, reads, { resamples: 20 });
    expect(a.table3.map((c) => [c.name, c.n])).toEqual([
      ["CAD", 3],
      ["A", 2],
      ["B", 1],
    ]);
    expect(a.composition.bySize).toEqual({ small: 2, large: 1, unknown: 0 });
    expect(a.subgroups.map((g) => g.n)).toEqual([2, 1]);
    expect(a.cutoff.map((c) => c.name)).toEqual(["CAD", "A", "B"]);
  });
});

describe("confidence beyond the paper", () => {
  it("a perfect ranking has E-AURC 0; a calibrated toy has ECE near 0; conformal coverage counts sets", () => {
    // 10 studies: the 6 most confident right, the 4 least wrong -> E-AURC 0.
    const cases = Array.from({ length: 10 }, (_, i) =>
      k(i, "HCC", i < 6 ? "HCC" : "ICC", i < 6 ? 0.9 : 0.2, 1 - i / 20),
    );
    expect(confidenceAnalytics(cases).eAurc).toBeCloseTo(0, 12);
    // The same ranking reversed (wrong calls most confident): AURC far above the oracle's.
    const reversed = cases.map((c, i) => ({ ...c, confidence: i / 20 }));
    expect(confidenceAnalytics(reversed).eAurc).toBeGreaterThan(0.3);
    // Calibrated toy: 10 calls at top probability 0.8, 8 right -> ECE 0.
    const toy = Array.from({ length: 10 }, (_, i) =>
      k(i, i < 8 ? "HCC" : "ICC", "HCC", 0.8, 0.5, {
        probabilities: { HCC: 0.8, ICC: 0.1, metastasis: 0.1 },
      }),
    );
    expect(confidenceAnalytics(toy).reliability.before.ece).toBeCloseTo(0, 12);
    const assessment = (set: LesionClass[]): Assessment => ({
      calibratedProbabilities: { HCC: 0.8, ICC: 0.1, metastasis: 0.1 },
      probCorrect: 0.8,
      band: "high",
      closeCall: false,
      predictionSet: set,
      coverage: 0.9,
      rankScore: 0.8,
      rankScoreName: "probCorrect",
    });
    const assessed = toy.map((c, i) => ({
      ...c,
      assessment: assessment(i < 9 ? ["HCC"] : ["HCC", "ICC"]),
    }));
    const ca = confidenceAnalytics(assessed);
    // Sets hold the truth for the 8 HCC and the last ICC: 9 of 10; sizes 9 x 1 + 2 = 11.
    expect(ca.conformal).toEqual({ nominal: 0.9, coverage: 0.9, meanSetSize: 1.1, n: 10 });
    expect(ca.scoreName).toBe("probCorrect");
    expect(ca.reliability.after!.how).toBe("the classifier manifest's calibration");
  });
});
