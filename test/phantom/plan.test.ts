// The cohort plan over 400 studies against the paper's Table 2, and the plan's own invariants.
// Plan only (no pixels): fast enough to run the full 400-study cohort on every test run.
import { describe, expect, it } from "vitest";
import { LESION_CLASSES } from "../../electron/contract/domain";
import { liverBaseSdf, nonLiverSdf } from "../../electron/phantom/anatomy";
import { planCohort, TABLE2 } from "../../electron/phantom/plan";
import { studyTruth } from "../../electron/phantom/truth";

const SEED = "table2-check";
const cohort = planCohort({ seed: SEED, studies: 400, preset: "small" });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

describe("phantom cohort plan (seed table2-check, 400 studies)", () => {
  it("has the class mix of Table 2 exactly", () => {
    for (const c of LESION_CLASSES) {
      expect(cohort.filter((s) => s.label === c)).toHaveLength(TABLE2.counts[c]);
    }
  });

  it.each(LESION_CLASSES)("matches Table 2 largest-lesion size and cirrhosis for %s", (c) => {
    const studies = cohort.filter((s) => s.label === c);
    const largest = studies.map((s) => Math.max(...s.lesions.map((l) => l.diameterMm)) / 10);
    // Tolerances: sampling error of n = 83..207 plus the size cap (largest lesion <= 12 cm).
    expect(median(largest)).toBeGreaterThan(TABLE2.medianSizeCm[c] * 0.88);
    expect(median(largest)).toBeLessThan(TABLE2.medianSizeCm[c] * 1.12);
    const small = largest.filter((d) => d <= 2).length / studies.length;
    expect(Math.abs(small - TABLE2.atMost2cm[c])).toBeLessThan(0.07);
    const cirrhotic = studies.filter((s) => s.cirrhosis).length / studies.length;
    expect(Math.abs(cirrhotic - TABLE2.cirrhosis[c])).toBeLessThan(0.09);
  });

  it("makes about a fifth of the studies atypical", () => {
    const share = cohort.filter((s) => s.atypical).length / cohort.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25);
  });

  it("keeps every lesion inside liver parenchyma and away from other organs", () => {
    for (const s of cohort) {
      for (const l of s.lesions) {
        // The six poles of the lesion ellipsoid lie in the liver and outside every other organ.
        for (let axis = 0; axis < 3; axis++) {
          for (const sign of [-1, 1]) {
            const p = l.center.map((v, k) => (k === axis ? v + sign * l.semiAxes[k]! : v)) as [
              number,
              number,
              number,
            ];
            expect(liverBaseSdf(s.anatomy, ...p)).toBeLessThan(0);
            expect(nonLiverSdf(s.anatomy, ...p)).toBeGreaterThan(0);
          }
        }
      }
    }
  });

  it("gives metastasis studies more lesions than HCC studies on average", () => {
    const mean = (c: string): number => {
      const st = cohort.filter((s) => s.label === c);
      return st.reduce((n, s) => n + s.lesions.length, 0) / st.length;
    };
    expect(mean("metastasis")).toBeGreaterThan(mean("HCC") + 0.5);
  });

  it("is separable but not perfectly: naive Bayes on the exact planned features stays in 0.8-0.97", () => {
    // An upper bound for an image model, which sees these features through noise, partial volume
    // and varying conspicuity: the issue asks for a cohort that no model classifies perfectly.
    const feats = (s: (typeof cohort)[number]): string[] => {
      const l = s.lesions[0]!;
      const f = l.features;
      return [
        `a:${f.arterial}`,
        `p:${f.portal}`,
        `c:${f.capsule}`,
        `t2:${f.t2}`,
        `d:${f.diffusion}`,
        `cirrhosis:${s.cirrhosis}`,
        `n:${Math.min(3, s.lesions.length)}`,
        `ducts:${l.ducts.length > 0}`,
        `retraction:${l.retraction !== null}`,
      ];
    };
    let correct = 0;
    for (let fold = 0; fold < 5; fold++) {
      const train = cohort.filter((_, i) => i % 5 !== fold);
      const counts = new Map<string, number>();
      for (const s of train) {
        counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
        for (const f of feats(s))
          counts.set(`${s.label}|${f}`, (counts.get(`${s.label}|${f}`) ?? 0) + 1);
      }
      for (const s of cohort.filter((_, i) => i % 5 === fold)) {
        const score = (c: string): number => {
          const n = counts.get(c) ?? 0;
          return feats(s).reduce(
            (lp, f) => lp + Math.log(((counts.get(`${c}|${f}`) ?? 0) + 1) / (n + 4)),
            Math.log(n),
          );
        };
        const best = [...LESION_CLASSES].sort((a, b) => score(b) - score(a))[0];
        if (best === s.label) correct++;
      }
    }
    const accuracy = correct / cohort.length;
    expect(accuracy).toBeGreaterThan(0.8);
    expect(accuracy).toBeLessThan(0.97);
  });

  it("is a pure function of the seed", () => {
    const again = planCohort({ seed: SEED, studies: 400, preset: "small" });
    expect(again.map(studyTruth)).toEqual(cohort.map(studyTruth));
    const other = planCohort({ seed: "other", studies: 400, preset: "small" });
    expect(other[0]?.studyInstanceUid).not.toBe(cohort[0]?.studyInstanceUid);
  });

  it("writes truth with exactly the field names other tools read", () => {
    const t = studyTruth(cohort[0]!);
    expect(Object.keys(t).sort()).toEqual([
      "boxes",
      "label",
      "lesions",
      "patientId",
      "series",
      "studyInstanceUid",
    ]);
    expect(Object.keys(t.lesions[0]!).sort()).toEqual(["center_mm", "diameter_mm"]);
    expect(Object.keys(t.series).sort()).toEqual([
      "DWI",
      "T1_arterial",
      "T1_pre",
      "T1_venous",
      "T2",
    ]);
    expect(Object.keys(t.boxes[0]!).sort()).toEqual([
      "box_px",
      "seriesInstanceUid",
      "sopInstanceUid",
    ]);
  });
});
