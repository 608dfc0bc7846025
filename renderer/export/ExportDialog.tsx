// The Export dialog (issue 15 §4): case sheets (CSV, XLSX, PDF), DICOM SR / presentation states
// or the de-identified copy of the chosen studies, written to a folder. Opened from the worklist
// (the current list's analyzed studies, or every analyzed study) and from the study view (that
// study). A progress bar follows the export file by file; every failed file is listed with its
// reason, and the done summary says how many were written where. "Stop export" cancels it between
// files (export:cancel); the files it had written are removed.
import { useEffect, useRef, useState } from "react";
import {
  EXPORT_DIALOG_FORMATS,
  type ExportDialogFormat,
  type ExportJobView,
  type WorklistQuery,
} from "../../electron/contract/ipc";
import { api, call } from "../api";

const FORMAT_LABELS: Record<ExportDialogFormat, string> = {
  csv: "Case sheet, CSV",
  xlsx: "Case sheet, Excel (XLSX)",
  pdf: "Case sheets, PDF",
  sr: "DICOM SR (TID 1500)",
  gsps: "DICOM presentation states (GSPS)",
  deid: "De-identified DICOM (PS3.15 Annex E)",
};

/** What the dialog exports: one study, or the worklist's current list (or every analyzed study). */
export type ExportScope =
  | { kind: "study"; studyInstanceUid: string; label: string }
  | { kind: "worklist"; query: Omit<WorklistQuery, "offset" | "limit"> };

const POLL_MS = 250;
/** Study statuses that mean an analysis is stored (what an export needs). */
const ANALYZED = new Set(["analyzed", "no-roi"]);

/** The analyzed studies of the worklist's current list (paged, 500 rows a call). */
async function listedAnalyzed(query: Omit<WorklistQuery, "offset" | "limit">): Promise<string[]> {
  const uids: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await call("worklist:page", { ...query, offset, limit: 500 });
    for (const r of page.rows) {
      if (ANALYZED.has(r.status) || r.prediction !== null) uids.push(r.studyInstanceUid);
    }
    if (page.rows.length < 500 || offset + 500 >= page.total) break;
  }
  return uids;
}

