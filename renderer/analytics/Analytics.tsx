// The Analytics screen (issue 16 §3): a research coordinator imports the site's ground truth and
// reader studies, picks a cohort (one truth import or all, narrowed by a search) and reads the
// paper's Results for it: Table 3, the LROC with readers, the size subgroups, Figs. 5 and 6, the
// confusion matrix, risk-coverage and reliability, and the wrong cases. The figures are drawn by
// electron/report/plots.ts, the same code the report uses; hovering a point shows its threshold
// and counts; each figure and the whole report export to a folder.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { LESION_CLASSES } from "../../electron/contract/domain";
import type {
  CohortQuery,
  EvaluationImportResult,
  EvaluationImportView,
} from "../../electron/contract/ipc";
import {
  TABLE3_KEYS,
  TABLE3_LABELS,
  type CohortAnalytics,
  type MetricCell,
} from "../../electron/evaluation/analytics";
import { allFigures, type Figure, type PlotDocument } from "../../electron/report/plots";
import { call } from "../api";

/** NaN crosses the bridge's JSON as null: both read "n/a". */
const f3 = (v: number | null | undefined): string =>
  typeof v === "number" && Number.isFinite(v) ? v.toFixed(3) : "n/a";

function Cell({ c }: { c: MetricCell }) {
  return (
    <>
      {f3(c.value)}{" "}
      <span className="muted small">
        ({f3(c.ci[0])}–{f3(c.ci[1])})
      </span>
      {c.folds && (
        <div className="small folds">
          {f3(c.folds.mean)} ± {f3(c.folds.sd)}
        </div>
      )}
    </>
  );
}

