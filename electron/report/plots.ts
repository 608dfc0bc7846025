// The analytics figures as Observable Plot specs (issue 16 §3): the same functions draw the
// Analytics screen (React, the browser's document) and the report (Node, linkedom's document), so
// a figure cannot differ between the two. Every point carries a <title>: hovering shows its
// threshold and counts in the app, and the report's SVG files keep it.
import * as Plot from "@observablehq/plot";
import { LESION_CLASSES } from "../contract/domain";
import type { CohortAnalytics, LrocPoint, OperatingPoint } from "../evaluation/analytics";

type PlotOptions = NonNullable<Parameters<typeof Plot.plot>[0]>;
/** A DOM document: the browser's or linkedom's (Plot only creates elements with it). */
export type PlotDocument = PlotOptions["document"];
export type PlotElement = ReturnType<typeof Plot.plot>;

/** One figure: its file name (without extension), caption and the points a test can count. */
export interface Figure {
  id: string;
  title: string;
  /** Hoverable data points drawn (curve points + reader points), for tests and the screen. */
  points: number;
  svg: PlotElement;
}

const FONT = "DejaVu Sans, Verdana, sans-serif";
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : "n/a");
const num = (v: number | null, d = 3): string =>
  v === null || !Number.isFinite(v) ? "n/a" : v.toFixed(d);

function base(doc: PlotDocument, extra: PlotOptions): PlotOptions {
  return {
    document: doc,
    width: 440,
    height: 340,
    marginLeft: 50,
    marginBottom: 40,
    style: { fontFamily: FONT, fontSize: "11px", background: "white", color: "#111" },
    ...extra,
  };
}

function finish(svg: PlotElement): PlotElement {
  // linkedom leaves the namespace out: a standalone .svg file needs it.
  (svg as unknown as { setAttribute(k: string, v: string): void }).setAttribute(
    "xmlns",
    "http://www.w3.org/2000/svg",
  );
  return svg;
}

/** HCC-vs-others LROC (paper Figs. 3 and 6): the CAD's curve, each reader as one point. */
export function lrocFigure(
  doc: PlotDocument,
  id: string,
  title: string,
  points: LrocPoint[],
  readers: OperatingPoint[],
  auc: number,
): Figure {
  const tip = (p: LrocPoint): string =>
    `${p.threshold === null ? "end of curve" : `P(HCC) >= ${p.threshold.toFixed(3)}`}\n` +
    `sensitivity ${pct(p.tpr)} (TP ${p.tp}), 1 - specificity ${pct(p.fpr)} (FP ${p.fp})`;
  const readerPts = readers.filter((r) => Number.isFinite(r.fpr) && Number.isFinite(r.tpr));
  const svg = Plot.plot(
    base(doc, {
      x: { domain: [0, 1], label: "1 - specificity (HCC vs. others)", grid: true },
      y: { domain: [0, 1], label: "Sensitivity (localized and called HCC)", grid: true },
      // Legends would wrap the SVG in an HTML <figure>: labels are drawn as text marks instead.
      color: { legend: false },
      marks: [
        Plot.line(
          [
            [0, 0],
            [1, 1],
          ],
          { stroke: "#bbb", strokeDasharray: "4,3" },
        ),
        Plot.line(points, { x: "fpr", y: "tpr", stroke: "#1f5fa8" }),
        Plot.dot(points, { x: "fpr", y: "tpr", r: 2.5, fill: "#1f5fa8", title: tip }),
        Plot.dot(readerPts, {
          x: "fpr",
          y: "tpr",
          r: 5,
          symbol: "diamond",
          fill: "name",
          title: (r: OperatingPoint) =>
            `${r.name} (n=${r.n})\nsensitivity ${pct(r.tpr)}, 1 - specificity ${pct(r.fpr)}`,
        }),
        Plot.text(readerPts, {
          x: "fpr",
          y: "tpr",
          text: "name",
          dx: 8,
          textAnchor: "start",
          fill: "name",
        }),
        Plot.text([`CAD AUC ${num(auc)}`], { frameAnchor: "bottom-right", dx: -8, dy: -8 }),
      ],
    }),
  );
  return { id, title, points: points.length + readerPts.length, svg: finish(svg) };
}