export function ExportDialog(props: { scope: ExportScope; onClose(): void }) {
  const { scope } = props;
  const [format, setFormat] = useState<ExportDialogFormat>("csv");
  const [outDir, setOutDir] = useState("");
  const [key, setKey] = useState(false);
  const [which, setWhich] = useState<"listed" | "all">("listed");
  const [job, setJob] = useState<ExportJobView | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [stopping, setStopping] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => () => clearTimeout(timer.current), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") props.onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [props]);

  function follow(id: number) {
    timer.current = setTimeout(() => {
      call("export:status", { id }).then(
        (j) => {
          setJob(j);
          if (j.state === "running") follow(id);
        },
        (err: unknown) => setMessage(err instanceof Error ? err.message : String(err)),
      );
    }, POLL_MS);
  }

  async function start() {
    setMessage(null);
    setStarting(true);
    try {
      let studyInstanceUids: string[] = [];
      if (scope.kind === "study") studyInstanceUids = [scope.studyInstanceUid];
      else if (which === "listed") {
        studyInstanceUids = await listedAnalyzed(scope.query);
        if (studyInstanceUids.length === 0) {
          throw new Error("No analyzed study in the current list: nothing to export.");
        }
      }
      const j = await call("export:start", {
        format,
        outDir: outDir.trim(),
        studyInstanceUids,
        ...(format === "deid" && key ? { key: true } : {}),
      });
      setStopping(false);
      setJob(j);
      follow(j.id);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setStarting(false);
    }
  }

  /** Stops the running export between files; its files are removed (job state "cancelled"). */
  async function stop(id: number) {
    setStopping(true);
    try {
      setJob(await call("export:cancel", { id }));
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  }

  async function pick() {
    const folder = await api.pickFolder?.();
    if (folder) setOutDir(folder);
  }

  const running = starting || job?.state === "running";
  const fraction = job && job.total > 0 ? job.done / job.total : 0;
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog export-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="export-dialog-title"
      >
        <h2 id="export-dialog-title">Export results</h2>
        <p className="muted small" data-testid="export-scope">
          {scope.kind === "study" ? `Study: ${scope.label}` : "From the worklist"}
        </p>
        <form
          className="export-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!running) void start();
          }}
        >
          {scope.kind === "worklist" && (
            <fieldset disabled={running}>
              <legend>Studies</legend>
              <label>
                <input
                  type="radio"
                  name="export-which"
                  checked={which === "listed"}
                  onChange={() => setWhich("listed")}
                />{" "}
                The analyzed studies of the current list (queue, search and status filter)
              </label>
              <label>
                <input
                  type="radio"
                  name="export-which"
                  checked={which === "all"}
                  onChange={() => setWhich("all")}
                />{" "}
                Every analyzed study
              </label>
            </fieldset>
          )}
          <label className="export-row">
            Format{" "}
            <select
              aria-label="Export format"
              value={format}
              disabled={running}
              onChange={(e) => setFormat(e.target.value as ExportDialogFormat)}
            >
              {EXPORT_DIALOG_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {FORMAT_LABELS[f]}
                </option>
              ))}
            </select>
          </label>
          {format === "deid" && (
            <label className="export-row small">
              <input
                type="checkbox"
                checked={key}
                disabled={running}
                aria-label="Also write the pseudonym key"
                onChange={(e) => setKey(e.target.checked)}
              />{" "}
              Also write key.csv (pseudonym → identity); keep it apart from the export
            </label>
          )}
          <label className="export-row">
            Output folder{" "}
            <input
              aria-label="Output folder"
              placeholder="/home/me/export (absolute path)"
              value={outDir}
              disabled={running}
              onChange={(e) => setOutDir(e.target.value)}
            />
            {api.pickFolder && (
              <button type="button" disabled={running} onClick={() => void pick()}>
                Choose…
              </button>
            )}
          </label>
          <div className="export-actions">
            <button type="submit" disabled={running || outDir.trim() === ""}>
              Start export
            </button>
            {job?.state === "running" && (
              <button
                type="button"
                data-testid="export-stop"
                disabled={stopping}
                onClick={() => void stop(job.id)}
              >
                {stopping ? "Stopping…" : "Stop export"}
              </button>
            )}
            <button type="button" onClick={props.onClose}>
              {job && job.state !== "running" ? "Close" : "Cancel"}
            </button>
          </div>
        </form>
        {message && (
          <div role="alert" className="error small" data-testid="export-message">
            {message}
          </div>
        )}
        {job && (
          <div className="export-progress">
            <progress max={1} value={fraction} aria-label="Export progress" />
            <span className="small" data-testid="export-count">
              {job.total > 0 ? `${job.done} / ${job.total} files` : "starting…"}
            </span>
            {job.state === "done" && (
              <p className="small" data-testid="export-summary">
                Done: {job.written} file{job.written === 1 ? "" : "s"} written
                {job.fileErrors.length > 0 ? `, ${job.done - job.written} failed` : ""} for{" "}
                {job.studies} stud{job.studies === 1 ? "y" : "ies"} into <code>{job.outDir}</code>
                {job.files.length > 0 && job.files.length <= 3 && <> ({job.files.join(", ")})</>}.
              </p>
            )}
            {job.state === "cancelled" && (
              <p role="status" className="small" data-testid="export-summary">
                {job.error}
              </p>
            )}
            {job.state === "failed" && (
              <p role="alert" className="error small" data-testid="export-summary">
                Export failed: {job.error}
              </p>
            )}
            {job.fileErrors.length > 0 && (
              <div className="export-errors">
                <span className="small">{job.fileErrors.length} file errors</span>
                <ul aria-label="Export file errors">
                  {job.fileErrors.map((f, i) => (
                    <li key={i} className="small">
                      <code>{f.file || f.studyInstanceUid || "—"}</code>: {f.reason}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
