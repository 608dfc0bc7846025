import { describe, expect, it } from "vitest";
import type { WorklistQuery } from "../../../electron/contract/ipc";
import type { WorklistIndexRow } from "../../../electron/registry";
import { confidentCount, WorklistIndex } from "../../../electron/services/workstation/worklist";

function row(
  ref: number,
  confidence: number | null,
  extra: Partial<WorklistIndexRow> = {},
): WorklistIndexRow {
  return {
    ref,
    studyInstanceUid: `1.2.${ref}`,
    patientName: `PAT^${String.fromCharCode(64 + ref)}`,
    patientId: `ID${ref}`,
    studyDate: `2024010${ref % 10}`,
    studyTime: "120000",
    description: "",
    status: confidence === null ? "ready" : "analyzed",
    prediction: confidence === null ? null : (["HCC", "ICC", "metastasis"] as const)[ref % 3]!,
    probabilitiesJson: confidence === null ? null : '{"HCC":0.5,"ICC":0.3,"metastasis":0.2}',
    confidence,
    reviewed: false,
    urgent: false,
    ...extra,
  };
}

const q = (over: Partial<WorklistQuery> = {}): WorklistQuery => ({
  queue: "confident",
  topPercent: 50,
  sort: "confidence",
  descending: true,
  search: "",
  status: "",
  offset: 0,
  limit: 100,
  ...over,
});

// Confidences by ref: 1:0.90 2:0.99 3:0.95 4:0.80 5:0.97 6:none(ready) 7:no-roi 8:0.95 (tie with 3)
const rows = () => [
  row(1, 0.9),
  row(2, 0.99),
  row(3, 0.95),
  row(4, 0.8),
  row(5, 0.97),
  row(6, null),
  row(7, null, { status: "no-roi" }),
  row(8, 0.95),
];
const uids = (p: { rows: { studyInstanceUid: string }[] }) => p.rows.map((r) => r.studyInstanceUid);

describe("confidentCount", () => {
  it("rounds the share half up and never exceeds the scored count", () => {
    expect(confidentCount(10, 70)).toBe(7);
    expect(confidentCount(3, 50)).toBe(2);
    expect(confidentCount(4, 12.5)).toBe(1);
    expect(confidentCount(6, 0)).toBe(0);
    expect(confidentCount(6, 100)).toBe(6);
  });
});

describe("WorklistIndex", () => {
  it("keeps exactly the N% most confident; ties go to the older registry row", () => {
    const idx = new WorklistIndex(rows());
    const p = idx.page(q({ topPercent: 50 }));
    expect(uids(p)).toEqual(["1.2.2", "1.2.5", "1.2.3"]);
    expect(p.confidenceCut).toBe(0.95);
    expect(p.counts).toEqual({ all: 8, scored: 6, confident: 3, review: 4, unanalyzed: 1 });
  });

  it("puts the rest and the no-lesion studies in the review queue, unanalyzed in neither", () => {
    const idx = new WorklistIndex(rows());
    const review = idx.page(q({ queue: "review", topPercent: 50 }));
    expect(uids(review)).toEqual(["1.2.8", "1.2.1", "1.2.4", "1.2.7"]);
    expect(review.rows.every((r) => r.needsReview)).toBe(true);
    const asc = idx.page(q({ queue: "review", topPercent: 50, descending: false }));
    expect(uids(asc)).toEqual(["1.2.7", "1.2.4", "1.2.1", "1.2.8"]);
  });

  it("summarizes per class from the ranking", () => {
    const idx = new WorklistIndex(rows());
    const p = idx.page(q({ topPercent: 50 }));
    // Confident: refs 2 (metastasis), 5 (metastasis), 3 (HCC).
    expect(p.summary.confident).toEqual({
      total: 3,
      byClass: { HCC: 1, ICC: 0, metastasis: 2 },
      noLesion: 0,
    });
    // Review: 8 (metastasis), 1 (ICC), 4 (ICC), 7 (no-roi).
    expect(p.summary.review).toEqual({
      total: 4,
      byClass: { HCC: 0, ICC: 2, metastasis: 1 },
      noLesion: 1,
    });
  });

  it("filters by search and status and pages by offset", () => {
    const idx = new WorklistIndex(rows());
    expect(uids(idx.page(q({ queue: "all", search: "pat^e" })))).toEqual(["1.2.5"]);
    expect(uids(idx.page(q({ queue: "all", status: "no-roi" })))).toEqual(["1.2.7"]);
    const byName = idx.page(
      q({ queue: "all", sort: "patientName", descending: false, offset: 2, limit: 2 }),
    );
    expect(uids(byName)).toEqual(["1.2.3", "1.2.4"]);
    expect(byName.total).toBe(8);
  });

  it("answers the neighbour in the list's order and updates rows in place", () => {
    const idx = new WorklistIndex(rows());
    expect(idx.neighbour("1.2.5", "next", q())).toBe("1.2.3");
    expect(idx.neighbour("1.2.5", "previous", q())).toBe("1.2.2");
    expect(idx.neighbour("1.2.3", "next", q())).toBeNull();
    idx.replace([row(4, 0.999, { urgent: true })]);
    const p = idx.page(q());
    expect(uids(p)[0]).toBe("1.2.4");
    expect(p.rows[0]!.urgent).toBe(true);
    expect(p.rows[0]!.probabilities).toEqual({ HCC: 0.5, ICC: 0.3, metastasis: 0.2 });
  });
});

