// The paper's Results section for a site's own cohort (issue 16 §2) as pure functions of matched
// cases: Table 3 with 95% bootstrap intervals (and mean +- SD across folds), readers beside the
// CAD, the HCC-vs-others LROC with readers' operating points, the <= 2 cm / > 2 cm subgroups,
// Fig. 5 (accuracy and mean F1 against the confidence cutoff), Fig. 6 (LROC on the 70% most
// confident), the confusion matrix and the wrong cases. No Node, no DOM.
import { confidentCount, type Assessment } from "../contract/confidence";
import { LESION_CLASSES, type LesionClass } from "../contract/domain";
import type { ReaderRead, TruthEntry } from "./cohort-files";
import {
  aurc,
  eAurc,
  ece,
  fitTemperature,
  reliabilityBins,
  riskCoverage,
  topCalls,
  type LabeledProbabilities,
  type ReliabilityBin,
  type RiskCoveragePoint,
  type ScoredCall,
} from "./confidence-metrics";
import { HIT_TOLERANCE_MM, missingCase, topRoi, withinLesion, type ResultsLike } from "./match";
import { hccLroc, metrics, type EvalCase, type LrocResult, type Metrics } from "./metrics";

/** A matched case plus what the analytics split on: lesion size, the CV fold, the patient. */
export interface CohortCase extends EvalCase {
  largestLesionMm: number | null;
  /** Cross-validation fold of the study (0-based), or null outside a CV run. */
  fold: number | null;
  patientId: string | null;
  /** The calibrated reading of the analysis (issue 11), absent on older analyses. */
  assessment: Assessment | null;
}

/** Paper, "Diagnostic Performance" subgroups: largest lesion <= 2 cm and > 2 cm. */
export const SMALL_LESION_MM = 20;

/**
 * Truth entries + analysis results -> one case per truth study. With lesion positions (phantom) a
 * study is localized when a ROI centre lies within a true lesion; without them (a site's CSV) when
 * the CAD placed any ROI, the only check the data allows.
 */
export function matchTruth(
  truth: TruthEntry[],
  results: ResultsLike & { studies: { patientId?: string }[] },
  folds: ReadonlyMap<string, number> | null = null,
): CohortCase[] {
  const byUid = new Map(results.studies.map((r) => [r.studyInstanceUid, r]));
  return truth.map((t): CohortCase => {
    const r = byUid.get(t.studyInstanceUid);
    const extra = {
      largestLesionMm: t.largestLesionMm,
      fold: folds?.get(t.studyInstanceUid) ?? null,
      patientId: (r as { patientId?: string } | undefined)?.patientId ?? null,
      assessment: (r as { assessment?: Assessment } | undefined)?.assessment ?? null,
    };
    if (!r) return { ...missingCase(t.studyInstanceUid, t.label), ...extra };
    const rois = r.rois ?? [];
    const lesions = t.lesions;
    const top = topRoi(rois);
    const anyRoi = r.status === "analyzed" && rois.length > 0;
    return {
      studyInstanceUid: t.studyInstanceUid,
      truth: t.label,
      status: r.status as EvalCase["status"],
      prediction: r.prediction,
      probabilities: r.probabilities,
      confidence: r.confidence,
      localized:
        lesions === null
          ? anyRoi
          : rois.some((roi) => lesions.some((l) => withinLesion(roi.center_mm, l))),
      // Without lesion positions (a site's CSV) the top-ROI hit can only mean "a ROI was placed".
      hit:
        lesions === null
          ? anyRoi
          : top !== undefined &&
            lesions.some((l) => withinLesion(top.center_mm, l, HIT_TOLERANCE_MM)),
      roiCount: rois.length,
      scores: r.scores ?? null,
      ...extra,
    };
  });
}

/**
 * One reader's reads of the truth studies as cases: the diagnosis is the prediction, the 1-5 level
 * the confidence; no probabilities (a reader is one operating point, not a curve). Studies the
 * reader did not read are left out, so each reader's n is what they read.
 */
