// Issue 11 §3: one rule for "the N% most confident" in the app's worklist, `livercad worklist`
// and `livercad evaluate` (6 studies at 70% keep 4 everywhere), and one ranking.
import { describe, expect, it } from "vitest";
import type { Assessment } from "../../electron/contract/confidence";
import type { LesionClass } from "../../electron/contract/domain";
import type { WorklistQuery } from "../../electron/contract/ipc";
import { worklist } from "../../electron/cli/commands/worklist";
import { evaluate, type EvalCase } from "../../electron/evaluation/index";
import type { StudyResult } from "../../electron/services/analysis/index";
import { WorklistIndex } from "../../electron/services/workstation/worklist";

// Six analyzed studies; the paper's confidence and the assessment's rank score disagree.
const SIX = [0, 1, 2, 3, 4, 5].map((k) => ({
  uid: `1.2.${k + 1}`,
  confidence: 0.9999 - k / 10000,
  rankScore: k / 10,
  probCorrect: 0.5 + k / 12,
}));
const P: Record<LesionClass, number> = { HCC: 0.6, ICC: 0.3, metastasis: 0.1 };
const assessment = (rankScore: number, probCorrect: number): Assessment => ({
  calibratedProbabilities: P,
  probCorrect,
  band: "medium",
  closeCall: false,
  predictionSet: ["HCC"],
  coverage: 0.9,
  rankScore,
  rankScoreName: "margin",
});

describe("the N% most confident", () => {
  it("keeps 4 of 6 at 70%, the same 4, in the app, the CLI and evaluate", () => {
    const index = new WorklistIndex(
      SIX.map((s, k) => ({
        ref: k + 1,
        studyInstanceUid: s.uid,
        patientName: `P${k}`,
        patientId: `ID${k}`,
        studyDate: "20260101",
        studyTime: "",
        description: "",
        status: "analyzed" as const,
        prediction: "HCC" as const,
        probabilitiesJson: JSON.stringify(P),
        confidence: s.confidence,
        reviewed: false,
        urgent: false,
        rankScore: s.rankScore,
        probCorrect: s.probCorrect,
        assessmentJson: JSON.stringify(assessment(s.rankScore, s.probCorrect)),
      })),
    );
    const q: WorklistQuery = {
      queue: "confident",
      topPercent: 70,
      sort: "confidence",
      descending: true,
      search: "",
      status: "",
      offset: 0,
      limit: 100,
    };
    const app = index.page(q).rows.map((r) => r.studyInstanceUid);

    const results = SIX.map(
      (s) =>
        ({
          studyInstanceUid: s.uid,
          patientId: s.uid,
          status: "analyzed",
          prediction: "HCC",
          confidence: s.confidence,
          assessment: assessment(s.rankScore, s.probCorrect),
        }) as unknown as StudyResult,
    );
    const cli = worklist(results, 70)
      .filter((e) => e.confident)
      .map((e) => e.studyInstanceUid);

    const cases: EvalCase[] = SIX.map((s) => ({
      studyInstanceUid: s.uid,
      truth: "HCC",
      status: "analyzed",
      prediction: "HCC",
      probabilities: P,
      confidence: s.confidence,
      localized: true,
      assessment: assessment(s.rankScore, s.probCorrect),
    }));
    const e = evaluate(cases, 0.7);

    expect(app).toEqual(["1.2.6", "1.2.5", "1.2.4", "1.2.3"]);
    expect(cli).toEqual(app);
    expect(e.top.n).toBe(4);
    expect(e.rank).toBe("assessment");
    // With a fixed threshold of 0.8 the CLI keeps probCorrect >= 0.8: studies 5 and 6 (0.83, 0.92).
    const fixed = worklist(results, 70, 0.8).filter((x) => x.confident);
    expect(fixed.map((x) => x.studyInstanceUid)).toEqual(["1.2.6", "1.2.5"]);
    expect(index.page({ ...q, minProbCorrect: 0.8 }).rows.map((r) => r.studyInstanceUid)).toEqual([
      "1.2.6",
      "1.2.5",
    ]);
  });
});
