// The home screen (issue 6 §2): the confidence slider decides which cases the CAD is sure enough
// about to list first; the rest wait in the "needs radiologist review" queue, one click away.
import { useEffect, useRef, useState } from "react";
import { LESION_CLASSES, STUDY_STATUSES } from "../../electron/contract/domain";
import type { ClassSummary, WorklistQueue, WorklistRow } from "../../electron/contract/ipc";
import { call } from "../api";
import { statusLabel } from "../format";
import { perf, recordAfterPaint } from "../perf";
import { ImportPanel } from "../import/ImportPanel";
import { ExportDialog } from "../export/ExportDialog";
import { useReceiving } from "../network/useReceiving";
import { VirtualTable } from "./VirtualTable";
import { TriageBar } from "./TriageBar";
import { useWorklist, type QueryState } from "./useWorklist";

/** A slider value resting this long (keyboard, typed) is saved: one entry per adjustment. */
const SAVE_AFTER_MS = 800;

const STATUSES = ["", ...STUDY_STATUSES] as const;

function Summary({ title, s }: { title: string; s: ClassSummary | undefined }) {
  return (
    <div className="summary" aria-label={`${title} per class`}>
      <span className="summary-title">{title}</span>
      {LESION_CLASSES.map((c) => (
        <span key={c} className="chip" data-class={c}>
          <span className={`dot cls-${c}`} aria-hidden="true" />
          {c} <b>{s?.byClass[c] ?? 0}</b>
        </span>
      ))}
      {s !== undefined && s.noLesion > 0 && (
        <span className="chip">
          no lesion <b>{s.noLesion}</b>
        </span>
      )}
    </div>
  );
}

