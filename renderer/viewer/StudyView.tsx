// The study view (issue 6 §3): five labelled panes kept at one patient position. The shared state
// is a point in patient coordinates, not a slice number: each pane shows its slice nearest to that
// point, so series with different slice thickness and start position stay on the same anatomy.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { SEQUENCES, type SequenceId, type Vec3 } from "../../electron/contract/domain";
import type { StudyDetail } from "../../electron/contract/ipc";
import { call } from "../api";
import { PatientBanner } from "../identity/PatientBanner";
import { QualityBanner } from "../safety/QualityBanner";
import { ReanalyzeBar } from "../safety/ReanalyzeBar";
import { DeleteStudy } from "../safety/DeleteStudy";
import { perf, recordAfterPaint } from "../perf";
import { roiInPane, type PaneRoi } from "../overlays/roi";
import { Pane, RESET_VIEW, type View, type Windowing } from "./Pane";
import { loadSeries, useSeries, type LoadedSeries } from "./series";
import { SidePanel } from "./SidePanel";
import { ViewerHelp } from "./ViewerHelp";
import { ExportDialog } from "../export/ExportDialog";

const PRESETS: { name: string; apply(p1: number, p99: number): Windowing }[] = [
  { name: "Auto (1–99%)", apply: (p1, p99) => ({ center: (p1 + p99) / 2, width: p99 - p1 }) },
  { name: "Soft", apply: (p1, p99) => ({ center: (p1 + p99) / 2, width: (p99 - p1) * 1.6 }) },
  {
    name: "High contrast",
    apply: (p1, p99) => ({ center: (p1 + p99) / 2, width: (p99 - p1) * 0.5 }),
  },
  {
    name: "Bright lesions",
    apply: (p1, p99) => ({ center: p1 + (p99 - p1) * 0.7, width: (p99 - p1) * 0.6 }),
  },
];

/** The pane's slice nearest to a patient point, clamped to the stack. */
export function sliceAt(series: LoadedSeries, point: Vec3): number {
  const k = Math.round(series.transform.patientToIndex(point)[2]);
  return Math.min(series.info.geometry.slices - 1, Math.max(0, k));
}

function centreOf(series: LoadedSeries, k: number): Vec3 {
  const g = series.info.geometry;
  return series.transform.indexToPatient([(g.columns - 1) / 2, (g.rows - 1) / 2, k]);
}

