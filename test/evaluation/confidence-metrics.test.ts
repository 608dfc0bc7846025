// Confidence metrics and calibration fits on cases worked out by hand (numbers in the comments).
import { describe, expect, it } from "vitest";
import {
  DEFAULT_BANDS,
  assess,
  bandOf,
  rankedClasses,
  type Calibration,
} from "../../electron/contract/calibration";
import type { LesionClass, Vec3 } from "../../electron/contract/domain";
import {
  apsScore,
  apsSet,
  conformalSet,
  fitLac,
  lacScore,
  lacSet,
  aurc,
  confidenceScores,
  conformalQuantile,
  conformalReport,
  eAurc,
  ece,
  entropy,
  evaluate,
  fitAps,
  fitCalibration,
  formatConfidence,
  matchCases,
  fitTemperature,
  mutualInformation,
  nll,
  reliabilityBins,
  riskCoverage,
  temperatureScale,
  topCalls,
  type EvalCase,
  type LabeledProbabilities,
} from "../../electron/evaluation/index";

const P = (HCC: number, ICC: number, metastasis: number): Record<LesionClass, number> => ({
  HCC,
  ICC,
  metastasis,
});

describe("risk-coverage, AURC, E-AURC", () => {
  // Scores 0.9 right, 0.8 wrong, 0.7 right, 0.6 wrong: risks 0, 1/2, 1/3, 1/2.
  const calls = [
    { score: 0.7, correct: true },
    { score: 0.9, correct: true },
    { score: 0.6, correct: false },
    { score: 0.8, correct: false },
  ];
  it("keeps the k most confident and measures their error rate", () => {
    expect(riskCoverage(calls).map((p) => [p.coverage, p.risk])).toEqual([
      [0.25, 0],
      [0.5, 0.5],
      [0.75, 1 / 3],
      [1, 0.5],
    ]);
  });
  it("AURC is the mean risk; E-AURC subtracts the oracle's (0, 0, 1/3, 1/2)", () => {
    expect(aurc(calls)).toBeCloseTo((0 + 0.5 + 1 / 3 + 0.5) / 4, 12);
    expect(eAurc(calls)).toBeCloseTo((0.5 + 1 / 3 + 0.5) / 4 - (1 / 3 + 0.5) / 4, 12);
  });
  it("spreads the errors of a tie evenly, whatever the input order", () => {
    const a = [
      { score: 0.9, correct: true },
      { score: 0.9, correct: false },
    ];
    expect(riskCoverage(a).map((p) => p.risk)).toEqual([0.5, 0.5]);
    expect(aurc(a)).toBe(aurc([...a].reverse()));
  });
  it("an empty cohort has no AURC", () => {
    expect(aurc([])).toBeNaN();
  });
});

describe("ECE with 15 equal-width bins", () => {
  it("weights each bin's |accuracy - confidence| by its share", () => {
    // Bin 15 (14/15, 1]: 0.95 right + 0.95 wrong -> |0.5 - 0.95| x 2/3 = 0.3.
    // Bin 8 (7/15, 8/15]: 0.5 right -> |1 - 0.5| x 1/3 = 1/6.
    const calls = [
      { confidence: 0.95, correct: true },
      { confidence: 0.95, correct: false },
      { confidence: 0.5, correct: true },
    ];
    expect(ece(calls)).toBeCloseTo(0.3 + 1 / 6, 12);
    const bins = reliabilityBins(calls);
    expect(bins).toHaveLength(15);
    expect(bins[14]).toMatchObject({ count: 2, meanConfidence: 0.95, accuracy: 0.5 });
    expect(bins[7]).toMatchObject({ count: 1, accuracy: 1 });
  });
  it("puts a confidence on a bin edge in the lower bin, 0 in the first and 1 in the last", () => {
    const bins = reliabilityBins([
      { confidence: 1 / 3, correct: true },
      { confidence: 0, correct: false },
      { confidence: 1, correct: true },
    ]);
    expect(bins[4]!.count).toBe(1); // (4/15, 5/15]
    expect(bins[0]!.count).toBe(1);
    expect(bins[14]!.count).toBe(1);
  });
});

