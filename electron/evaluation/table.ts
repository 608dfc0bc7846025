// A Table-3-style text table of an Evaluation: all studies beside the most confident share.
import { SCORE_NAMES } from "../contract/calibration";
import { TABLE3_KEYS, TABLE3_LABELS, type Table3Column, type Table3Key } from "./analytics";
import type { Evaluation, Metrics } from "./metrics";

const fmt = (v: number): string => (Number.isNaN(v) ? "  n/a" : v.toFixed(3));

export function formatTable(e: Evaluation): string {
  const pct = Math.round(e.top.fraction * 100);
  const head = [`all (n=${e.all.n})`, `top ${pct}% confident (n=${e.top.n})`];
  const rows: [string, (m: Metrics) => number][] = [
    ["Accuracy", (m) => m.accuracy],
    ["Mean F1 score", (m) => m.meanF1],
  ];
  const label = { HCC: "HCC", ICC: "ICC", metastasis: "Metastasis" } as const;
  for (const cls of ["HCC", "ICC", "metastasis"] as const) {
    rows.push([`${label[cls]} vs. others`, () => Number.NaN]);
    rows.push(["  Sensitivity", (m) => m.perClass[cls].sensitivity]);
    rows.push(["  Specificity", (m) => m.perClass[cls].specificity]);
    rows.push(["  F1 score", (m) => m.perClass[cls].f1]);
  }
  rows.push(
    ["HCC vs. others LROC", () => Number.NaN],
    ["  AUC", (m) => m.hccLroc.auc],
    ["  Sensitivity at 80% specificity", (m) => m.hccLroc.sensitivityAt80Specificity],
    ["  Maximum sensitivity", (m) => m.hccLroc.maxSensitivity],
    ["Localization rate", (m) => m.localizationRate],
    ["No-ROI rate", (m) => m.noRoiRate],
    ["Top-ROI hit (radius + 10 mm)", (m) => m.hit],
    ["ROIs per study", (m) => m.rois_per_study],
  );
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w = head.map((h) => Math.max(h.length, 6));
  const line = (a: string, b: string, c: string): string =>
    `${a.padEnd(w0)}  ${b.padStart(w[0]!)}  ${c.padStart(w[1]!)}`;
  const out = [line("", head[0]!, head[1]!)];
  for (const [name, get] of rows) {
    const section = name.endsWith("others") || name.endsWith("LROC");
    out.push(section ? name : line(name, fmt(get(e.all)), fmt(get(e.top))));
  }
  return out.join("\n");
}

/**
 * The confidence section under the table (issue 11 §3): what "top N%" was ranked by, AURC per
 * candidate score, ECE before/after calibration and the conformal sets' coverage.
 */
export function formatConfidence(e: Evaluation): string {
  const c = e.confidence;
  const best = SCORE_NAMES.reduce((a, b) =>
    Number.isNaN(c.aurc[b]) || c.aurc[a] <= c.aurc[b] ? a : b,
  );
  const lines = [
    `Top ${Math.round(e.top.fraction * 100)}% ranked by: ` +
      (e.rank === "assessment"
        ? "the calibrated assessment's rank score"
        : "the paper's confidence"),
    `Failure detection on ${c.n} analyzed studies (lower AURC = better):`,
    ...SCORE_NAMES.map(
      (s) =>
        `  ${s.padEnd(14)} AURC ${fmt(c.aurc[s])}  E-AURC ${fmt(c.eAurc[s])}` +
        (s === best && !Number.isNaN(c.aurc[s]) ? "  (lowest)" : ""),
    ),
    `ECE (${c.ece.bins} bins): before calibration ${fmt(c.ece.before)}, after ${fmt(c.ece.after)}`,
    Number.isNaN(c.conformal.nominal)
      ? "Conformal sets: none (the results carry no assessment)"
      : `Conformal sets at ${Math.round(c.conformal.nominal * 100)}%: coverage ` +
        `${fmt(c.conformal.coverage)}, mean set size ${fmt(c.conformal.meanSetSize)} ` +
        `(n=${c.conformal.n})`,
  ];
  return lines.join("\n");
}

/** Table 3 as text: one column per CAD / reader, value and 95% interval (and folds' mean +- SD). */
export function formatTable3(columns: Table3Column[]): string {
  const cell = (c: Table3Column, k: Table3Key): string => {
    const m = c.cells[k];
    if (Number.isNaN(m.value)) return "n/a";
    const folds = m.folds ? ` ${fmt(m.folds.mean)}±${fmt(m.folds.sd)}` : "";
    return `${fmt(m.value)} (${fmt(m.ci[0])}-${fmt(m.ci[1])})${folds}`;
  };
  const head = ["", ...columns.map((c) => `${c.name} (n=${c.n})`)];
  const rows = TABLE3_KEYS.map((k) => [TABLE3_LABELS[k], ...columns.map((c) => cell(c, k))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}
