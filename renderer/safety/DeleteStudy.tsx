// Deleting the open study (issue 13 §7): a button for those whose role may delete studies
// (admin; the service refuses everyone else anyway, users/guard.ts), a confirm dialog that names
// what goes and asks for the reason kept in the audit log, then back to the worklist. The
// service's refusal (an analysis or import at work: BUSY) is shown in the dialog as it came.
import { useEffect, useState } from "react";
import { DELETE_REASON, type StudyDeletionView } from "../../electron/contract/deletion";
import type { StudyDetail } from "../../electron/contract/ipc";
import { call } from "../api";
import { formatDate, formatName } from "../format";

export function DeleteStudy(props: { detail: StudyDetail; onDeleted(v: StudyDeletionView): void }) {
  const [allowed, setAllowed] = useState(false);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    call("auth:session", {}).then(
      (s) => live && setAllowed(s.permissions.includes("delete-studies")),
      () => live && setAllowed(false),
    );
    return () => {
      live = false;
    };
  }, [props.detail.studyInstanceUid]);

  if (!allowed) return null;
  const trimmed = reason.trim();
  const d = props.detail;
  const images = d.series.reduce((n, s) => n + s.instanceCount, 0);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      const view = await call("study:delete", {
        studyInstanceUid: d.studyInstanceUid,
        reason: trimmed,
      });
      setOpen(false);
      props.onDeleted(view);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        className="danger"
        data-testid="study-delete"
        onClick={() => {
          setReason("");
          setError(null);
          setOpen(true);
        }}
      >
        Delete study…
      </button>
      {open && (
        <div className="dialog-backdrop">
          <div
            className="dialog delete-dialog"
            role="dialog"
            aria-modal="true"
            aria-labelledby="delete-dialog-title"
          >
            <h2 id="delete-dialog-title">Delete this study?</h2>
            <p data-testid="delete-scope">
              {formatName(d.patientName)} · ID {d.patientId} · {formatDate(d.studyDate)} ·{" "}
              {d.description || "no description"}: {d.series.length} series, {images} images, its
              CAD results, reviews and comments are removed from this workstation. This cannot be
              undone; the audit log keeps the study&apos;s UID, who deleted it and why.
            </p>
            <form
              className="export-form"
              onSubmit={(e) => {
                e.preventDefault();
                if (!busy && trimmed.length >= DELETE_REASON.min) void confirm();
              }}
            >
              <label className="export-row">
                Reason{" "}
                <textarea
                  aria-label="Reason for the deletion"
                  placeholder="e.g. sent to the wrong workstation"
                  maxLength={DELETE_REASON.max}
                  rows={2}
                  value={reason}
                  autoFocus
                  onChange={(e) => setReason(e.target.value)}
                />
              </label>
              <span className="muted small">
                {trimmed.length}/{DELETE_REASON.max} characters, kept in the audit log
              </span>
              {error && (
                <div role="alert" className="error" data-testid="delete-error">
                  {error}
                </div>
              )}
              <div className="export-actions">
                <button
                  type="submit"
                  className="danger"
                  data-testid="delete-confirm"
                  disabled={busy || trimmed.length < DELETE_REASON.min}
                >
                  {busy ? "Deleting…" : "Delete study"}
                </button>
                <button type="button" onClick={() => setOpen(false)} disabled={busy}>
                  Cancel
                </button>
              </div>
            </form>
          </div>
        </div>
      )}
    </>
  );
}