describe("temperature scaling", () => {
  it("raises probabilities to 1/T and renormalizes", () => {
    // T = 2: sqrt(0.5, 0.25, 0.25) = (0.7071, 0.5, 0.5) / 1.7071.
    const p = temperatureScale(P(0.5, 0.25, 0.25), 2);
    expect(p.HCC).toBeCloseTo(Math.SQRT1_2 / (Math.SQRT1_2 + 1), 12);
    expect(p.ICC).toBeCloseTo(0.5 / (Math.SQRT1_2 + 1), 12);
    expect(temperatureScale(P(0.5, 0.5, 0), 0.05)).toEqual(P(0.5, 0.5, 0));
  });
  it("fits the T whose top probability equals the observed accuracy", () => {
    // All studies (0.9, 0.05, 0.05); 8 of 10 are HCC, one ICC, one metastasis. The NLL is least
    // where p_T(HCC) = 0.8: 1 / (1 + 2 (1/18)^(1/T)) = 0.8 -> 1/T = ln 8 / ln 18, T = 1.38998.
    const cases: LabeledProbabilities[] = [
      ...Array.from({ length: 8 }, () => ({ probabilities: P(0.9, 0.05, 0.05), truth: "HCC" })),
      { probabilities: P(0.9, 0.05, 0.05), truth: "ICC" },
      { probabilities: P(0.9, 0.05, 0.05), truth: "metastasis" },
    ] as LabeledProbabilities[];
    const T = fitTemperature(cases);
    expect(T).toBeCloseTo(Math.log(18) / Math.log(8), 4);
    expect(nll(cases, T)).toBeLessThan(nll(cases, 1));
    const calls = topCalls(cases, T);
    expect(calls[0]!.confidence).toBeCloseTo(0.8, 5);
    expect(ece(calls)).toBeCloseTo(0, 5);
    expect(ece(topCalls(cases))).toBeCloseTo(0.1, 12);
    expect(fitTemperature([])).toBe(1);
  });
});

describe("split-conformal APS", () => {
  it("uses the ceil((n + 1) coverage)-th smallest score, or none when that exceeds n", () => {
    const scores = [1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1];
    expect(conformalQuantile(scores, 0.9)).toBe(1); // ceil(9.9) = 10th
    expect(conformalQuantile(scores, 0.8)).toBe(0.9); // ceil(8.8) = 9th
    expect(conformalQuantile(scores.slice(0, 5), 0.9)).toBeNull(); // ceil(5.4) = 6 > 5
  });
  it("builds sets in decreasing probability until the mass reaches qhat", () => {
    const p = P(0.6, 0.3, 0.1);
    expect(apsSet(p, 0.5)).toEqual(["HCC"]);
    expect(apsSet(p, 0.6)).toEqual(["HCC"]);
    expect(apsSet(p, 0.85)).toEqual(["HCC", "ICC"]);
    expect(apsSet(p, Number.POSITIVE_INFINITY)).toEqual(["HCC", "ICC", "metastasis"]);
    expect(apsScore(p, "ICC")).toBeCloseTo(0.9, 12);
    expect(apsScore(p, "HCC")).toBeCloseTo(0.6, 12);
  });
  it("covers the calibration cases at the fitted threshold and reports set sizes", () => {
    // Scores 0.6, 0.9 (ICC true), 0.6, 1.0 (metastasis true): at 0.6 coverage, k = ceil(3) = 3rd = 0.9.
    const cases: LabeledProbabilities[] = [
      { probabilities: P(0.6, 0.3, 0.1), truth: "HCC" },
      { probabilities: P(0.6, 0.3, 0.1), truth: "ICC" },
      { probabilities: P(0.6, 0.3, 0.1), truth: "HCC" },
      { probabilities: P(0.6, 0.3, 0.1), truth: "metastasis" },
    ];
    const qhat = fitAps(cases, 0.6);
    expect(qhat).toBeCloseTo(0.9, 12);
    expect(conformalReport(cases, qhat)).toEqual({ coverage: 0.75, meanSetSize: 2 });
    expect(conformalReport(cases, null)).toEqual({ coverage: 1, meanSetSize: 3 });
  });
});

