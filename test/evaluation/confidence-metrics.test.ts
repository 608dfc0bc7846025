// Confidence metrics and calibration fits on cases worked out by hand (numbers in the comments).
import { describe, expect, it } from "vitest";
import {
  DEFAULT_BANDS,
  assess,
  bandOf,
  type Calibration,
} from "../../electron/contract/calibration";
import type { LesionClass } from "../../electron/contract/domain";
import {
  apsScore,
  apsSet,
  aurc,
  confidenceScores,
  conformalQuantile,
  conformalReport,
  eAurc,
  ece,
  entropy,
  fitAps,
  fitTemperature,
  mutualInformation,
  nll,
  reliabilityBins,
  riskCoverage,
  temperatureScale,
  topCalls,
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
