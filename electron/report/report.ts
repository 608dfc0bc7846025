// The evaluation report (issue 16 §3): one self-contained HTML file (figures inline as SVG, no
// external file or script) with every table and figure, the cohort's make-up and the models'
// provenance, plus each figure as SVG and PNG beside it. Plots render with linkedom's document in
// Node and rasterize with resvg (FIELD-NOTES), both offline.
import fs from "node:fs";
import path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { parseHTML } from "linkedom";
import { LESION_CLASSES } from "../contract/domain";
import {
  TABLE3_KEYS,
  TABLE3_LABELS,
  type CohortAnalytics,
  type MetricCell,
} from "../evaluation/analytics";
import { allFigures, type Figure, type PlotDocument } from "./plots";

export interface ModelProvenance {
  id: string;
  version: string;
  sha256: string;
}

export interface ReportMeta {
  title: string;
  generatedAt: string;
  /** What the cohort is: files given to the CLI, or the app's filter. */
  sources: { label: string; value: string }[];
  models: ModelProvenance[];
  appVersion: string;
}

/** The distinct models named by the analyses of a results document (out.json). */
export function modelsOf(results: {
  studies: { model?: { models?: ModelProvenance[] } }[];
}): ModelProvenance[] {
  const seen = new Map<string, ModelProvenance>();
  for (const s of results.studies) {
    for (const m of s.model?.models ?? []) seen.set(`${m.id}@${m.version}:${m.sha256}`, m);
  }
  return [...seen.values()].sort((a, b) => a.id.localeCompare(b.id));
}

export function nodeDocument(): PlotDocument {
  return parseHTML("<!doctype html><html><body></body></html>").document as PlotDocument;
}

export function figureSvg(f: Figure): string {
  return (f.svg as unknown as { outerHTML: string }).outerHTML;
}