/** Fig. 5, CAD: accuracy, mean F1 and the share kept against the confidence cutoff. */
export function cadCutoffFigure(doc: PlotDocument, a: CohortAnalytics): Figure {
  const curve = a.cutoff.find((c) => c.kind === "cad")?.points ?? [];
  const long = curve.flatMap((p) => [
    { ...p, metric: "accuracy", value: p.accuracy },
    { ...p, metric: "mean F1", value: p.meanF1 },
    { ...p, metric: "share kept", value: p.share },
  ]);
  const svg = Plot.plot(
    base(doc, {
      x: { label: "Confidence cutoff (1 - mean MC variance)", grid: true },
      y: { domain: [0, 1], label: "Value", grid: true },
      color: { legend: false, domain: ["accuracy", "mean F1", "share kept"] },
      marks: [
        Plot.line(long, { x: "cutoff", y: "value", stroke: "metric" }),
        Plot.text(
          long,
          Plot.selectLast({
            x: "cutoff",
            y: "value",
            z: "metric",
            text: "metric",
            fill: "metric",
            dy: -7,
            textAnchor: "end",
          }),
        ),
        Plot.dot(long, {
          x: "cutoff",
          y: "value",
          fill: "metric",
          r: 2,
          title: (p: (typeof long)[number]) =>
            `confidence >= ${p.cutoff.toFixed(4)}: ${p.kept} studies kept (${pct(p.share)})\n` +
            `accuracy ${pct(p.accuracy)}, mean F1 ${num(p.meanF1)}`,
        }),
      ],
    }),
  );
  return {
    id: "fig5-cad-cutoff",
    title: "Fig. 5 (CAD): accuracy and mean F1 against the confidence cutoff",
    points: long.length,
    svg: finish(svg),
  };
}

/** Fig. 5, readers: the same against the reader's confidence level 1-5. */
export function readerCutoffFigure(doc: PlotDocument, a: CohortAnalytics): Figure {
  const long = a.cutoff
    .filter((c) => c.kind === "reader")
    .flatMap((c) =>
      c.points.flatMap((p) => [
        { ...p, reader: c.name, metric: "accuracy", value: p.accuracy },
        { ...p, reader: c.name, metric: "mean F1", value: p.meanF1 },
      ]),
    );
  const svg = Plot.plot(
    base(doc, {
      x: { domain: [1, 5], ticks: 5, label: "Reader confidence cutoff (level >=)", grid: true },
      y: { domain: [0, 1], label: "Accuracy (solid) / mean F1 (dashed)", grid: true },
      color: { legend: false },
      marks: [
        Plot.line(
          long.filter((p) => p.metric === "accuracy"),
          { x: "cutoff", y: "value", stroke: "reader" },
        ),
        Plot.line(
          long.filter((p) => p.metric === "mean F1"),
          { x: "cutoff", y: "value", stroke: "reader", strokeDasharray: "4,3" },
        ),
        Plot.text(
          long.filter((p) => p.metric === "accuracy"),
          Plot.selectFirst({
            x: "cutoff",
            y: "value",
            z: "reader",
            text: "reader",
            fill: "reader",
            dx: -6,
            textAnchor: "end",
          }),
        ),
        Plot.dot(long, {
          x: "cutoff",
          y: "value",
          fill: "reader",
          r: 3,
          title: (p: (typeof long)[number]) =>
            `${p.reader}, level >= ${p.cutoff}: ${p.kept} studies kept (${pct(p.share)})\n` +
            `accuracy ${pct(p.accuracy)}, mean F1 ${num(p.meanF1)}`,
        }),
      ],
    }),
  );
  return {
    id: "fig5-reader-cutoff",
    title: "Fig. 5 (readers): accuracy and mean F1 against the confidence level",
    points: long.length,
    svg: finish(svg),
  };
}

/** Confusion matrix: true class (rows) against the CAD's call, "none" when it made none. */
export function confusionFigure(doc: PlotDocument, a: CohortAnalytics): Figure {
  const cols = [...LESION_CLASSES, "none"] as const;
  const cells = LESION_CLASSES.flatMap((t) =>
    cols.map((p) => ({ truth: t, predicted: p, count: a.confusion[t][p] })),
  );
  const svg = Plot.plot(
    base(doc, {
      height: 260,
      marginLeft: 90,
      x: { domain: [...cols], label: "CAD call", axis: "top" },
      y: { domain: [...LESION_CLASSES], label: "Final diagnosis" },
      color: { scheme: "blues", legend: false },
      marks: [
        Plot.cell(cells, {
          x: "predicted",
          y: "truth",
          fill: "count",
          inset: 1,
          title: (c: (typeof cells)[number]) =>
            `${c.count} ${c.truth} studies called ${c.predicted}`,
        }),
        Plot.text(cells, {
          x: "predicted",
          y: "truth",
          text: (c: (typeof cells)[number]) => String(c.count),
        }),
      ],
    }),
  );
  return {
    id: "confusion",
    title: "Confusion matrix (CAD)",
    points: cells.length,
    svg: finish(svg),
  };
}