describe("split-conformal LAC", () => {
  it("keeps every class whose probability is at least 1 - qhat, never an empty set", () => {
    const p = P(0.6, 0.3, 0.1);
    expect(lacSet(p, 0.5)).toEqual(["HCC"]);
    expect(lacSet(p, 0.7)).toEqual(["HCC", "ICC"]);
    expect(lacSet(p, 0.1)).toEqual(["HCC"]); // nothing reaches 0.9: the top class stays
    expect(lacSet(p, Number.POSITIVE_INFINITY)).toEqual(["HCC", "ICC", "metastasis"]);
    expect(lacScore(p, "ICC")).toBeCloseTo(0.7, 12);
  });
  it("does not degenerate where deterministic APS does: true classes ranked last", () => {
    // 10 studies at 80% (k = ceil(8.8) = 9): 7 clear right calls and 3 near-ties whose true class
    // is ranked last. APS scores those 1.0, so its 9th smallest is 1 and every set holds all three
    // classes; LAC scores them 1 - 0.33, so the clear calls keep one class and the ties all three.
    const cases: LabeledProbabilities[] = [
      ...Array.from({ length: 7 }, () => ({
        probabilities: P(0.9, 0.06, 0.04),
        truth: "HCC" as const,
      })),
      ...Array.from({ length: 3 }, () => ({
        probabilities: P(0.34, 0.33, 0.33),
        truth: "metastasis" as const,
      })),
    ];
    const aps = fitAps(cases, 0.8)!;
    expect(aps).toBeCloseTo(1, 12);
    expect(conformalReport(cases, aps, "APS")).toEqual({ coverage: 1, meanSetSize: 3 });
    const q = fitLac(cases, 0.8)!;
    expect(q).toBeCloseTo(0.67, 12);
    const lac = conformalReport(cases, q, "LAC");
    expect(lac.coverage).toBe(1);
    expect(lac.meanSetSize).toBeCloseTo(1.6, 12);
    expect(conformalSet("LAC", cases[0]!.probabilities, q)).toEqual(["HCC"]);
  });
});

describe("candidate scores", () => {
  it("mutual information is H(mean) - mean H", () => {
    expect(mutualInformation([1, 0, 0, 0, 1, 0], 2, 3)).toBeCloseTo(Math.log(2), 12);
    expect(mutualInformation([0.5, 0.5, 0, 0.5, 0.5, 0], 2, 3)).toBe(0);
  });
  it("computes the five scores of the issue's coin-flip study", () => {
    const s = confidenceScores(P(0.4, 0.47, 0.13), 0.9994, 0.01);
    expect(s.paper).toBe(0.9994);
    expect(s.maxProb).toBe(0.47);
    expect(s.margin).toBeCloseTo(0.07, 12);
    expect(s.negEntropy).toBeCloseTo(-entropy([0.4, 0.47, 0.13]), 12);
    expect(s.negMutualInfo).toBe(-0.01);
  });
});