/** PNG at twice the SVG's size (crisp in a slide); DejaVu is the one font CI installs. */
export function svgToPng(svg: string): Buffer {
  const r = new Resvg(svg, {
    fitTo: { mode: "zoom", value: 2 },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return r.render().asPng();
}

const esc = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : "n/a");

function cellText(c: MetricCell): string {
  let s = `${f3(c.value)} <span class="ci">(${f3(c.ci[0])}-${f3(c.ci[1])})</span>`;
  if (c.folds) s += `<br><span class="folds">${f3(c.folds.mean)} &plusmn; ${f3(c.folds.sd)}</span>`;
  return s;
}

export function table3Html(a: CohortAnalytics): string {
  const head = a.table3.map((c) => `<th>${esc(c.name)}<br><small>n=${c.n}</small></th>`).join("");
  const rows = TABLE3_KEYS.map(
    (k) =>
      `<tr><th>${esc(TABLE3_LABELS[k])}</th>${a.table3
        .map(
          (c) =>
            `<td>${c.kind === "reader" && k.startsWith("hcc") ? "&ndash;" : cellText(c.cells[k])}</td>`,
        )
        .join("")}</tr>`,
  ).join("\n");
  return `<table class="t3"><thead><tr><th></th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function compositionHtml(a: CohortAnalytics): string {
  const c = a.composition;
  const cls = LESION_CLASSES.map((k) => `${k} ${c.byClass[k]}`).join(", ");
  const st = Object.entries(c.byStatus)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return `<ul>
<li>${c.n} studies with a final diagnosis: ${cls}</li>
<li>Largest lesion: &le; 2 cm ${c.bySize.small}, &gt; 2 cm ${c.bySize.large}, not given ${c.bySize.unknown}</li>
<li>CAD outcome: ${st}</li>
${c.folds > 0 ? `<li>Cross-validation folds: ${c.folds}</li>` : ""}
</ul>`;
}

function confusionHtml(a: CohortAnalytics): string {
  const cols = [...LESION_CLASSES, "none"] as const;
  return `<table><thead><tr><th>final \\ CAD</th>${cols.map((c) => `<th>${c}</th>`).join("")}</tr></thead><tbody>${LESION_CLASSES.map(
    (t) => `<tr><th>${t}</th>${cols.map((p) => `<td>${a.confusion[t][p]}</td>`).join("")}</tr>`,
  ).join("")}</tbody></table>`;
}

function subgroupHtml(a: CohortAnalytics): string {
  return `<table><thead><tr><th>Subgroup</th><th>n</th><th>CAD LROC AUC</th><th>CAD sensitivity at 80% specificity</th><th>CAD accuracy</th><th>Readers (sensitivity / 1 - specificity)</th></tr></thead><tbody>${a.subgroups
    .map(
      (g) =>
        `<tr><th>${esc(g.name)}</th><td>${g.n}</td><td>${f3(g.cad.lroc.auc)}</td><td>${f3(g.cad.lroc.sensitivityAt80Specificity)}</td><td>${f3(g.cad.accuracy)}</td><td>${g.readers
          .map((r) => `${esc(r.name)}: ${f3(r.tpr)} / ${f3(r.fpr)}`)
          .join("; ")}</td></tr>`,
    )
    .join("")}</tbody></table>`;
}

function wrongHtml(a: CohortAnalytics): string {
  if (a.wrong.length === 0) return "<p>None.</p>";
  return `<table><thead><tr><th>Study</th><th>Patient</th><th>Final</th><th>CAD</th><th>Status</th><th>Confidence</th><th>Largest lesion (mm)</th></tr></thead><tbody>${a.wrong
    .map(
      (w) =>
        `<tr><td class="uid">${esc(w.studyInstanceUid)}</td><td>${esc(w.patientId ?? "")}</td><td>${w.truth}</td><td>${w.prediction ?? "none"}</td><td>${w.status}</td><td>${w.confidence === null ? "n/a" : w.confidence.toFixed(4)}</td><td>${w.largestLesionMm ?? ""}</td></tr>`,
    )
    .join("")}</tbody></table>`;
}

function confidenceHtml(a: CohortAnalytics): string {
  const c = a.confidence;
  const r = c.reliability;
  return `<ul>
<li>Risk-coverage ranked by ${esc(c.scoreName)}: AURC ${f3(c.aurc)}, E-AURC ${f3(c.eAurc)} (lower is better; E-AURC 0 = a perfect ranking)</li>
<li>Expected calibration error (15 bins): before ${f3(r.before.ece)}${r.after ? `, after ${f3(r.after.ece)} (${esc(r.after.how)})` : "; no calibration available"}</li>
<li>Conformal prediction sets: ${c.conformal ? `nominal ${f3(c.conformal.nominal)}, empirical coverage ${f3(c.conformal.coverage)}, mean set size ${f3(c.conformal.meanSetSize)} (n=${c.conformal.n})` : "the analyses carry no conformal sets (the classifier has no calibration block)"}</li>
</ul>`;
}

export function reportHtml(a: CohortAnalytics, meta: ReportMeta, figures: Figure[]): string {
  const figs = figures
    .map(
      (f) =>
        `<figure id="${f.id}">${figureSvg(f)}<figcaption>${esc(f.title)}</figcaption></figure>`,
    )
    .join("\n");
  const models = meta.models.length
    ? `<table><thead><tr><th>Model</th><th>Version</th><th>sha256</th></tr></thead><tbody>${meta.models
        .map(
          (m) =>
            `<tr><td>${esc(m.id)}</td><td>${esc(m.version)}</td><td class="uid">${esc(m.sha256)}</td></tr>`,
        )
        .join("")}</tbody></table>`
    : "<p>The results name no models.</p>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(meta.title)}</title>
<style>
body { font-family: "DejaVu Sans", Verdana, sans-serif; font-size: 13px; margin: 24px; color: #111; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f3f5f8; } tbody th { text-align: left; }
.ci { color: #555; font-size: 11px; } .folds { color: #1f5fa8; font-size: 11px; } .uid { font-family: monospace; font-size: 11px; text-align: left; }
figure { display: inline-block; margin: 8px; vertical-align: top; } figcaption { font-size: 12px; max-width: 440px; }
</style></head><body>
<h1>${esc(meta.title)}</h1>
<p>Generated ${esc(meta.generatedAt)} by LiverCAD Workstation ${esc(meta.appVersion)}.</p>
<dl>${meta.sources.map((s) => `<dt>${esc(s.label)}</dt><dd>${esc(s.value)}</dd>`).join("")}</dl>
<h2>Cohort</h2>${compositionHtml(a)}
<h2>Models</h2>${models}
<h2>Table 3: diagnostic performance</h2>
<p>Value (95% percentile bootstrap interval, ${a.bootstrap.resamples} resamples, seed "${esc(a.bootstrap.seed)}")${a.composition.folds > 1 ? "; below, mean &plusmn; SD across folds" : ""}. Studies without a ROI count as misdiagnoses and as LROC false negatives (paper, Table 3).</p>
${table3Html(a)}
<h2>Subgroups by largest lesion</h2>${subgroupHtml(a)}
<h2>Figures</h2>${figs}
<h2>Confusion matrix (CAD)</h2>${confusionHtml(a)}
<h2>Confidence beyond the paper</h2>${confidenceHtml(a)}
<h2>Wrong cases (${a.wrong.length})</h2>${wrongHtml(a)}
</body></html>
`;
}

/** Writes DIR/report.html, DIR/analytics.json and DIR/figures/<id>.svg + .png; returns the paths. */
export function writeReport(dir: string, a: CohortAnalytics, meta: ReportMeta): string[] {
  const figures = allFigures(nodeDocument(), a);
  const figDir = path.join(dir, "figures");
  fs.mkdirSync(figDir, { recursive: true });
  const files: string[] = [];
  const write = (file: string, data: string | Buffer): void => {
    fs.writeFileSync(file, data);
    files.push(file);
  };
  write(path.join(dir, "report.html"), reportHtml(a, meta, figures));
  write(path.join(dir, "analytics.json"), `${JSON.stringify(a, null, 2)}\n`);
  for (const f of figures) {
    const svg = figureSvg(f);
    write(path.join(figDir, `${f.id}.svg`), svg);
    write(path.join(figDir, `${f.id}.png`), svgToPng(svg));
  }
  return files;
}
