// One viewport: a slice of one series drawn with window/level, zoom and pan, and the ROI boxes
// mapped into it. Mouse as in PACS viewers: wheel = slices, left drag = window/level, right drag
// = zoom, middle or shift+left drag = pan, double click = reset.
import { useEffect, useLayoutEffect, useRef, useState, type PointerEvent } from "react";
import type { SequenceId } from "../../electron/contract/domain";
import { SEQUENCE_LABELS } from "../../electron/contract/domain";
import type { LoadedSeries } from "./series";
import { cachedSlice, fetchSlice, prefetchAround } from "./series";
import { roiVisibility, type PaneRoi } from "../overlays/roi";
import { paneMarkers, zoomAt } from "./orientation";

export interface Windowing {
  center: number;
  width: number;
}
export interface View {
  zoom: number;
  panX: number;
  panY: number;
}
export const RESET_VIEW: View = { zoom: 1, panX: 0, panY: 0 };

/** Screen placement of the image: pixel (i, j) centre is at (ox + (i + 0.5) sx, oy + (j + 0.5) sy). */
export interface Placement {
  ox: number;
  oy: number;
  sx: number;
  sy: number;
}

export function placement(
  series: LoadedSeries,
  width: number,
  height: number,
  view: View,
): Placement {
  const g = series.info.geometry;
  // Physical aspect: pixel spacing may differ along rows and columns (PS3.3 C.7.6.2.1.1).
  const mmW = g.columns * g.columnSpacing;
  const mmH = g.rows * g.rowSpacing;
  const s = Math.min(width / mmW, height / mmH) * view.zoom;
  const sx = g.columnSpacing * s;
  const sy = g.rowSpacing * s;
  return {
    ox: (width - g.columns * sx) / 2 + view.panX,
    oy: (height - g.rows * sy) / 2 + view.panY,
    sx,
    sy,
  };
}

/** R/L/A/P (H/F) at the pane's edges from the image orientation (PS3.3 C.7.6.2.1.1). */
function OrientationMarkers(props: { row: readonly number[]; column: readonly number[] }) {
  const m = paneMarkers(props.row, props.column);
  return (
    <>
      <div className="orient orient-left" data-testid="orient-left">
        {m.left}
      </div>
      <div className="orient orient-right" data-testid="orient-right">
        {m.right}
      </div>
      <div className="orient orient-top" data-testid="orient-top">
        {m.top}
      </div>
      <div className="orient orient-bottom" data-testid="orient-bottom">
        {m.bottom}
      </div>
    </>
  );
}