describe("assessment", () => {
  const calibration: Calibration = {
    temperature: 1,
    rankScore: "margin",
    aurc: { paper: 0.3, maxProb: 0.2, negEntropy: 0.2, margin: 0.1, negMutualInfo: 0.25 },
    ece: { bins: 15, before: 0.1, after: 0.05 },
    conformal: { method: "APS", coverage: 0.9, qhat: 0.85, calibrationSize: 30 },
    bands: {
      ...DEFAULT_BANDS,
      accuracy: { high: 1, medium: 0.8, low: 0.4 },
      count: { high: 10, medium: 10, low: 10 },
    },
    closeCallMargin: 0.1,
    provenance: {
      cohort: "val.json",
      studies: 30,
      fitted: 30,
      truthSha256: "0".repeat(64),
      resultsDate: null,
      appVersion: "0.1.0",
    },
  };
  it("flags the coin-flip study as a low-band close call with a two-class set", () => {
    const p = P(0.4, 0.47, 0.13);
    const a = assess(p, confidenceScores(p, 0.9994, 0.01), calibration);
    expect(a.probCorrect).toBeCloseTo(0.47, 12);
    expect(a.band).toBe("low");
    expect(a.closeCall).toBe(true);
    expect(a.predictionSet).toEqual(["ICC", "HCC"]);
    expect(a.rankScore).toBeCloseTo(0.07, 12);
    expect(a.rankScoreName).toBe("margin");
    expect(a.coverage).toBe(0.9);
  });
  it("bands by calibrated probability of being right", () => {
    expect(bandOf(0.9, DEFAULT_BANDS)).toBe("high");
    expect(bandOf(0.89, DEFAULT_BANDS)).toBe("medium");
    expect(bandOf(0.7, DEFAULT_BANDS)).toBe("medium");
    expect(bandOf(0.69, DEFAULT_BANDS)).toBe("low");
  });
  it("gives every class when the cohort could not certify the coverage", () => {
    const p = P(0.9, 0.08, 0.02);
    const c = { ...calibration, conformal: { ...calibration.conformal, qhat: null } };
    expect(assess(p, confidenceScores(p, 1, 0), c).predictionSet).toHaveLength(3);
  });
});

describe("fitting a calibration on a cohort", () => {
  // 12 analyzed studies: 9 right, 3 wrong. The mutual information separates them exactly (0.01 for
  // right, 0.5 for wrong) while maxProb ranks the wrong ones first (0.95 wrong, 0.6 right).
  const right = (k: number): EvalCase => ({
    studyInstanceUid: `r${k}`,
    truth: "HCC",
    status: "analyzed",
    prediction: "HCC",
    probabilities: P(0.6, 0.3, 0.1),
    confidence: 0.999,
    localized: true,
    scores: confidenceScores(P(0.6, 0.3, 0.1), 0.999, 0.01),
  });
  const wrong = (k: number): EvalCase => ({
    studyInstanceUid: `w${k}`,
    truth: "ICC",
    status: "analyzed",
    prediction: "HCC",
    probabilities: P(0.95, 0.04, 0.01),
    confidence: 0.999,
    localized: true,
    scores: confidenceScores(P(0.95, 0.04, 0.01), 0.999, 0.5),
  });
  const cohort: EvalCase[] = [
    ...Array.from({ length: 9 }, (_, k) => right(k)),
    ...Array.from({ length: 3 }, (_, k) => wrong(k)),
    { ...right(99), studyInstanceUid: "old", scores: null },
    {
      ...right(98),
      studyInstanceUid: "none",
      status: "no-roi",
      prediction: null,
      probabilities: null,
    },
  ];

  it("chooses the score with the lowest AURC and keeps every AURC", () => {
    const fit = fitCalibration(cohort);
    expect(fit.fitted).toBe(12);
    expect(fit.skipped).toEqual([
      "old: no confidence scores (analyzed before issue 11)",
      "none: status no-roi",
    ]);
    expect(fit.calibration.rankScore).toBe("negMutualInfo");
    expect(fit.eAurc.negMutualInfo).toBeCloseTo(0, 12);
    // maxProb keeps the 3 wrong first: risks 1, 1, 1, 3/4, ..., 3/12.
    let worst = 0;
    for (let k = 1; k <= 12; k++) worst += Math.min(k, 3) / k;
    expect(fit.calibration.aurc.maxProb).toBeCloseTo(worst / 12, 12);
    // The paper's score ties everywhere: the mean risk 3/12 at every coverage.
    expect(fit.calibration.aurc.paper).toBeCloseTo(0.25, 12);
    expect(fit.accuracy).toBe(0.75);
  });

  it("fits the temperature, the LAC threshold and the bands on the calibrated probabilities", () => {
    const fit = fitCalibration(cohort, { coverage: 0.8, margin: 0.2 });
    const labeled = cohort
      .slice(0, 12)
      .map((c) => ({ probabilities: c.probabilities!, truth: c.truth }));
    const T = fitTemperature(labeled);
    expect(fit.calibration.temperature).toBe(T);
    const calibrated = labeled.map((c) => ({
      probabilities: temperatureScale(c.probabilities, T),
      truth: c.truth,
    }));
    expect(fit.calibration.conformal).toEqual({
      method: "LAC",
      coverage: 0.8,
      qhat: conformalQuantile(
        calibrated.map((c) => lacScore(c.probabilities, c.truth)),
        0.8,
      ),
      calibrationSize: 12,
    });
    expect(fit.aps.qhat).toBe(
      conformalQuantile(
        calibrated.map((c) => apsScore(c.probabilities, c.truth)),
        0.8,
      ),
    );
    // The NLL's temperature, not ECE's: on this cohort (confident errors) it even raises ECE.
    expect(fit.calibration.ece.before).toBeCloseTo(ece(topCalls(labeled)), 12);
    expect(fit.calibration.ece.after).toBeCloseTo(ece(topCalls(labeled, T)), 12);
    // T = 2.76 flattens both kinds of study below 70% (0.43 and 0.66 for HCC): all low, 9/12 right.
    expect(T).toBeCloseTo(2.757, 3);
    expect(bandOf(calibrated[9]!.probabilities.HCC, DEFAULT_BANDS)).toBe("low");
    expect(fit.calibration.bands.count).toEqual({ high: 0, medium: 0, low: 12 });
    expect(fit.calibration.bands.accuracy).toEqual({ high: null, medium: null, low: 0.75 });
    expect(fit.calibration.closeCallMargin).toBe(0.2);
  });

  it("refuses a cohort too small to calibrate and out-of-range options", () => {
    expect(() => fitCalibration(cohort.slice(0, 9))).toThrow(/only 9 analyzed studies/);
    expect(() => fitCalibration(cohort, { coverage: 1 })).toThrow(/coverage/);
    expect(() => fitCalibration(cohort, { margin: -0.1 })).toThrow(/margin/);
  });
});

