// A virtualized study table: only the rows in view (plus a few) exist in the DOM, and rows are
// fetched from the service in blocks as the list scrolls, so 100,000 studies cost what 40 do.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { WorklistRow, WorklistSortKey } from "../../electron/contract/ipc";
import { LESION_CLASSES } from "../../electron/contract/domain";
import { AssessmentCell } from "../confidence/Assessment";
import { QualityBadge } from "../safety/QualityBanner";
import { formatBirthAgeSex, formatDate, statusLabel } from "../format";
import { formatQueueTime } from "./triage";

/** Issue 13 §4: keys on a focused row that set its review flags (shown in the buttons' titles). */
const FLAG_KEYS: Record<string, "reviewed" | "urgent"> = { r: "reviewed", u: "urgent" };

function QueueTime({ row }: { row: WorklistRow }) {
  if (row.queueMinutes === undefined) return <span className="muted">—</span>;
  const time = formatQueueTime(row.queueMinutes);
  const title = row.reviewedAt
    ? `Arrived ${row.arrivedAt ?? "?"}, reviewed ${row.reviewedAt}: ${time} in queue`
    : `Arrived ${row.arrivedAt ?? "?"}: waiting ${time}, not reviewed yet`;
  return (
    <span title={title} data-testid="queue-time" data-minutes={row.queueMinutes}>
      {time}
      {row.overdue && (
        <span className="badge overdue-badge" data-testid="overdue-badge">
          {" "}
          overdue
        </span>
      )}
    </span>
  );
}

export const ROW_HEIGHT = 28;
const OVERSCAN = 8;

export interface Column {
  key: WorklistSortKey | null;
  label: string;
  width: string;
}

export const COLUMNS: Column[] = [
  { key: "patientName", label: "Patient", width: "minmax(140px, 1.4fr)" },
  { key: "patientId", label: "ID", width: "minmax(90px, 0.8fr)" },
  { key: null, label: "Born (age) sex", width: "150px" },
  { key: null, label: "Accession", width: "minmax(80px, 0.6fr)" },
  { key: "studyDate", label: "Date", width: "96px" },
  { key: null, label: "In queue", width: "140px" },
  { key: null, label: "Description", width: "minmax(90px, 0.8fr)" },
  { key: "prediction", label: "Prediction", width: "100px" },
  { key: null, label: "Probabilities", width: "120px" },
  { key: "confidence", label: "Confidence", width: "92px" },
  { key: null, label: "Call right", width: "minmax(150px, 1fr)" },
  { key: "status", label: "Status", width: "132px" },
  { key: null, label: "Comment", width: "minmax(90px, 0.8fr)" },
  { key: null, label: "Flags", width: "92px" },
];
const GRID = COLUMNS.map((c) => c.width).join(" ");

function ProbabilityBar({ row }: { row: WorklistRow }) {
  if (row.probabilities === null) return <span className="muted">—</span>;
  const p = row.probabilities;
  const title = LESION_CLASSES.map((c) => `${c} ${(p[c] * 100).toFixed(0)}%`).join(", ");
  return (
    <span className="probbar" role="img" aria-label={title} title={title}>
      {LESION_CLASSES.map((c) => (
        <span key={c} className={`seg cls-${c}`} style={{ width: `${p[c] * 100}%` }} />
      ))}
    </span>
  );
}

