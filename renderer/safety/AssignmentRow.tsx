// One sequence's series in the study view, changed only on purpose (issue 13 §2): choosing a
// series in the list (by mouse or a stray arrow key) only proposes it; the change happens when the
// user gives a reason and confirms. Series that cannot hold a liver sequence (localizers, derived
// maps, non-axial stacks) are listed but disabled, with the reason.
import { useState } from "react";
import { SEQUENCE_LABELS } from "../../electron/contract/domain";
import type { AssignmentView, SeriesOption } from "../../electron/contract/ipc";

function seriesName(s: SeriesOption | undefined): string {
  if (!s) return "(none)";
  return `${s.seriesNumber ?? "?"} · ${s.description || "(no description)"}`;
}

export function AssignmentRow(props: {
  a: AssignmentView;
  series: SeriesOption[];
  /** Performs the change; rejects with the service's message. */
  onOverride(uid: string | null, reason: string): Promise<void>;
}) {
  const { a } = props;
  const label = SEQUENCE_LABELS[a.sequence];
  const [pending, setPending] = useState<{ uid: string | null } | null>(null);
  const [reason, setReason] = useState("");
  const [msg, setMsg] = useState<string | null>(null);
  const current = props.series.find((s) => s.seriesInstanceUid === a.seriesInstanceUid);

  async function confirm() {
    if (!pending) return;
    try {
      await props.onOverride(pending.uid, reason.trim());
      setPending(null);
      setReason("");
      setMsg(null);
    } catch (err) {
      setMsg(err instanceof Error ? err.message : String(err));
    }
  }

  const shown = pending ? (pending.uid ?? "") : (a.seriesInstanceUid ?? "");
  return (
    <tr data-sequence={a.sequence}>
      <th scope="row">{label}</th>
      <td>
        <select
          aria-label={`Series for ${label}`}
          value={shown}
          onChange={(e) => {
            const uid = e.target.value === "" ? null : e.target.value;
            setPending(uid === a.seriesInstanceUid ? null : { uid });
            setMsg(null);
          }}
        >
          <option value="">(none)</option>
          {props.series.map((s) => (
            <option
              key={s.seriesInstanceUid}
              value={s.seriesInstanceUid}
              disabled={Boolean(s.unusableReason)}
              title={s.unusableReason ?? s.excludedReason ?? ""}
            >
              {seriesName(s)} ({s.instanceCount})
              {s.unusableReason ? ` (cannot be used: ${s.unusableReason})` : ""}
            </option>
          ))}
        </select>
        <span
          className={`src src-${a.source ?? "none"}`}
          title={a.source === "manual" ? `by ${a.assignedBy} at ${a.assignedAt}` : (a.rule ?? "")}
        >
          {a.source === "manual" ? "manual" : a.source === "auto" ? "auto" : "missing"}
        </span>
        {a.source === "manual" && !pending && (
          <button type="button" className="link" onClick={() => setPending({ uid: null })}>
            Use rules
          </button>
        )}
        {pending && (
          <div className="confirm-override" role="group" aria-label={`Confirm change of ${label}`}>
            <p className="small">
              Change {label} from <b>{seriesName(current)}</b> to{" "}
              <b>
                {pending.uid === null && a.source === "manual"
                  ? "the rules' choice"
                  : seriesName(props.series.find((s) => s.seriesInstanceUid === pending.uid))}
              </b>
              ? The study's analysis will then be out of date.
            </p>
            <input
              type="text"
              aria-label={`Reason for changing ${label}`}
              placeholder="Reason (required, kept in the audit log)"
              value={reason}
              maxLength={500}
              onChange={(e) => setReason(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && reason.trim().length >= 3) void confirm();
              }}
            />
            <button
              type="button"
              disabled={reason.trim().length < 3}
              onClick={() => void confirm()}
            >
              Confirm change
            </button>
            <button
              type="button"
              onClick={() => {
                setPending(null);
                setReason("");
                setMsg(null);
              }}
            >
              Cancel
            </button>
          </div>
        )}
        {msg && (
          <p role="alert" className="error small">
            {msg}
          </p>
        )}
      </td>
    </tr>
  );
}