/** Risk-coverage (beyond the paper): error rate among the k most confident, k = 1..n. */
export function riskCoverageFigure(doc: PlotDocument, a: CohortAnalytics): Figure {
  const c = a.confidence;
  const pts = c.riskCoverage.map((p, i) => ({ ...p, k: i + 1 }));
  const svg = Plot.plot(
    base(doc, {
      x: {
        domain: [0, 1],
        label: "Coverage (share of studies kept, most confident first)",
        grid: true,
      },
      y: {
        label: "Risk (error rate among kept)",
        grid: true,
        domain: [0, Math.max(0.05, ...pts.map((p) => p.risk))],
      },
      marks: [
        Plot.line(pts, { x: "coverage", y: "risk", stroke: "#a83b1f" }),
        Plot.dot(pts, {
          x: "coverage",
          y: "risk",
          r: 2,
          fill: "#a83b1f",
          title: (p: (typeof pts)[number]) =>
            `${p.k} most confident kept (${pct(p.coverage)}): error rate ${pct(p.risk)}`,
        }),
        Plot.text([`AURC ${num(c.aurc)}  E-AURC ${num(c.eAurc)} (${c.scoreName})`], {
          frameAnchor: "top-left",
          dx: 8,
          dy: 8,
          textAnchor: "start",
        }),
      ],
    }),
  );
  return {
    id: "risk-coverage",
    title: "Risk-coverage curve with AURC and E-AURC",
    points: pts.length,
    svg: finish(svg),
  };
}

/** Reliability diagram (beyond the paper): accuracy against confidence per bin, before / after. */
export function reliabilityFigure(doc: PlotDocument, a: CohortAnalytics): Figure {
  const r = a.confidence.reliability;
  const rows = [
    ...r.before.bins.map((b) => ({ ...b, when: "before" })),
    ...(r.after?.bins ?? []).map((b) => ({ ...b, when: "after" })),
  ].filter((b) => b.count > 0);
  const label =
    `ECE before ${num(r.before.ece)}` +
    (r.after ? `, after ${num(r.after.ece)}` : ", no calibration");
  const svg = Plot.plot(
    base(doc, {
      x: { domain: [0, 1], label: "Top-class probability (bin mean)", grid: true },
      y: { domain: [0, 1], label: "Accuracy in bin", grid: true },
      color: { legend: false, domain: ["before", "after"], range: ["#999", "#1f5fa8"] },
      marks: [
        Plot.line(
          [
            [0, 0],
            [1, 1],
          ],
          { stroke: "#bbb", strokeDasharray: "4,3" },
        ),
        Plot.line(rows, { x: "meanConfidence", y: "accuracy", stroke: "when", z: "when" }),
        Plot.dot(rows, {
          x: "meanConfidence",
          y: "accuracy",
          fill: "when",
          r: (b: (typeof rows)[number]) => 2 + Math.sqrt(b.count),
          title: (b: (typeof rows)[number]) =>
            `${b.when} calibration, bin (${b.lower.toFixed(2)}, ${b.upper.toFixed(2)}]: ` +
            `${b.count} studies, mean probability ${num(b.meanConfidence)}, accuracy ${pct(b.accuracy)}`,
        }),
        Plot.text([label], { frameAnchor: "top-left", dx: 8, dy: 8, textAnchor: "start" }),
      ],
    }),
  );
  return {
    id: "reliability",
    title: `Reliability diagram: grey before, blue after calibration${r.after ? ` (${r.after.how})` : ""}`,
    points: rows.length,
    svg: finish(svg),
  };
}

/** Every figure of a cohort's analytics, in the report's order. */
export function allFigures(doc: PlotDocument, a: CohortAnalytics): Figure[] {
  const figs = [
    lrocFigure(
      doc,
      "fig3-lroc",
      "HCC vs. others LROC, all studies (readers as points)",
      a.lroc.points,
      a.lroc.readers,
      a.lroc.cad.auc,
    ),
    ...a.subgroups.map((g, i) =>
      lrocFigure(
        doc,
        `fig3-lroc-${i === 0 ? "small" : "large"}`,
        `HCC vs. others LROC, ${g.name} (n=${g.n})`,
        g.cad.points,
        g.readers,
        g.cad.lroc.auc,
      ),
    ),
    cadCutoffFigure(doc, a),
  ];
  if (a.cutoff.some((c) => c.kind === "reader")) figs.push(readerCutoffFigure(doc, a));
  figs.push(
    lrocFigure(
      doc,
      "fig6-lroc-top",
      `Fig. 6: HCC vs. others LROC, the ${a.topLroc.topPercent}% most confident (n=${a.topLroc.n})`,
      a.topLroc.points,
      a.topLroc.readers,
      a.topLroc.cad.auc,
    ),
    confusionFigure(doc, a),
    riskCoverageFigure(doc, a),
    reliabilityFigure(doc, a),
  );
  return figs;
}