describe("ranking by the calibrated assessment (issue 11 §3)", () => {
  // Six analyzed studies: the paper's confidence orders them 1..6; the assessment's rank score
  // orders them the other way; study 6 was analyzed before calibration (no assessment).
  const assessed = (ref: number, confidence: number, rankScore: number, probCorrect: number) =>
    row(ref, confidence, {
      rankScore,
      probCorrect,
      assessmentJson: JSON.stringify({ rankScore, probCorrect, band: "medium" }),
    });
  const six = () => [
    assessed(1, 0.9999, 0.1, 0.55),
    assessed(2, 0.9998, 0.2, 0.72),
    assessed(3, 0.9997, 0.3, 0.81),
    assessed(4, 0.9996, 0.4, 0.93),
    assessed(5, 0.9995, 0.5, 0.97),
    row(6, 0.9994),
  ];

  it("keeps 4 of 6 at 70%, ranked by the rank score, unassessed studies after", () => {
    const index = new WorklistIndex(six());
    const page = index.page(q({ topPercent: 70, queue: "all" }));
    expect(page.counts.confident).toBe(4);
    expect(uids(page)).toEqual(["1.2.5", "1.2.4", "1.2.3", "1.2.2", "1.2.1", "1.2.6"]);
    expect(page.rows.map((r) => r.needsReview)).toEqual([false, false, false, false, true, true]);
    expect(page.rows[0]!.assessment).toMatchObject({ rankScore: 0.5, probCorrect: 0.97 });
    expect(page.rows[5]!.assessment).toBeNull();
    expect(page.cutProbCorrect).toBe(0.72);
    const byDefault = index.page(q({ topPercent: 70, queue: "confident", sort: "patientId" }));
    expect(uids(byDefault).sort()).toEqual(["1.2.2", "1.2.3", "1.2.4", "1.2.5"]);
  });

  it("with a fixed threshold keeps probCorrect >= X, whatever else is imported", () => {
    const index = new WorklistIndex(six());
    const threshold = q({ topPercent: 70, minProbCorrect: 0.8, queue: "confident" });
    expect(uids(index.page(threshold))).toEqual(["1.2.5", "1.2.4", "1.2.3"]);
    // Ten low-confidence studies arrive: the percentage would change the list, the threshold not.
    index.replace(Array.from({ length: 10 }, (_, k) => assessed(20 + k, 0.99, 0.01, 0.4)));
    expect(uids(index.page(threshold))).toEqual(["1.2.5", "1.2.4", "1.2.3"]);
    expect(index.page(q({ topPercent: 70 })).counts.confident).toBe(11); // round(0.7 x 16)
    const review = index.page({ ...threshold, queue: "review" });
    expect(review.total).toBe(13);
    expect(index.neighbour("1.2.4", "next", { ...threshold, queue: "confident" })).toBe("1.2.3");
  });
});