export function Worklist(props: {
  query: QueryState;
  setQuery(q: QueryState): void;
  selected: string | null;
  setSelected(uid: string): void;
  onOpen(uid: string): void;
}) {
  const { query, setQuery } = props;
  const { page, pageKey, queryKey, error, need, rowAt } = useWorklist(query);
  const [slider, setSlider] = useState(query.topPercent);
  const [exporting, setExporting] = useState(false);
  const [flagError, setFlagError] = useState<string | null>(null);
  const receiving = useReceiving();
  const sliderStart = useRef<number | null>(null);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** The slider's value not yet saved, and whether the pointer is still dragging it. */
  const unsaved = useRef<number | null>(null);
  const dragging = useRef(false);

  useEffect(() => setSlider(query.topPercent), [query.topPercent]);

  /**
   * Issue 13 §4: every saved change is one audit entry (worklist.threshold), so a drag is saved
   * once, when the pointer lets go; keys and typed values once they rest for SAVE_AFTER_MS.
   */
  function saveSlider() {
    clearTimeout(saveTimer.current);
    const value = unsaved.current;
    unsaved.current = null;
    if (value !== null) void call("settings:set", { topPercent: value }).catch(() => undefined);
  }
  useEffect(() => saveSlider, []);

  function onSlider(value: number) {
    sliderStart.current = performance.now();
    setSlider(value);
    setQuery({ ...query, topPercent: value });
    unsaved.current = value;
    clearTimeout(saveTimer.current);
    if (!dragging.current) saveTimer.current = setTimeout(saveSlider, SAVE_AFTER_MS);
  }

  /** Issue 11 §3: a fixed calibrated threshold instead of the percentage (null: percentage). */
  function onThreshold(value: number | null) {
    setQuery({ ...query, minProbCorrect: value });
    void call("settings:set", { topPercent: query.topPercent, minProbCorrect: value });
  }
  const threshold = query.minProbCorrect ?? null;

  function onRowsDrawn() {
    if (sliderStart.current === null || page === null || pageKey !== queryKey) return;
    recordAfterPaint(perf.sliderToRows, sliderStart.current);
    sliderStart.current = null;
  }

  const queues: {
    id: WorklistQueue;
    label: string;
    count: number | undefined;
    overdue?: number | undefined;
  }[] = [
    {
      id: "confident",
      label:
        threshold === null
          ? `${slider}% most confident`
          : `P(right) ≥ ${Math.round(threshold * 100)}%`,
      count: page?.counts.confident,
    },
    {
      id: "review",
      label: "Needs radiologist review",
      count: page?.counts.review,
      overdue: page?.overdue?.belowCut,
    },
    { id: "all", label: "All studies", count: page?.counts.all },
  ];

  return (
    <section className="worklist" aria-label="Worklist">
      <div className="toolbar">
        <div className="slider-box">
          <label htmlFor="confidence-slider">
            Show the <b data-testid="slider-value">{slider}%</b> most confident
          </label>
          <input
            id="confidence-slider"
            type="range"
            min={0}
            max={100}
            step={1}
            value={slider}
            aria-valuetext={`${slider} percent most confident`}
            onChange={(e) => onSlider(Number(e.target.value))}
            onPointerDown={() => (dragging.current = true)}
            onPointerUp={() => {
              dragging.current = false;
              saveSlider();
            }}
            onBlur={() => {
              dragging.current = false;
              saveSlider();
            }}
          />
          <span className="muted small" data-testid="confidence-cut">
            {page !== null && page.cutProbCorrect !== null && page.cutProbCorrect !== undefined
              ? `cut at ${Math.round(page.cutProbCorrect * 100)}% likely right`
              : page !== null && page.confidenceCut !== null
                ? `cut at ${page.confidenceCut.toFixed(4)}`
                : "no cut"}
          </span>
          <label
            className="small threshold"
            title="Keep every study whose calibrated chance of being right is at least this, instead of a share of the list: the queue then does not change when other studies are imported."
          >
            <input
              type="checkbox"
              checked={threshold !== null}
              data-testid="threshold-mode"
              onChange={(e) => onThreshold(e.target.checked ? 0.9 : null)}
            />{" "}
            fixed threshold
          </label>
          {threshold !== null && (
            <input
              type="number"
              min={50}
              max={99}
              step={1}
              aria-label="Minimum calibrated chance of being right, percent"
              data-testid="threshold-value"
              value={Math.round(threshold * 100)}
              onChange={(e) => {
                const v = Number(e.target.value);
                if (v >= 0 && v <= 100) onThreshold(v / 100);
              }}
            />
          )}
        </div>
        <div className="queues" role="tablist" aria-label="Queues">
          {queues.map((q) => (
            <button
              key={q.id}
              type="button"
              role="tab"
              aria-selected={query.queue === q.id}
              className={`tab${query.queue === q.id ? " active" : ""}`}
              data-testid={`queue-${q.id}`}
              onClick={() => setQuery({ ...query, queue: q.id })}
            >
              {q.label} <span className="count">{q.count ?? "…"}</span>
              {q.overdue !== undefined && q.overdue > 0 && (
                <span
                  className="badge overdue-badge"
                  data-testid="review-overdue"
                  title="Studies in this queue unreviewed past the site's overdue limit"
                >
                  {q.overdue} overdue
                </span>
              )}
            </button>
          ))}
        </div>
        <input
          type="search"
          className="search"
          placeholder="Search name, ID, description"
          aria-label="Search studies"
          value={query.search}
          onChange={(e) => setQuery({ ...query, search: e.target.value })}
        />
        <select
          aria-label="Filter by status"
          value={query.status}
          onChange={(e) =>
            setQuery({ ...query, status: e.target.value as (typeof STATUSES)[number] })
          }
        >
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s === "" ? "Any status" : statusLabel(s)}
            </option>
          ))}
        </select>
        <button type="button" data-testid="worklist-export" onClick={() => setExporting(true)}>
          Export…
        </button>
      </div>
      <TriageBar query={query} setQuery={setQuery} overdue={page?.overdue} />
      {exporting && (
        <ExportDialog scope={{ kind: "worklist", query }} onClose={() => setExporting(false)} />
      )}
      <div className="summaries">
        <Summary title="Confident" s={page?.summary.confident} />
        <Summary title="Review" s={page?.summary.review} />
        <span className="muted small">
          {page ? `${page.counts.unanalyzed} not analyzed · ${page.counts.all} studies` : ""}
        </span>
      </div>
      {error && (
        <div role="alert" className="error">
          {error}
        </div>
      )}
      {flagError && (
        <div role="alert" className="error" data-testid="flag-error">
          The flag was not saved: {flagError}
        </div>
      )}
      <VirtualTable
        total={page?.total ?? 0}
        rowAt={rowAt}
        need={need}
        sort={query.sort}
        descending={query.descending}
        onSort={(key) =>
          setQuery({
            ...query,
            sort: key,
            descending: query.sort === key ? !query.descending : key === "confidence",
          })
        }
        onOpen={(row: WorklistRow) => props.onOpen(row.studyInstanceUid)}
        selected={props.selected}
        onSelect={props.setSelected}
        resetKey={JSON.stringify(query)}
        onRowsDrawn={onRowsDrawn}
        receiving={receiving}
        onFlag={(row, flag, value) => {
          call("review:flag", { studyInstanceUid: row.studyInstanceUid, flag, value }).then(
            () => setFlagError(null),
            (e: unknown) => setFlagError(e instanceof Error ? e.message : String(e)),
          );
        }}
      />
      <ImportPanel />
    </section>
  );
}