export function Pane(props: {
  sequence: SequenceId;
  series: LoadedSeries | null;
  seriesDescription: string | null;
  error: string | null;
  slice: number | null;
  windowing: Windowing | null;
  view: View;
  rois: PaneRoi[];
  showRois: boolean;
  active: boolean;
  onActivate(): void;
  onScroll(delta: number): void;
  onWindowing(w: Windowing): void;
  onView(v: View): void;
  onReset(): void;
  onDrawn(slice: number): void;
}) {
  const { series, slice, windowing, view } = props;
  const host = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const offscreen = useRef<HTMLCanvasElement | null>(null);
  const [size, setSize] = useState({ w: 300, h: 300 });
  const [drawn, setDrawn] = useState<number | null>(null);
  const [pixelsVersion, setPixelsVersion] = useState(0);
  const drag = useRef<{
    x: number;
    y: number;
    mode: "wl" | "zoom" | "pan";
    /** Where a zoom drag started, in pane pixels: the point that stays still (issue 13 §4). */
    anchor: { x: number; y: number };
  } | null>(null);
  const uid = series?.info.seriesInstanceUid ?? null;

  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Fetch the slice when it is not cached; draw when it is (the previous slice stays meanwhile).
  useEffect(() => {
    if (uid === null || slice === null || series === null) return;
    let live = true;
    if (cachedSlice(uid, slice) === undefined) {
      fetchSlice(uid, slice).then(
        () => live && setPixelsVersion((v) => v + 1),
        () => undefined,
      );
    }
    prefetchAround(uid, slice, series.info.geometry.slices);
    return () => {
      live = false;
    };
  }, [uid, slice, series]);

  useEffect(() => {
    const c = canvas.current;
    if (!c || !series || slice === null || windowing === null || uid === null) return;
    const pixels = cachedSlice(uid, slice);
    if (!pixels) return;
    const g = series.info.geometry;
    const off = (offscreen.current ??= document.createElement("canvas"));
    off.width = g.columns;
    off.height = g.rows;
    const octx = off.getContext("2d")!;
    const img = octx.createImageData(g.columns, g.rows);
    const lo = windowing.center - windowing.width / 2;
    const scale = 255 / Math.max(windowing.width, 1e-6);
    const out = img.data;
    for (let p = 0, q = 0; p < pixels.length; p++, q += 4) {
      const v = (pixels[p]! - lo) * scale;
      const b = v < 0 ? 0 : v > 255 ? 255 : v;
      out[q] = b;
      out[q + 1] = b;
      out[q + 2] = b;
      out[q + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(size.w * dpr);
    c.height = Math.round(size.h * dpr);
    const ctx = c.getContext("2d")!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, size.w, size.h);
    const pl = placement(series, size.w, size.h, view);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, pl.ox, pl.oy, g.columns * pl.sx, g.rows * pl.sy);
    setDrawn(slice);
    props.onDrawn(slice);
    // props.onDrawn is a fresh closure each render; drawing depends only on the listed inputs.
  }, [series, slice, windowing, view, size, pixelsVersion, uid]);

  function onPointerDown(e: PointerEvent) {
    props.onActivate();
    const mode = e.button === 2 ? "zoom" : e.button === 1 || e.shiftKey ? "pan" : "wl";
    const rect = e.currentTarget.getBoundingClientRect();
    const anchor = { x: e.clientX - rect.left, y: e.clientY - rect.top };
    drag.current = { x: e.clientX, y: e.clientY, mode, anchor };
    (e.target as Element).setPointerCapture(e.pointerId);
  }
  function onPointerMove(e: PointerEvent) {
    const d = drag.current;
    if (!d || !series) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    d.x = e.clientX;
    d.y = e.clientY;
    if (d.mode === "wl" && windowing) {
      // One screen pixel moves the window by 1/256 of the series' 1-99% range, as OHIF does.
      const unit = (series.info.p99 - series.info.p1) / 256;
      props.onWindowing({
        width: Math.max(unit, windowing.width + dx * unit),
        center: windowing.center - dy * unit,
      });
    } else if (d.mode === "zoom") {
      const zoom = Math.min(20, Math.max(0.2, view.zoom * Math.exp(-dy / 150)));
      props.onView(zoomAt(view, zoom, d.anchor.x, d.anchor.y, size));
    } else if (d.mode === "pan") {
      props.onView({ ...view, panX: view.panX + dx, panY: view.panY + dy });
    }
  }

  const g = series?.info.geometry;
  const pl = series ? placement(series, size.w, size.h, view) : null;
  const label = SEQUENCE_LABELS[props.sequence];
  const z =
    series && drawn !== null
      ? series.transform.indexToPatient([g!.columns / 2, g!.rows / 2, drawn])
      : null;
  return (
    <div
      className={`pane${props.active ? " active" : ""}`}
      data-sequence={props.sequence}
      data-series={series?.info.seriesInstanceUid ?? ""}
      data-slice={drawn ?? ""}
      data-z={z ? z[2].toFixed(3) : ""}
      data-view={pl ? JSON.stringify(pl) : ""}
      aria-label={`${label} viewport, slice ${drawn === null ? "none" : drawn + 1} of ${g?.slices ?? 0}`}
      role="img"
      tabIndex={0}
      onFocus={props.onActivate}
    >
      <div
        ref={host}
        className="pane-canvas"
        onWheel={(e) => {
          props.onActivate();
          if (e.ctrlKey) {
            // Zoom about the cursor (issue 13 §4): the image point under it stays under it.
            const zoom = Math.min(20, Math.max(0.2, view.zoom * Math.exp(-e.deltaY / 400)));
            const rect = e.currentTarget.getBoundingClientRect();
            props.onView(zoomAt(view, zoom, e.clientX - rect.left, e.clientY - rect.top, size));
          } else props.onScroll(e.deltaY > 0 ? 1 : -1);
        }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={() => (drag.current = null)}
        onDoubleClick={props.onReset}
        onContextMenu={(e) => e.preventDefault()}
      >
        <canvas ref={canvas} style={{ width: size.w, height: size.h }} />
        {pl && props.showRois && drawn !== null && (
          <svg className="overlay" width={size.w} height={size.h} aria-hidden="true">
            {props.rois.map((r) => {
              const vis = roiVisibility(r, drawn);
              if (vis === "hidden") return null;
              const x = pl.ox + (r.x0 + 0.5) * pl.sx;
              const y = pl.oy + (r.y0 + 0.5) * pl.sy;
              const w = (r.x1 - r.x0) * pl.sx;
              const h = (r.y1 - r.y0) * pl.sy;
              return (
                <g key={r.rank} className={`roi roi-${vis}`} data-rank={r.rank}>
                  <rect x={x} y={y} width={w} height={h} data-box={`${x},${y},${w},${h}`} />
                  <text x={x} y={y - 4}>
                    #{r.rank} {r.score.toFixed(2)}
                  </text>
                </g>
              );
            })}
          </svg>
        )}
      </div>
      <div className="pane-label top-left">
        <b>{label}</b>
        <span className="muted">{props.seriesDescription ?? ""}</span>
      </div>
      {g && <OrientationMarkers row={g.rowDirection} column={g.columnDirection} />}
      <div className="pane-label bottom-left small">
        {g && drawn !== null ? `Im ${drawn + 1}/${g.slices}` : ""}
        {z ? ` · z ${z[2].toFixed(1)} mm` : ""}
      </div>
      <div className="pane-label bottom-right small">
        {windowing ? `W ${windowing.width.toFixed(0)} L ${windowing.center.toFixed(0)}` : ""}
        {view.zoom !== 1 ? ` · ${view.zoom.toFixed(2)}x` : ""}
      </div>
      {props.error && <div className="pane-msg error">{props.error}</div>}
      {!props.error && !series && (
        <div className="pane-msg muted">
          {props.seriesDescription === null ? "Sequence not assigned" : "Loading…"}
        </div>
      )}
    </div>
  );
}