describe("evaluate with scores and assessments", () => {
  const calibration: Calibration = {
    temperature: 1,
    rankScore: "margin",
    aurc: { paper: null, maxProb: null, negEntropy: null, margin: null, negMutualInfo: null },
    ece: { bins: 15, before: null, after: null },
    conformal: { method: "APS", coverage: 0.9, qhat: 0.8, calibrationSize: 20 },
    bands: {
      ...DEFAULT_BANDS,
      accuracy: { high: null, medium: null, low: null },
      count: { high: 0, medium: 0, low: 0 },
    },
    closeCallMargin: 0.1,
    provenance: {
      cohort: "x",
      studies: 0,
      fitted: 0,
      truthSha256: "0".repeat(64),
      resultsDate: null,
      appVersion: "0.1.0",
    },
  };
  // Six studies: the paper's confidence and the margin rank them in opposite orders.
  const study = (k: number, truth: LesionClass, p: Record<LesionClass, number>): EvalCase => {
    const scores = confidenceScores(p, 0.9 + k / 100, 0);
    const prediction = rankedClasses(p)[0]!;
    return {
      studyInstanceUid: `${k}`,
      truth,
      status: "analyzed",
      prediction,
      probabilities: p,
      confidence: scores.paper,
      localized: true,
      hit: k % 2 === 0,
      roiCount: k,
      scores,
      assessment: assess(p, scores, calibration),
    };
  };
  const cases = [
    study(1, "HCC", P(0.9, 0.05, 0.05)), // margin 0.85, right
    study(2, "ICC", P(0.1, 0.8, 0.1)), // 0.7, right
    study(3, "HCC", P(0.7, 0.2, 0.1)), // 0.5, right
    study(4, "metastasis", P(0.2, 0.2, 0.6)), // 0.4, right
    study(5, "HCC", P(0.45, 0.4, 0.15)), // 0.05, right (close call)
    study(6, "HCC", P(0.2, 0.45, 0.35)), // 0.1, wrong
  ];
  it("ranks the 70% most confident by the assessment: 4 of 6, by margin", () => {
    const e = evaluate(cases, 0.7);
    expect(e.rank).toBe("assessment");
    expect(e.top.n).toBe(4); // round(4.2)
    expect(e.top.accuracy).toBe(1); // studies 1-4
    const paper = evaluate(cases, 0.7, "paper");
    expect(paper.top.n).toBe(4);
    expect(paper.top.accuracy).toBe(0.75); // studies 6, 5, 4, 3
  });
  it("reports hit rate, ROIs per study, AURC, ECE and conformal coverage", () => {
    const e = evaluate(cases, 0.7);
    expect(e.all.hit).toBeCloseTo(3 / 6, 12);
    expect(e.all.rois_per_study).toBeCloseTo(21 / 6, 12);
    const c = e.confidence;
    expect(c.n).toBe(6);
    // margin puts the wrong study 6 second to last: risks 0,0,0,0,1/5,1/6.
    expect(c.aurc.margin).toBeCloseTo((1 / 5 + 1 / 6) / 6, 12);
    // paper puts it first: 1, 1/2, 1/3, 1/4, 1/5, 1/6.
    expect(c.aurc.paper).toBeCloseTo((1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6) / 6, 12);
    expect(c.ece.after).toBeCloseTo(c.ece.before, 12); // T = 1
    // Sets at qhat 0.8: {HCC} for 1; {ICC} 2; {HCC, ICC} 3; {met, HCC} 4; {HCC, ICC} 5;
    // {ICC, met} 6 (misses HCC): coverage 5/6, sizes 1+1+2+2+2+2 = 10.
    expect(c.conformal).toEqual({ nominal: 0.9, coverage: 5 / 6, meanSetSize: 10 / 6, n: 6 });
    expect(formatConfidence(e)).toContain("margin         AURC 0.061");
  });
  it("falls back to the paper's confidence when no result carries an assessment", () => {
    const old = cases.map((c) => ({ ...c, assessment: null, scores: null }));
    const e = evaluate(old, 0.7);
    expect(e.rank).toBe("paper");
    expect(e.confidence.aurc.margin).toBeNaN();
    expect(e.confidence.conformal.n).toBe(0);
    expect(formatConfidence(e)).toContain("none (the results carry no assessment)");
  });
});

