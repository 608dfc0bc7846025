// The worklist's triage controls (issue 13 §4): a date filter on the study date or the arrival
// date (today, last 7 days, a range), "urgent first", "unreviewed only" and the overdue filter,
// whose button always shows how many studies wait past the site's limit and how many of them
// are outside the confident list, so none waits unseen below the cut.
import { useState } from "react";
import type { OverdueSummary, WorklistDateField } from "../../electron/contract/ipc";
import type { QueryState } from "./useWorklist";
import { dayFromInput, dayToInput, presetBounds, presetOf, type DatePreset } from "./triage";

const PRESET_LABELS: Record<DatePreset, string> = {
  any: "Any date",
  today: "Today",
  week: "Last 7 days",
  range: "Range…",
};

export function TriageBar(props: {
  query: QueryState;
  setQuery(q: QueryState): void;
  overdue: OverdueSummary | undefined;
}) {
  const { query, setQuery } = props;
  const [preset, setPreset] = useState<DatePreset>(() => presetOf(query, new Date()));
  const field: WorklistDateField = query.dateField ?? "study";

  function withDates(next: DatePreset, range?: { from: string; to: string }): QueryState {
    const rest = { ...query };
    delete rest.dateFrom;
    delete rest.dateTo;
    const current = { from: query.dateFrom ?? "", to: query.dateTo ?? "" };
    return { ...rest, ...presetBounds(next, new Date(), range ?? current) };
  }

  const o = props.overdue;
  return (
    <div className="triage" role="group" aria-label="Triage filters">
      <label className="small">
        Date filter on{" "}
        <select
          aria-label="Which date the filter reads"
          data-testid="date-field"
          value={field}
          onChange={(e) => setQuery({ ...query, dateField: e.target.value as WorklistDateField })}
        >
          <option value="study">study date (scanner)</option>
          <option value="arrival">arrival date (here)</option>
        </select>
      </label>
      <select
        aria-label="Date filter"
        data-testid="date-preset"
        value={preset}
        onChange={(e) => {
          const next = e.target.value as DatePreset;
          setPreset(next);
          setQuery(withDates(next));
        }}
      >
        {(Object.keys(PRESET_LABELS) as DatePreset[]).map((p) => (
          <option key={p} value={p}>
            {PRESET_LABELS[p]}
          </option>
        ))}
      </select>
      {preset === "range" && (
        <>
          <input
            type="date"
            aria-label="From date"
            data-testid="date-from"
            value={dayToInput(query.dateFrom)}
            max={dayToInput(query.dateTo) || undefined}
            onChange={(e) =>
              setQuery(
                withDates("range", { from: dayFromInput(e.target.value), to: query.dateTo ?? "" }),
              )
            }
          />
          <input
            type="date"
            aria-label="To date"
            data-testid="date-to"
            value={dayToInput(query.dateTo)}
            min={dayToInput(query.dateFrom) || undefined}
            onChange={(e) =>
              setQuery(
                withDates("range", {
                  from: query.dateFrom ?? "",
                  to: dayFromInput(e.target.value),
                }),
              )
            }
          />
        </>
      )}
      <label className="small">
        <input
          type="checkbox"
          data-testid="urgent-first"
          checked={query.urgentFirst === true}
          onChange={(e) => setQuery({ ...query, urgentFirst: e.target.checked })}
        />{" "}
        urgent first
      </label>
      <label className="small">
        <input
          type="checkbox"
          data-testid="unreviewed-only"
          checked={query.unreviewedOnly === true}
          onChange={(e) => setQuery({ ...query, unreviewedOnly: e.target.checked })}
        />{" "}
        unreviewed only
      </label>
      <button
        type="button"
        data-testid="overdue-filter"
        aria-pressed={query.overdueOnly === true}
        className={`overdue-toggle${o !== undefined && o.total > 0 ? " has-overdue" : ""}${
          query.overdueOnly ? " active" : ""
        }`}
        title={
          o === undefined
            ? "Studies unreviewed past the site's limit"
            : `Unreviewed for more than ${o.limitHours} h (site setting): ${o.total}, of which ${o.belowCut} outside the confident list`
        }
        onClick={() => setQuery({ ...query, overdueOnly: !query.overdueOnly })}
      >
        Overdue <b data-testid="overdue-count">{o?.total ?? "…"}</b>
        {o !== undefined && o.belowCut > 0 && (
          <span className="small" data-testid="overdue-below-cut">
            {" "}
            ({o.belowCut} below the cut)
          </span>
        )}
      </button>
    </div>
  );
}
