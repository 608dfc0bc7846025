// Triage that fits a nurse's day (issue 13 §4): the worklist's date, reviewed and overdue filters,
// time in queue and the "urgent first" grouping, as pure functions of one index row, the query
// and a clock. The worklist index (worklist.ts) applies them; they are unit-tested without a
// registry (test/services/workstation/triage.test.ts).
//
// Why an overdue limit: AI triage pushes the studies it is unsure of (and its false negatives)
// to the bottom of a confidence-ranked list; a time cap makes every study surface after the
// site's limit, whatever its rank.
import type { WorklistQuery } from "../../contract/ipc";
import { OVERDUE_HOURS } from "../../contract/site";
import type { WorklistIndexRow } from "../../registry";

export interface TriageClock {
  /** Milliseconds since the epoch at which the page is computed. */
  now: number;
  /** The site's overdue limit (site setting overdueHours). */
  limitHours: number;
}

export function triageClock(
  limitHours: number = OVERDUE_HOURS.default,
  now = Date.now(),
): TriageClock {
  return { now, limitHours };
}

/** The workstation's local day (YYYYMMDD) of an ISO 8601 instant; "" when it is not one. */
export function localDay(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "";
  const d = new Date(t);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getFullYear(), 4)}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
}

/** Whole minutes from arrival until reviewed, or until `now` while unreviewed; null if unknown. */
export function queueMinutes(
  arrivedAt: string | undefined,
  reviewedAt: string | null | undefined,
  now: number,
): number | null {
  const from = arrivedAt === undefined ? NaN : Date.parse(arrivedAt);
  if (!Number.isFinite(from)) return null;
  const until = reviewedAt ? Date.parse(reviewedAt) : now;
  return Math.max(0, Math.floor(((Number.isFinite(until) ? until : now) - from) / 60_000));
}

/** Milliseconds since the epoch of an arrival time; NaN when unknown. */
export function arrivalMs(arrivedAt: string | undefined): number {
  return arrivedAt === undefined ? NaN : Date.parse(arrivedAt);
}

/** Unreviewed and waiting longer than the site's limit since it arrived (at `arrived` ms). */
export function overdueAt(arrived: number, reviewed: boolean, clock: TriageClock): boolean {
  return !reviewed && clock.now - arrived > clock.limitHours * 3_600_000;
}

export function isOverdue(row: WorklistIndexRow, clock: TriageClock): boolean {
  return overdueAt(arrivalMs(row.arrivedAt), row.reviewed, clock);
}

/** True when the query narrows the list beyond queue/search/status. */
export function hasTriageFilter(q: WorklistQuery): boolean {
  return (
    q.dateFrom !== undefined ||
    q.dateTo !== undefined ||
    q.unreviewedOnly === true ||
    q.overdueOnly === true
  );
}

/** True when the query narrows or regroups the list beyond queue/search/status/sort. */
export function hasTriage(q: WorklistQuery): boolean {
  return hasTriageFilter(q) || q.urgentFirst === true;
}

/**
 * Whether a row (overdue or not under the page's clock) passes the query's triage filters.
 * `arrivalDay` gives the row's local arrival day
 * (computed lazily by the index: formatting 100k dates costs ~0.1 s).
 */
export function passesTriage(
  row: WorklistIndexRow,
  q: WorklistQuery,
  overdue: boolean,
  arrivalDay: () => string,
): boolean {
  if (q.unreviewedOnly && row.reviewed) return false;
  if (q.overdueOnly && !overdue) return false;
  if (q.dateFrom !== undefined || q.dateTo !== undefined) {
    // A study without the date asked for (no StudyDate, type 2 in PS3.3 C.7.2.1) never matches
    // a date filter: it stays in the unfiltered list.
    const day = (q.dateField ?? "study") === "study" ? row.studyDate : arrivalDay();
    if (!/^\d{8}$/.test(day)) return false;
    if (q.dateFrom !== undefined && day < q.dateFrom) return false;
    if (q.dateTo !== undefined && day > q.dateTo) return false;
  }
  return true;
}

/** "Urgent first": urgent studies (group 0), then overdue ones (1), then the rest (2). */
export function triageGroup(row: WorklistIndexRow, overdue: boolean): 0 | 1 | 2 {
  if (row.urgent) return 0;
  return overdue ? 1 : 2;
}