function ImportBox(props: { onImported(): void }) {
  const [kind, setKind] = useState<"truth" | "readers">("truth");
  const [path, setPath] = useState("");
  const [result, setResult] = useState<EvaluationImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function run() {
    setError(null);
    setResult(null);
    try {
      const r = await call("evaluation:import", { kind, path: path.trim() });
      setResult(r);
      if (r.importId !== null) props.onImported();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }
  return (
    <section className="panel" aria-label="Import ground truth or readers">
      <h2>Import</h2>
      <div className="an-row">
        <select
          aria-label="File kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as "truth" | "readers")}
        >
          <option value="truth">Ground truth (.csv / truth.json)</option>
          <option value="readers">Reader study (.csv)</option>
        </select>
        <input
          aria-label="File path"
          className="an-path"
          placeholder="/path/to/truth.csv"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        <button type="button" disabled={path.trim() === ""} onClick={() => void run()}>
          Import file
        </button>
      </div>
      {result && result.importId !== null && (
        <p role="status" className="small" data-testid="import-result">
          {result.fileName}: {result.stored} rows stored (import #{result.importId}).
        </p>
      )}
      {result && result.importId === null && (
        <div role="alert" className="error small" data-testid="import-errors">
          {result.fileName} rejected, nothing stored:
          <ul>
            {result.errors.map((e, i) => (
              <li key={i}>
                {e.line === 0 ? "" : `line ${e.line}: `}
                {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <p role="alert" className="error small">
          {error}
        </p>
      )}
    </section>
  );
}

function FigureBox(props: { fig: Figure; onExport(f: Figure): void }) {
  const host = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<string>("");
  useEffect(() => {
    host.current?.replaceChildren(props.fig.svg as unknown as Node);
  }, [props.fig]);
  return (
    <figure className="an-figure" data-figure={props.fig.id} data-points={props.fig.points}>
      <div
        ref={host}
        onMouseOver={(e) => {
          const title = (e.target as Element).querySelector?.(":scope > title");
          setHover(title?.textContent ?? "");
        }}
      />
      <figcaption>
        {props.fig.title}{" "}
        <button type="button" className="link small" onClick={() => props.onExport(props.fig)}>
          Export SVG/PNG
        </button>
      </figcaption>
      <div className="an-hover small" data-testid="hover" aria-live="polite">
        {hover || "Hover a point for its threshold and counts."}
      </div>
    </figure>
  );
}

export function Analytics(props: { dataDir: string; onOpen(uid: string): void }) {
  const [imports, setImports] = useState<EvaluationImportView[]>([]);
  const [query, setQuery] = useState<CohortQuery>({ importId: null, search: "", topPercent: 70 });
  const [search, setSearch] = useState("");
  const [a, setA] = useState<CohortAnalytics | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [outDir, setOutDir] = useState(`${props.dataDir}/reports`);
  const [exported, setExported] = useState<string | null>(null);

  const loadImports = useCallback(() => {
    call("evaluation:imports", {}).then(setImports, () => undefined);
  }, []);
  useEffect(loadImports, [loadImports]);

  const compute = useCallback(() => {
    setBusy(true);
    setError(null);
    call("evaluation:analytics", query).then(
      (r) => {
        setA(r);
        setBusy(false);
      },
      (e: unknown) => {
        setError(e instanceof Error ? e.message : String(e));
        setBusy(false);
      },
    );
  }, [query]);
  useEffect(compute, [compute]);

  const figures = useMemo(
    () => (a && a.composition.n > 0 ? allFigures(document as unknown as PlotDocument, a) : []),
    [a],
  );

  async function exportFigure(f: Figure) {
    try {
      const svg = (f.svg as unknown as Element).outerHTML;
      const r = await call("evaluation:export-figure", { dir: outDir, id: f.id, svg });
      setExported(`Wrote ${r.files.join(", ")}`);
    } catch (e) {
      setExported(e instanceof Error ? e.message : String(e));
    }
  }
  async function exportReport() {
    try {
      const r = await call("evaluation:report", { ...query, dir: outDir });
      setExported(`Report: ${r.files.length} files in ${outDir} (report.html)`);
    } catch (e) {
      setExported(e instanceof Error ? e.message : String(e));
    }
  }

  const truthImports = imports.filter((i) => i.kind === "truth");
  return (
    <div className="analytics" aria-label="Analytics">
      <div className="an-side">
        <ImportBox
          onImported={() => {
            loadImports();
            compute();
          }}
        />
        <section className="panel" aria-label="Cohort">
          <h2>Cohort</h2>
          <label className="block small">
            Studies
            <select
              aria-label="Cohort import"
              value={query.importId ?? ""}
              onChange={(e) =>
                setQuery({
                  ...query,
                  importId: e.target.value === "" ? null : Number(e.target.value),
                })
              }
            >
              <option value="">every study with a final diagnosis</option>
              {truthImports.map((i) => (
                <option key={i.id} value={i.id}>
                  #{i.id} {i.fileName} ({i.rowCount} rows, {i.at.slice(0, 10)})
                </option>
              ))}
            </select>
          </label>
          <label className="block small">
            Filter (patient, accession, description)
            <input
              aria-label="Cohort filter"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") setQuery({ ...query, search });
              }}
              onBlur={() => setQuery({ ...query, search })}
            />
          </label>
          <label className="block small">
            Most confident share for Fig. 6: {query.topPercent}%
            <input
              type="range"
              min={10}
              max={100}
              step={5}
              aria-label="Most confident percent"
              value={query.topPercent}
              onChange={(e) => setQuery({ ...query, topPercent: Number(e.target.value) })}
            />
          </label>
          <p className="small muted">
            {imports.filter((i) => i.kind === "readers").length} reader file(s) imported.
          </p>
        </section>
        <section className="panel" aria-label="Export">
          <h2>Export</h2>
          <input
            aria-label="Export folder"
            className="an-path"
            value={outDir}
            onChange={(e) => setOutDir(e.target.value)}
          />
          <button
            type="button"
            disabled={!a || a.composition.n === 0}
            onClick={() => void exportReport()}
          >
            Export report
          </button>
          {exported && (
            <p role="status" className="small" data-testid="export-status">
              {exported}
            </p>
          )}
        </section>
      </div>
      <div className="an-main">
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {busy && <p className="muted">Computing…</p>}
        {a && a.composition.n === 0 && (
          <p className="muted" data-testid="an-empty">
            No study of this cohort has a final diagnosis yet: import a ground-truth file, or set
            the final diagnosis in a study's view.
          </p>
        )}
        {a && a.composition.n > 0 && (
          <>
            <p data-testid="an-composition">
              {a.composition.n} studies:{" "}
              {LESION_CLASSES.map((c) => `${c} ${a.composition.byClass[c]}`).join(", ")}; largest
              lesion ≤ 2 cm {a.composition.bySize.small}, &gt; 2 cm {a.composition.bySize.large}
              {a.composition.bySize.unknown > 0
                ? `, not given ${a.composition.bySize.unknown}`
                : ""}
              .
            </p>
            <h2>Table 3</h2>
            <table className="an-table" data-testid="table3">
              <thead>
                <tr>
                  <th />
                  {a.table3.map((c) => (
                    <th key={c.name}>
                      {c.name} <span className="muted small">n={c.n}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {TABLE3_KEYS.map((k) => (
                  <tr key={k}>
                    <th>{TABLE3_LABELS[k]}</th>
                    {a.table3.map((c) => (
                      <td key={c.name}>
                        {c.kind === "reader" && k.startsWith("hcc") ? "–" : <Cell c={c.cells[k]} />}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="small muted">
              95% percentile bootstrap intervals ({a.bootstrap.resamples} resamples, fixed seed).
              Studies without a ROI count as misdiagnoses (paper, Table 3).
            </p>
            <h2>Subgroups by largest lesion</h2>
            <table className="an-table">
              <thead>
                <tr>
                  <th />
                  <th>n</th>
                  <th>CAD LROC AUC</th>
                  <th>Sens. at 80% spec.</th>
                  <th>CAD accuracy</th>
                </tr>
              </thead>
              <tbody>
                {a.subgroups.map((g) => (
                  <tr key={g.name}>
                    <th>{g.name}</th>
                    <td>{g.n}</td>
                    <td>{f3(g.cad.lroc.auc)}</td>
                    <td>{f3(g.cad.lroc.sensitivityAt80Specificity)}</td>
                    <td>{f3(g.cad.accuracy)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="small" data-testid="an-confidence">
              AURC {f3(a.confidence.aurc)}, E-AURC {f3(a.confidence.eAurc)} (
              {a.confidence.scoreName}); ECE before {f3(a.confidence.reliability.before.ece)}
              {a.confidence.reliability.after
                ? `, after ${f3(a.confidence.reliability.after.ece)} (${a.confidence.reliability.after.how})`
                : ""}
              ;{" "}
              {a.confidence.conformal
                ? `conformal coverage ${f3(a.confidence.conformal.coverage)} (nominal ${f3(a.confidence.conformal.nominal)}), mean set size ${f3(a.confidence.conformal.meanSetSize)}`
                : "no conformal sets stored"}
              .
            </p>
            <div className="an-figures">
              {figures.map((f) => (
                <FigureBox key={f.id} fig={f} onExport={(x) => void exportFigure(x)} />
              ))}
            </div>
            <h2>Wrong cases ({a.wrong.length})</h2>
            <table className="an-table" data-testid="wrong-cases">
              <thead>
                <tr>
                  <th>Patient</th>
                  <th>Final</th>
                  <th>CAD</th>
                  <th>Confidence</th>
                  <th>Largest lesion</th>
                </tr>
              </thead>
              <tbody>
                {a.wrong.map((w) => (
                  <tr key={w.studyInstanceUid}>
                    <td>
                      <button
                        type="button"
                        className="link"
                        onClick={() => props.onOpen(w.studyInstanceUid)}
                      >
                        {w.patientId ?? w.studyInstanceUid}
                      </button>
                    </td>
                    <td>{w.truth}</td>
                    <td>{w.prediction ?? `none (${w.status})`}</td>
                    <td>{w.confidence === null ? "n/a" : w.confidence.toFixed(4)}</td>
                    <td>{w.largestLesionMm === null ? "" : `${w.largestLesionMm} mm`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
    </div>
  );
}