export function VirtualTable(props: {
  total: number;
  rowAt(index: number): WorklistRow | undefined;
  /** Asks for rows [from, to) to be loaded. */
  need(from: number, to: number): void;
  sort: WorklistSortKey;
  descending: boolean;
  onSort(key: WorklistSortKey): void;
  onOpen(row: WorklistRow): void;
  selected: string | null;
  onSelect(uid: string): void;
  /** Bumped when the query changes, so the list scrolls back to the top. */
  resetKey: string;
  onRowsDrawn?(): void;
  /** Studies whose DICOM arrival window is still open (issue 14), with their arrival state. */
  receiving?: ReadonlyMap<string, { state: string; instances: number }>;
  /** Sets one review flag of a row (issue 13 §4): a click on its button or R / U on the row. */
  onFlag?(row: WorklistRow, flag: "reviewed" | "urgent", value: boolean): void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const { total, need, onRowsDrawn } = props;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
  }, [props.resetKey]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  useEffect(() => need(first, last), [first, last, need, props.resetKey]);
  useEffect(() => onRowsDrawn?.());

  const onScroll = useCallback(() => setScrollTop(scroller.current?.scrollTop ?? 0), []);

  // Issue 13 §4: on load the first row takes the keyboard focus (visibly), unless the user is
  // already somewhere else (typing a search, another control): arrows, Enter, R and U work at once.
  const autoFocused = useRef(false);
  const firstRow = props.rowAt(0);
  useEffect(() => {
    if (autoFocused.current || !firstRow) return;
    const active = document.activeElement;
    if (active !== null && active !== document.body) return;
    autoFocused.current = true;
    scroller.current
      ?.querySelector<HTMLElement>(`[data-uid="${firstRow.studyInstanceUid}"]`)
      ?.focus({ preventScroll: true });
  }, [firstRow]);

  /** Keyboard: arrows move the selection (and focus) row by row, scrolling it into view. */
  function moveSelection(index: number) {
    if (index < 0 || index >= total) return;
    const el = scroller.current;
    if (el) {
      const top = index * ROW_HEIGHT;
      const header = ROW_HEIGHT;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + ROW_HEIGHT + header > el.scrollTop + el.clientHeight) {
        el.scrollTop = top + ROW_HEIGHT + header - el.clientHeight;
      }
    }
    const next = props.rowAt(index);
    if (!next) return;
    props.onSelect(next.studyInstanceUid);
    // Enter opens the focused row: focus the new one now where it is drawn, so an Enter right
    // after the arrow opens it (with the focus moved a frame later, a quick Enter opened the row
    // before it: a flaky e2e step, and a wrong study for a fast typist); else once drawn.
    const focusNext = () =>
      scroller.current
        ?.querySelector<HTMLElement>(`[data-uid="${next.studyInstanceUid}"]`)
        ?.focus();
    if (scroller.current?.querySelector(`[data-uid="${next.studyInstanceUid}"]`)) focusNext();
    else requestAnimationFrame(focusNext);
  }
  const rows = [];
  for (let i = first; i < last; i++) {
    const row = props.rowAt(i);
    const top = i * ROW_HEIGHT;
    if (!row) {
      // Its page of rows is still being fetched: an ellipsis until it arrives.
      rows.push(
        <div key={`p${i}`} className="vrow pending" style={{ top, gridTemplateColumns: GRID }}>
          <span className="muted">…</span>
        </div>,
      );
      continue;
    }
    const selected = row.studyInstanceUid === props.selected;
    rows.push(
      <div
        key={row.studyInstanceUid}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={selected}
        tabIndex={selected || (props.selected === null && i === 0) ? 0 : -1}
        data-uid={row.studyInstanceUid}
        className={`vrow${selected ? " selected" : ""}${row.urgent ? " urgent" : ""}`}
        style={{ top, gridTemplateColumns: GRID }}
        onClick={() => props.onSelect(row.studyInstanceUid)}
        onDoubleClick={() => props.onOpen(row)}
        onKeyDown={(e) => {
          const flag = FLAG_KEYS[e.key.toLowerCase()];
          if (e.key === "Enter") props.onOpen(row);
          else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            moveSelection(i + (e.key === "ArrowDown" ? 1 : -1));
          } else if (flag && props.onFlag && !e.ctrlKey && !e.metaKey && !e.altKey) {
            e.preventDefault();
            props.onFlag(row, flag, !row[flag]);
          }
        }}
      >
        <span role="gridcell" className="name" title={row.identity.displayName}>
          {row.identity.displayName}
        </span>
        <span role="gridcell">{row.patientId}</span>
        <span role="gridcell" data-testid="birth-age-sex">
          {formatBirthAgeSex(row.identity)}
        </span>
        <span role="gridcell">{row.identity.accession}</span>
        <span role="gridcell">{formatDate(row.studyDate)}</span>
        <span role="gridcell" className={row.overdue ? "overdue" : undefined}>
          <QueueTime row={row} />
        </span>
        <span role="gridcell" title={row.description}>
          {row.description}
        </span>
        <span role="gridcell" className={row.prediction ? `pred cls-${row.prediction}` : "muted"}>
          {row.prediction ?? "—"}
        </span>
        <span role="gridcell">
          <ProbabilityBar row={row} />
        </span>
        <span role="gridcell" className="num" data-confidence={row.confidence ?? ""}>
          {row.confidence === null ? "—" : row.confidence.toFixed(4)}
        </span>
        <span role="gridcell">
          <AssessmentCell a={row.assessment} />
        </span>
        <span role="gridcell">
          <span className={`status st-${row.status}`}>{statusLabel(row.status)}</span>
          {props.receiving?.has(row.studyInstanceUid) && (
            <span
              className="badge small receiving"
              data-testid="receiving"
              title={`DICOM arrival ${props.receiving.get(row.studyInstanceUid)!.state}: ${props.receiving.get(row.studyInstanceUid)!.instances} instances so far`}
            >
              {" "}
              receiving…
            </span>
          )}
        </span>
        <span role="gridcell" className="comment" title={row.comment ?? ""} data-testid="comment">
          {row.comment ?? ""}
        </span>
        <span role="gridcell" className="flags">
          {props.onFlag ? (
            <>
              <FlagButton row={row} flag="reviewed" onFlag={props.onFlag} />
              <FlagButton row={row} flag="urgent" onFlag={props.onFlag} />
            </>
          ) : (
            <>
              {row.reviewed && (
                <span className="flag ok" title="Reviewed" aria-label="Reviewed">
                  ✓
                </span>
              )}
              {row.urgent && (
                <span className="flag urgent" title="Urgent" aria-label="Urgent">
                  !
                </span>
              )}
            </>
          )}
          <QualityBadge flag={row.quality} />
        </span>
      </div>,
    );
  }

  return (
    <div className="vtable" role="grid" aria-rowcount={total + 1} aria-label="Studies">
      <div className="vbody" ref={scroller} onScroll={onScroll} data-testid="worklist-scroller">
        {/* Inside the scroller (sticky), so header and rows share one width and one grid. */}
        <div className="vhead" role="row" aria-rowindex={1} style={{ gridTemplateColumns: GRID }}>
          {COLUMNS.map((c) => (
            <span key={c.label} role="columnheader" aria-sort={ariaSort(c.key, props)}>
              {c.key === null ? (
                c.label
              ) : (
                <button type="button" className="sort" onClick={() => props.onSort(c.key!)}>
                  {c.label}
                  {props.sort === c.key ? (props.descending ? " ▼" : " ▲") : ""}
                </button>
              )}
            </span>
          ))}
        </div>
        <div style={{ height: total * ROW_HEIGHT, position: "relative" }}>{rows}</div>
        {total === 0 && <p className="empty muted">No studies in this list.</p>}
      </div>
    </div>
  );
}