describe("matching the issue's hit measure", () => {
  it("counts a hit when the top-ranked ROI is within radius + 10 mm, and the ROIs", () => {
    const lesion = { center_mm: [0, 0, 0] as Vec3, diameter_mm: 20 };
    const truth = {
      studies: [
        { studyInstanceUid: "1", label: "HCC" as const, lesions: [lesion] },
        { studyInstanceUid: "2", label: "HCC" as const, lesions: [lesion] },
      ],
    };
    const base = {
      status: "analyzed",
      prediction: "HCC" as const,
      probabilities: P(0.6, 0.3, 0.1),
      confidence: 0.9,
    };
    const results = {
      studies: [
        // Rank 1 at 19.9 mm (<= 10 + 10): a hit, though listed second.
        {
          ...base,
          studyInstanceUid: "1",
          rois: [
            { center_mm: [50, 0, 0] as Vec3, rank: 2 },
            { center_mm: [19.9, 0, 0] as Vec3, rank: 1 },
          ],
        },
        // Rank 1 at 20.1 mm misses; rank 2 within the lesion localizes but is no hit.
        {
          ...base,
          studyInstanceUid: "2",
          rois: [
            { center_mm: [20.1, 0, 0] as Vec3, rank: 1 },
            { center_mm: [0, 0, 0] as Vec3, rank: 2 },
            { center_mm: [90, 0, 0] as Vec3, rank: 3 },
          ],
        },
      ],
    };
    const cases = matchCases(truth, results);
    expect(cases.map((c) => [c.hit, c.localized, c.roiCount])).toEqual([
      [true, false, 2],
      [false, true, 3],
    ]);
  });
});