export function readerCases(
  truth: TruthEntry[],
  reads: ReaderRead[],
  reader: string,
  folds: ReadonlyMap<string, number> | null = null,
): CohortCase[] {
  const mine = new Map(
    reads.filter((r) => r.reader === reader).map((r) => [r.studyInstanceUid, r]),
  );
  return truth.flatMap((t): CohortCase[] => {
    const r = mine.get(t.studyInstanceUid);
    if (!r) return [];
    return [
      {
        studyInstanceUid: t.studyInstanceUid,
        truth: t.label,
        status: "analyzed",
        prediction: r.diagnosis,
        probabilities: null,
        confidence: r.confidence,
        localized: true,
        largestLesionMm: t.largestLesionMm,
        fold: folds?.get(t.studyInstanceUid) ?? null,
        patientId: null,
        assessment: null,
      },
    ];
  });
}

/** Readers in the order they first appear in the file. */
export function readerNames(reads: ReaderRead[]): string[] {
  return [...new Set(reads.map((r) => r.reader))];
}

// ---------------------------------------------------------------------------------------------
// Bootstrap

/** mulberry32: a small seeded generator, so an interval is the same on every run and machine. */
export function seededRandom(seed: string | number): () => number {
  let h = 2166136261;
  for (const ch of String(seed)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Linear-interpolated quantile of sorted values (type 7, as R and NumPy default). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const BOOTSTRAP_RESAMPLES = 1000;
export const BOOTSTRAP_SEED = "livercad-bootstrap";

/**
 * Percentile bootstrap: resample the studies with replacement `resamples` times, compute every
 * statistic on each resample, take the 2.5th and 97.5th percentiles. A resample where a statistic
 * is undefined (no HCC drawn, say) is skipped for that statistic.
 */
export function bootstrap<K extends string>(
  cases: CohortCase[],
  stats: (cs: CohortCase[]) => Record<K, number>,
  options: { resamples?: number; seed?: string | number } = {},
): Record<K, [number, number]> {
  const rand = seededRandom(options.seed ?? BOOTSTRAP_SEED);
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const draws = new Map<K, number[]>();
  const n = cases.length;
  for (let b = 0; b < resamples && n > 0; b++) {
    const sample = new Array<CohortCase>(n);
    for (let i = 0; i < n; i++) sample[i] = cases[Math.floor(rand() * n)]!;
    for (const [k, v] of Object.entries(stats(sample)) as [K, number][]) {
      if (!Number.isFinite(v)) continue;
      let list = draws.get(k);
      if (!list) draws.set(k, (list = []));
      list.push(v);
    }
  }
  const keys = Object.keys(stats(cases)) as K[];
  return Object.fromEntries(
    keys.map((k) => {
      const v = (draws.get(k) ?? []).sort((a, b) => a - b);
      return [k, [quantile(v, 0.025), quantile(v, 0.975)]];
    }),
  ) as Record<K, [number, number]>;
}

// ---------------------------------------------------------------------------------------------
// Table 3

export const TABLE3_KEYS = [
  "accuracy",
  "meanF1",
  ...LESION_CLASSES.flatMap((c) => [`${c}.sensitivity`, `${c}.specificity`, `${c}.f1`] as const),
  "hccAuc",
  "hccSensitivityAt80Specificity",
] as const;
export type Table3Key = (typeof TABLE3_KEYS)[number];

export const TABLE3_LABELS: Record<Table3Key, string> = {
  accuracy: "Accuracy",
  meanF1: "Mean F1 score",
  "HCC.sensitivity": "HCC sensitivity",
  "HCC.specificity": "HCC specificity",
  "HCC.f1": "HCC F1",
  "ICC.sensitivity": "ICC sensitivity",
  "ICC.specificity": "ICC specificity",
  "ICC.f1": "ICC F1",
  "metastasis.sensitivity": "Metastasis sensitivity",
  "metastasis.specificity": "Metastasis specificity",
  "metastasis.f1": "Metastasis F1",
  hccAuc: "HCC vs. others LROC AUC",
  hccSensitivityAt80Specificity: "HCC sensitivity at 80% specificity",
};

/** Table 3's numbers of one set of cases. Readers have no LROC (one operating point): NaN. */
export function table3Values(cases: CohortCase[], withLroc = true): Record<Table3Key, number> {
  const m = metrics(cases);
  const out = { accuracy: m.accuracy, meanF1: m.meanF1 } as Record<Table3Key, number>;
  for (const c of LESION_CLASSES) {
    out[`${c}.sensitivity`] = m.perClass[c].sensitivity;
    out[`${c}.specificity`] = m.perClass[c].specificity;
    out[`${c}.f1`] = m.perClass[c].f1;
  }
  out.hccAuc = withLroc ? m.hccLroc.auc : Number.NaN;
  out.hccSensitivityAt80Specificity = withLroc ? m.hccLroc.sensitivityAt80Specificity : Number.NaN;
  return out;
}

export interface MetricCell {
  value: number;
  /** 95% percentile-bootstrap interval. */
  ci: [number, number];
  /** Mean and sample SD of the metric over the folds (cross validation only). */
  folds: { mean: number; sd: number; n: number } | null;
}

export interface Table3Column {
  name: string;
  kind: "cad" | "reader";
  n: number;
  cells: Record<Table3Key, MetricCell>;
}

function meanSd(values: number[]): { mean: number; sd: number; n: number } {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  const mean = n === 0 ? Number.NaN : v.reduce((s, x) => s + x, 0) / n;
  const sd = n < 2 ? Number.NaN : Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

export function table3Column(
  name: string,
  kind: Table3Column["kind"],
  cases: CohortCase[],
  options: { resamples?: number; seed?: string | number } = {},
): Table3Column {
  const withLroc = kind === "cad";
  const values = table3Values(cases, withLroc);
  const ci = bootstrap(cases, (cs) => table3Values(cs, withLroc), {
    ...options,
    seed: `${options.seed ?? BOOTSTRAP_SEED}:${name}`,
  });
  const foldIds = [...new Set(cases.map((c) => c.fold).filter((f) => f !== null))].sort();
  const perFold = foldIds.map((f) =>
    table3Values(
      cases.filter((c) => c.fold === f),
      withLroc,
    ),
  );
  const cells = Object.fromEntries(
    TABLE3_KEYS.map((k) => [
      k,
      {
        value: values[k],
        ci: ci[k],
        folds: foldIds.length >= 2 ? meanSd(perFold.map((v) => v[k])) : null,
      },
    ]),
  ) as Record<Table3Key, MetricCell>;
  return { name, kind, n: cases.length, cells };
}

// ---------------------------------------------------------------------------------------------
// Figures

export interface OperatingPoint {
  name: string;
  n: number;
  /** 1 - HCC specificity. */
  fpr: number;
  /** HCC sensitivity. */
  tpr: number;
}

/** A reader's HCC call as one point on the LROC plot (paper, Fig. 3). */
export function operatingPoint(name: string, cases: CohortCase[]): OperatingPoint {
  const m = metrics(cases).perClass.HCC;
  return { name, n: cases.length, fpr: 1 - m.specificity, tpr: m.sensitivity };
}

export interface LrocPoint {
  fpr: number;
  tpr: number;
  /** P(HCC) at or above which a localized study is called HCC at this point (null: the ends). */
  threshold: number | null;
  tp: number;
  fp: number;
}

/**
 * The HCC-vs-others LROC's points with what a hover shows: threshold and counts. The same steps as
 * hccLroc (metrics.ts): unlocalized studies are never positive, ties move together.
 */
export function lrocPoints(cases: EvalCase[]): LrocPoint[] {
  const positives = cases.filter((c) => c.truth === "HCC").length;
  const negatives = cases.length - positives;
  const scored = cases
    .filter((c) => c.status === "analyzed" && c.prediction !== null && c.probabilities !== null)
    .map((c) => ({ s: c.probabilities!.HCC, pos: c.truth === "HCC" }))
    .sort((a, b) => b.s - a.s);
  const rate = (k: number, of: number): number => (of === 0 ? 0 : k / of);
  const points: LrocPoint[] = [{ fpr: 0, tpr: 0, threshold: null, tp: 0, fp: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < scored.length;) {
    const s = scored[i]!.s;
    while (i < scored.length && scored[i]!.s === s) {
      if (scored[i]!.pos) tp++;
      else fp++;
      i++;
    }
    points.push({ fpr: rate(fp, negatives), tpr: rate(tp, positives), threshold: s, tp, fp });
  }
  const last = points[points.length - 1]!;
  if (last.fpr < 1) points.push({ ...last, fpr: 1, threshold: null });
  return points;
}

export interface CutoffPoint {
  /** Studies with confidence >= cutoff are kept. */
  cutoff: number;
  kept: number;
  /** kept / all studies of the curve (scored or not). */
  share: number;
  accuracy: number;
  meanF1: number;
}

/**
 * Fig. 5: accuracy and mean F1 of the studies at or above each confidence cutoff, with the share
 * kept. The CAD's cutoffs are its distinct confidences (continuous); a reader's the levels 1-5.
 * A study without a confidence (no ROI) is dropped by any cutoff.
 */
export function cutoffCurve(cases: CohortCase[], levels: number[] | null = null): CutoffPoint[] {
  const scored = cases.filter((c) => c.confidence !== null);
  const cutoffs = levels ?? [...new Set(scored.map((c) => c.confidence!))].sort((a, b) => a - b);
  return cutoffs.flatMap((cutoff): CutoffPoint[] => {
    const kept = scored.filter((c) => c.confidence! >= cutoff);
    if (kept.length === 0) return [];
    const m = metrics(kept);
    return [
      {
        cutoff,
        kept: kept.length,
        share: kept.length / cases.length,
        accuracy: m.accuracy,
        meanF1: m.meanF1,
      },
    ];
  });
}

export const READER_LEVELS = [1, 2, 3, 4, 5];

/**
 * "The N% most confident" of a set of cases: confidentCount (contract/confidence.ts, the one rule
 * the worklist and the CLI share) of the scored studies, highest confidence first; ties keep the
 * input order. Studies without a confidence are never among them.
 */
export function topConfident<T extends { confidence: number | null }>(
  cases: T[],
  topPercent: number,
): T[] {
  const scored = cases
    .map((c, i) => ({ c, i }))
    .filter((o) => o.c.confidence !== null)
    .sort((a, b) => b.c.confidence! - a.c.confidence! || a.i - b.i);
  return scored.slice(0, confidentCount(scored.length, topPercent)).map((o) => o.c);
}

export type ConfusionMatrix = Record<LesionClass, Record<LesionClass | "none", number>>;

/** Rows: true class; columns: the CAD's call, "none" when it made none (no ROI, failed, missing). */
export function confusionMatrix(cases: EvalCase[]): ConfusionMatrix {
  const m = Object.fromEntries(
    LESION_CLASSES.map((t) => [
      t,
      Object.fromEntries([...LESION_CLASSES, "none"].map((p) => [p, 0])),
    ]),
  ) as ConfusionMatrix;
  for (const c of cases) {
    const p = c.status === "analyzed" && c.prediction !== null ? c.prediction : "none";
    m[c.truth][p] += 1;
  }
  return m;
}

export interface WrongCase {
  studyInstanceUid: string;
  patientId: string | null;
  truth: LesionClass;
  prediction: LesionClass | null;
  status: EvalCase["status"];
  confidence: number | null;
  largestLesionMm: number | null;
}

/** Misdiagnosed and unlocalized studies, the most confident mistakes first (they matter most). */
export function wrongCases(cases: CohortCase[]): WrongCase[] {
  return cases
    .filter((c) => c.status !== "analyzed" || c.prediction !== c.truth)
    .sort((a, b) => (b.confidence ?? -Infinity) - (a.confidence ?? -Infinity))
    .map((c) => ({
      studyInstanceUid: c.studyInstanceUid,
      patientId: c.patientId,
      truth: c.truth,
      prediction: c.status === "analyzed" ? c.prediction : null,
      status: c.status,
      confidence: c.confidence,
      largestLesionMm: c.largestLesionMm,
    }));
}

// ---------------------------------------------------------------------------------------------
// Beyond the paper: failure detection, calibration, conformal sets (confidence-metrics.ts)

export interface ConfidenceAnalytics {
  /** The score studies are ranked by: the assessment's rank score when every analysis has one. */
  scoreName: string;
  riskCoverage: RiskCoveragePoint[];
  aurc: number;
  eAurc: number;
  reliability: {
    before: { ece: number; bins: ReliabilityBin[] };
    after: { ece: number; bins: ReliabilityBin[]; how: string } | null;
  };
  conformal: { nominal: number; coverage: number; meanSetSize: number; n: number } | null;
}

/**
 * Risk-coverage over every study (one without a call ranks last and counts as an error, as the
 * paper counts it), reliability of the analyzed studies' top-class probability before and after
 * calibration, and the empirical coverage of the conformal sets the analyses carry.
 */
export function confidenceAnalytics(cases: CohortCase[]): ConfidenceAnalytics {
  const analyzed = cases.filter(
    (c) => c.status === "analyzed" && c.prediction !== null && c.probabilities !== null,
  );
  const assessed = analyzed.filter((c) => c.assessment !== null);
  const useAssessment = analyzed.length > 0 && assessed.length === analyzed.length;
  // -MAX_VALUE, not -Infinity: a difference of two must stay a number for the sort.
  const LAST = -Number.MAX_VALUE;
  const calls: ScoredCall[] = cases.map((c) => {
    const made = c.status === "analyzed" && c.prediction !== null;
    const score = !made ? LAST : useAssessment ? c.assessment!.rankScore : (c.confidence ?? LAST);
    return { score, correct: made && c.prediction === c.truth };
  });
  const raw: LabeledProbabilities[] = analyzed.map((c) => ({
    probabilities: c.probabilities!,
    truth: c.truth,
  }));
  const before = topCalls(raw);
  let after: ConfidenceAnalytics["reliability"]["after"] = null;
  if (useAssessment) {
    const cal = topCalls(
      assessed.map((c) => ({
        probabilities: c.assessment!.calibratedProbabilities,
        truth: c.truth,
      })),
    );
    after = {
      ece: ece(cal),
      bins: reliabilityBins(cal),
      how: "the classifier manifest's calibration",
    };
  } else if (raw.length >= 2) {
    // No stored calibration: a temperature fitted on this cohort shows what calibration would do
    // (in-sample, so optimistic; the report says so).
    const t = fitTemperature(raw);
    const cal = topCalls(raw, t);
    after = {
      ece: ece(cal),
      bins: reliabilityBins(cal),
      how: `temperature ${t.toFixed(3)} fitted on this cohort (in-sample)`,
    };
  }
  const conformal =
    useAssessment && assessed.length > 0
      ? {
          nominal: assessed[0]!.assessment!.coverage,
          coverage:
            assessed.filter((c) => c.assessment!.predictionSet.includes(c.truth)).length /
            assessed.length,
          meanSetSize:
            assessed.reduce((s, c) => s + c.assessment!.predictionSet.length, 0) / assessed.length,
          n: assessed.length,
        }
      : null;
  return {
    scoreName: useAssessment ? assessed[0]!.assessment!.rankScoreName : "paper confidence",
    riskCoverage: riskCoverage(calls),
    aurc: aurc(calls),
    eAurc: eAurc(calls),
    reliability: { before: { ece: ece(before), bins: reliabilityBins(before) }, after },
    conformal,
  };
}

// ---------------------------------------------------------------------------------------------
// The whole analysis of a cohort

export interface SubgroupResult {
  name: string;
  n: number;
  cad: { lroc: LrocResult; points: LrocPoint[]; accuracy: number; meanF1: number };
  readers: OperatingPoint[];
}

export interface CohortComposition {
  n: number;
  byClass: Record<LesionClass, number>;
  bySize: { small: number; large: number; unknown: number };
  byStatus: Record<EvalCase["status"], number>;
  folds: number;
}

export interface CohortAnalytics {
  composition: CohortComposition;
  table3: Table3Column[];
  /** The CAD's metrics as `livercad evaluate` has always printed them (all and top share). */
  cadMetrics: Metrics;
  lroc: { cad: LrocResult; points: LrocPoint[]; readers: OperatingPoint[] };
  subgroups: SubgroupResult[];
  /** Fig. 5, one curve per CAD / reader. */
  cutoff: { name: string; kind: "cad" | "reader"; points: CutoffPoint[] }[];
  /** Fig. 6: LROC of the topPercent most confident (CAD), readers' points on theirs. */
  topLroc: {
    topPercent: number;
    n: number;
    cad: LrocResult;
    points: LrocPoint[];
    readers: OperatingPoint[];
  };
  confusion: ConfusionMatrix;
  wrong: WrongCase[];
  confidence: ConfidenceAnalytics;
  bootstrap: { resamples: number; seed: string };
}

export interface AnalyticsOptions {
  topPercent?: number;
  resamples?: number;
  seed?: string;
  folds?: ReadonlyMap<string, number> | null;
}

export function cohortAnalytics(
  truth: TruthEntry[],
  results: ResultsLike,
  reads: ReaderRead[] = [],
  options: AnalyticsOptions = {},
): CohortAnalytics {
  const topPercent = options.topPercent ?? 70;
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const seed = options.seed ?? BOOTSTRAP_SEED;
  const folds = options.folds ?? null;
  const cad = matchTruth(truth, results, folds);
  const readers = readerNames(reads).map((name) => ({
    name,
    cases: readerCases(truth, reads, name, folds),
  }));
  const byClass = Object.fromEntries(
    LESION_CLASSES.map((c) => [c, cad.filter((x) => x.truth === c).length]),
  ) as Record<LesionClass, number>;
  const byStatus = { analyzed: 0, "no-roi": 0, incomplete: 0, error: 0, missing: 0 };
  for (const c of cad) byStatus[c.status] += 1;
  const small = (c: CohortCase): boolean =>
    c.largestLesionMm !== null && c.largestLesionMm <= SMALL_LESION_MM;
  const large = (c: CohortCase): boolean =>
    c.largestLesionMm !== null && c.largestLesionMm > SMALL_LESION_MM;
  const subgroup = (name: string, keep: (c: CohortCase) => boolean): SubgroupResult => {
    const cs = cad.filter(keep);
    const m = metrics(cs);
    return {
      name,
      n: cs.length,
      cad: { lroc: m.hccLroc, points: lrocPoints(cs), accuracy: m.accuracy, meanF1: m.meanF1 },
      readers: readers.map((r) => operatingPoint(r.name, r.cases.filter(keep))),
    };
  };
  const top = topConfident(cad, topPercent);
  return {
    composition: {
      n: cad.length,
      byClass,
      bySize: {
        small: cad.filter(small).length,
        large: cad.filter(large).length,
        unknown: cad.filter((c) => c.largestLesionMm === null).length,
      },
      byStatus,
      folds: new Set(cad.map((c) => c.fold).filter((f) => f !== null)).size,
    },
    table3: [
      table3Column("CAD", "cad", cad, { resamples, seed }),
      ...readers.map((r) => table3Column(r.name, "reader", r.cases, { resamples, seed })),
    ],
    cadMetrics: metrics(cad),
    lroc: {
      cad: hccLroc(cad),
      points: lrocPoints(cad),
      readers: readers.map((r) => operatingPoint(r.name, r.cases)),
    },
    subgroups: [
      subgroup(`largest lesion <= ${SMALL_LESION_MM / 10} cm`, small),
      subgroup(`largest lesion > ${SMALL_LESION_MM / 10} cm`, large),
    ],
    cutoff: [
      { name: "CAD", kind: "cad", points: cutoffCurve(cad) },
      ...readers.map((r) => ({
        name: r.name,
        kind: "reader" as const,
        points: cutoffCurve(r.cases, READER_LEVELS),
      })),
    ],
    topLroc: {
      topPercent,
      n: top.length,
      cad: hccLroc(top),
      points: lrocPoints(top),
      readers: readers.map((r) => operatingPoint(r.name, topConfident(r.cases, topPercent))),
    },
    confusion: confusionMatrix(cad),
    wrong: wrongCases(cad),
    confidence: confidenceAnalytics(cad),
    bootstrap: { resamples, seed },
  };
}