export function StudyView(props: {
  uid: string;
  openedAt: number;
  onClose(): void;
  onNeighbour(direction: "next" | "previous"): void;
  onPanesDrawn?(): void;
}) {
  const [detail, setDetail] = useState<StudyDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [point, setPoint] = useState<Vec3 | null>(null);
  const [active, setActive] = useState<SequenceId>("T1_venous");
  const [windowing, setWindowing] = useState<Partial<Record<SequenceId, Windowing>>>({});
  const [views, setViews] = useState<Partial<Record<SequenceId, View>>>({});
  const [showRois, setShowRois] = useState(true);
  const [exporting, setExporting] = useState(false);
  const [roiSources, setRoiSources] = useState<Map<string, LoadedSeries>>(new Map());
  const drawnPanes = useRef(new Set<SequenceId>());
  const openRecorded = useRef(false);

  const refresh = useCallback(
    () =>
      call("study:detail", { studyInstanceUid: props.uid }).then(setDetail, (e: unknown) =>
        setError(e instanceof Error ? e.message : String(e)),
      ),
    [props.uid],
  );
  useEffect(() => {
    setDetail(null);
    setPoint(null);
    setWindowing({});
    setViews({});
    drawnPanes.current = new Set();
    openRecorded.current = false;
    void refresh();
  }, [refresh]);

  const uidOf = (q: SequenceId) =>
    detail?.assignments.find((a) => a.sequence === q)?.seriesInstanceUid ?? null;
  const loaded = {
    T1_pre: useSeries(uidOf("T1_pre")),
    T2: useSeries(uidOf("T2")),
    T1_arterial: useSeries(uidOf("T1_arterial")),
    T1_venous: useSeries(uidOf("T1_venous")),
    DWI: useSeries(uidOf("DWI")),
  } satisfies Record<SequenceId, unknown>;

  const rois = detail?.analysis?.rois ?? [];
  useEffect(() => {
    let live = true;
    const uids = [...new Set(rois.map((r) => r.seriesInstanceUid))];
    Promise.all(uids.map((u) => loadSeries(u).then((s) => [u, s] as const))).then(
      (pairs) => live && setRoiSources(new Map(pairs)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [detail]);

  // Start at the key slice of the most confident ROI, else mid-stack of the first loaded pane.
  useEffect(() => {
    if (point !== null || detail === null) return;
    const top = rois[0];
    if (top) return setPoint(top.centerMm);
    const first = SEQUENCES.map((q) => loaded[q].series).find((s) => s !== null);
    if (first) setPoint(centreOf(first, Math.floor(first.info.geometry.slices / 2)));
  });

  const paneRois = useMemo(() => {
    const out = {} as Record<SequenceId, PaneRoi[]>;
    for (const q of SEQUENCES) {
      const pane = loaded[q].series;
      out[q] = [];
      if (!pane) continue;
      for (const r of rois) {
        const src = roiSources.get(r.seriesInstanceUid);
        if (src) out[q].push(roiInPane(r, src.transform, pane.transform));
      }
    }
    return out;
  }, [rois, roiSources, ...SEQUENCES.map((q) => loaded[q].series)]);

  const scroll = useCallback(
    (q: SequenceId, delta: number) => {
      const s = loaded[q].series;
      if (!s || point === null) return;
      const k = Math.min(s.info.geometry.slices - 1, Math.max(0, sliceAt(s, point) + delta));
      setPoint(centreOf(s, k));
    },
    [point, ...SEQUENCES.map((q) => loaded[q].series)],
  );

  function windowOf(q: SequenceId): Windowing | null {
    const s = loaded[q].series;
    if (windowing[q]) return windowing[q]!;
    return s ? PRESETS[0]!.apply(s.info.p1, s.info.p99) : null;
  }
  function applyPreset(i: number) {
    const next: Partial<Record<SequenceId, Windowing>> = {};
    for (const q of SEQUENCES) {
      const s = loaded[q].series;
      if (s) next[q] = PRESETS[i]!.apply(s.info.p1, s.info.p99);
    }
    setWindowing(next);
  }
  function reset() {
    setWindowing({});
    setViews({});
  }

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.target instanceof Element && e.target.closest("input, textarea, select, [role=dialog]"))
        return;
      if (e.key === "ArrowDown" || e.key === "ArrowRight") scroll(active, 1);
      else if (e.key === "ArrowUp" || e.key === "ArrowLeft") scroll(active, -1);
      else if (e.key === "PageDown" || e.key === "n") props.onNeighbour("next");
      else if (e.key === "PageUp" || e.key === "p") props.onNeighbour("previous");
      else if (e.key === "Escape") props.onClose();
      else if (e.key === "r") reset();
      else if (e.key === "o") setShowRois((v) => !v);
      else return;
      e.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  function onDrawn(q: SequenceId) {
    drawnPanes.current.add(q);
    const expected = SEQUENCES.filter((s) => uidOf(s) !== null).length;
    if (!openRecorded.current && expected > 0 && drawnPanes.current.size >= expected) {
      openRecorded.current = true;
      recordAfterPaint(perf.studyOpenToPanes, props.openedAt);
      props.onPanesDrawn?.();
    }
  }

  if (error)
    return (
      <div role="alert" className="error">
        {error}
      </div>
    );
  return (
    <section className="study" aria-label="Study view">
      <div className="toolbar viewer-toolbar">
        <button type="button" onClick={props.onClose} aria-label="Back to worklist (Escape)">
          ← Worklist
        </button>
        <button
          type="button"
          onClick={() => props.onNeighbour("previous")}
          aria-label="Previous study (Page Up)"
        >
          ‹ Prev
        </button>
        <button
          type="button"
          onClick={() => props.onNeighbour("next")}
          aria-label="Next study (Page Down)"
        >
          Next ›
        </button>
        <span className="study-title">
          {detail ? <PatientBanner detail={detail} /> : "Loading…"}
        </span>
        <label className="inline">
          Window
          <select
            aria-label="Window preset"
            defaultValue=""
            onChange={(e) => e.target.value !== "" && applyPreset(Number(e.target.value))}
          >
            <option value="" disabled>
              Preset…
            </option>
            {PRESETS.map((p, i) => (
              <option key={p.name} value={i}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={reset} aria-label="Reset window, zoom and pan (R)">
          Reset
        </button>
        <button type="button" aria-pressed={showRois} onClick={() => setShowRois((v) => !v)}>
          ROIs {showRois ? "on" : "off"}
        </button>
        {rois.map((r) => (
          <button
            key={r.rank}
            type="button"
            className="keyslice"
            data-testid={`jump-roi-${r.rank}`}
            onClick={() => setPoint(r.centerMm)}
          >
            Key #{r.rank}
          </button>
        ))}
        <button type="button" data-testid="study-export" onClick={() => setExporting(true)}>
          Export…
        </button>
        {detail && <DeleteStudy detail={detail} onDeleted={() => props.onClose()} />}
      </div>
      {exporting && (
        <ExportDialog
          scope={{
            kind: "study",
            studyInstanceUid: props.uid,
            label: detail ? `${detail.patientName} · ${detail.studyDate}` : props.uid,
          }}
          onClose={() => setExporting(false)}
        />
      )}
      <QualityBanner flag={detail?.quality ?? null} />
      {detail && <ReanalyzeBar detail={detail} />}
      <div className="study-body">
        <div className="grid5">
          {SEQUENCES.map((q) => {
            const s = loaded[q].series;
            const a = detail?.assignments.find((x) => x.sequence === q);
            return (
              <Pane
                key={q}
                sequence={q}
                series={s}
                seriesDescription={a?.seriesDescription ?? null}
                error={loaded[q].error}
                slice={s && point ? sliceAt(s, point) : null}
                windowing={windowOf(q)}
                view={views[q] ?? RESET_VIEW}
                rois={paneRois[q]}
                showRois={showRois}
                active={active === q}
                onActivate={() => setActive(q)}
                onScroll={(d) => scroll(q, d)}
                onWindowing={(w) => setWindowing((m) => ({ ...m, [q]: w }))}
                onView={(v) => setViews((m) => ({ ...m, [q]: v }))}
                onReset={() => {
                  setWindowing((m) => ({ ...m, [q]: undefined }));
                  setViews((m) => ({ ...m, [q]: RESET_VIEW }));
                }}
                onDrawn={() => onDrawn(q)}
              />
            );
          })}
          <ViewerHelp />
        </div>
        {detail && (
          <SidePanel
            detail={detail}
            onChanged={() => void refresh()}
            onJump={(r) => setPoint(r.centerMm)}
          />
        )}
      </div>
    </section>
  );
}