/** A review flag as a toggle in the row: the mouse path of R / U. */
function FlagButton(props: {
  row: WorklistRow;
  flag: "reviewed" | "urgent";
  onFlag(row: WorklistRow, flag: "reviewed" | "urgent", value: boolean): void;
}) {
  const on = props.row[props.flag];
  const reviewed = props.flag === "reviewed";
  return (
    <button
      type="button"
      tabIndex={-1}
      className={`flag-btn ${reviewed ? "ok" : "urgent"}${on ? " on" : ""}`}
      aria-pressed={on}
      aria-label={reviewed ? "Mark reviewed" : "Mark urgent"}
      title={
        reviewed
          ? `${on ? "Reviewed: click (or R) to clear" : "Not reviewed: click (or R) to mark reviewed"}`
          : `${on ? "Urgent: click (or U) to clear" : "Not urgent: click (or U) to mark urgent"}`
      }
      data-testid={`flag-${props.flag}`}
      onClick={(e) => {
        e.stopPropagation();
        props.onFlag(props.row, props.flag, !on);
      }}
      onDoubleClick={(e) => e.stopPropagation()}
    >
      {reviewed ? "✓" : "!"}
    </button>
  );
}

function ariaSort(
  key: WorklistSortKey | null,
  p: { sort: WorklistSortKey; descending: boolean },
): "ascending" | "descending" | "none" | undefined {
  if (key === null) return undefined;
  if (p.sort !== key) return "none";
  return p.descending ? "descending" : "ascending";
}
