// Pure helpers of the worklist's triage controls (issue 13 §4): the date presets a nurse picks
// (today, the last 7 days, a range) as the query's inclusive YYYYMMDD bounds, and the time in
// queue as a short text. No DOM: unit-tested in test/renderer/triage.test.ts.
import type { WorklistQuery } from "../../electron/contract/ipc";

export const DATE_PRESETS = ["any", "today", "week", "range"] as const;
export type DatePreset = (typeof DATE_PRESETS)[number];

/** A local calendar day as DICOM DA (YYYYMMDD). */
export function dayOf(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getFullYear(), 4)}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
}

/** "2024-01-31" (an <input type=date> value) -> "20240131"; "" when not a date. */
export function dayFromInput(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value.replace(/-/g, "") : "";
}

/** "20240131" -> "2024-01-31" for an <input type=date>; "" otherwise. */
export function dayToInput(day: string | undefined): string {
  return day && /^\d{8}$/.test(day) ? `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}` : "";
}

/**
 * The query's date bounds for a preset on the local day `today`. "week" is the last 7 days
 * including today (calendar days, so a daylight-saving change does not shift it); "range" keeps
 * the given days, either of which may be empty (open).
 */
export function presetBounds(
  preset: DatePreset,
  today: Date,
  range: { from: string; to: string } = { from: "", to: "" },
): Pick<WorklistQuery, "dateFrom" | "dateTo"> {
  switch (preset) {
    case "any":
      return {};
    case "today":
      return { dateFrom: dayOf(today), dateTo: dayOf(today) };
    case "week": {
      const start = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6);
      return { dateFrom: dayOf(start), dateTo: dayOf(today) };
    }
    case "range":
      return {
        ...(range.from === "" ? {} : { dateFrom: range.from }),
        ...(range.to === "" ? {} : { dateTo: range.to }),
      };
  }
}

/** Minutes in queue as a nurse reads it: "45 min", "3 h 12 min", "2 d 4 h". */
export function formatQueueTime(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  if (h < 24) return `${h} h ${minutes % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Which preset a query's bounds came from (the controls are rebuilt from the query). */
export function presetOf(q: Pick<WorklistQuery, "dateFrom" | "dateTo">, today: Date): DatePreset {
  if (q.dateFrom === undefined && q.dateTo === undefined) return "any";
  for (const p of ["today", "week"] as const) {
    const b = presetBounds(p, today);
    if (b.dateFrom === q.dateFrom && b.dateTo === q.dateTo) return p;
  }
  return "range";
}
