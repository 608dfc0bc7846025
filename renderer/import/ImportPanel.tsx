// Import and analysis queue (issue 6 §2): a folder picker (Electron) or a typed path, drag and drop
// of folders and files, and one progress bar per job with its per-file errors and a cancel button.
import { useEffect, useState, type DragEvent } from "react";
import type { JobView } from "../../electron/contract/ipc";
import { api, call } from "../api";
import { percent } from "../format";

function upsert(jobs: JobView[], job: JobView): JobView[] {
  const i = jobs.findIndex((j) => j.id === job.id);
  if (i < 0) return [...jobs, job];
  const next = [...jobs];
  // Job events carry no source paths (issue 12 §4): the label, error and file errors this panel
  // already has (from import:start or jobs:list) stay; a finished job's come from jobs:list.
  next[i] = job.pathsHidden
    ? { ...job, label: jobs[i]!.label, fileErrors: jobs[i]!.fileErrors, error: jobs[i]!.error }
    : job;
  return next;
}

const FINAL: JobView["state"][] = ["done", "failed", "cancelled"];

/** "12 files: 10 imported, 1 duplicate, 1 rejected · 2 studies (1 complete, 1 incomplete)". */
export function importSummaryText(s: NonNullable<JobView["summary"]>): string {
  const parts = [`${s.imported} imported`];
  if (s.duplicates > 0) parts.push(`${s.duplicates} already stored`);
  if (s.skipped > 0) parts.push(`${s.skipped} skipped`);
  if (s.rejected > 0) parts.push(`${s.rejected} rejected`);
  return (
    `${s.files} file${s.files === 1 ? "" : "s"}: ${parts.join(", ")} · ` +
    `${s.studies} stud${s.studies === 1 ? "y" : "ies"} (${s.complete} complete, ` +
    `${s.incomplete} incomplete)`
  );
}

export function ImportPanel() {
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [path, setPath] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    const reload = () => void call("jobs:list", {}).then(setJobs, () => undefined);
    reload();
    return api.onEvent((e) => {
      if (e.type !== "job") return;
      setJobs((list) => upsert(list, e.job));
      // A finished import's paths, reasons and summary come from the jobs table.
      if (e.job.kind === "import" && e.job.pathsHidden && FINAL.includes(e.job.state)) reload();
    });
  }, []);

  async function start(paths: string[]) {
    if (paths.length === 0) return;
    try {
      const job = await call("import:start", { paths });
      setJobs((list) => upsert(list, job));
      setMessage(null);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  }

  async function analyzeNew() {
    try {
      const r = await call("analysis:enqueue", { studyInstanceUids: [], unanalyzed: true });
      setMessage(r.queued === 0 ? "Every study is analyzed or queued already." : null);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  }

  async function pick() {
    const folder = await api.pickFolder?.();
    if (folder) await start([folder]);
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    const paths = api.pathForFile ? files.map((f) => api.pathForFile!(f)).filter(Boolean) : [];
    if (paths.length === 0) {
      setMessage("Dropping needs the desktop app; in a browser, type the folder path instead.");
      return;
    }
    void start(paths);
  }

  const active = jobs.filter((j) => j.state === "queued" || j.state === "running");
  // Past imports stay listed (they live in the jobs table: after a reload and a restart too).
  const shown = [
    ...jobs.filter((j) => j.kind === "import").slice(-5),
    ...jobs.filter((j) => j.kind === "analyze").slice(-6),
  ];
  return (
    <section
      className={`import-panel${dragging ? " dragging" : ""}`}
      aria-label="Import and analysis queue"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <form
        className="import-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start(path.trim() === "" ? [] : [path.trim()]);
        }}
      >
        <span className="panel-title">Import</span>
        {api.pickFolder && (
          <button type="button" onClick={() => void pick()}>
            Choose folder…
          </button>
        )}
        <input
          aria-label="Folder or DICOMDIR path to import"
          placeholder="/media/cdrom or drop a folder here"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        <button type="submit" disabled={path.trim() === ""}>
          Import
        </button>
        <button type="button" onClick={() => void analyzeNew()}>
          Analyze new studies
        </button>
        <span className="muted small">{active.length > 0 ? `${active.length} running` : ""}</span>
      </form>
      {message && (
        <div role="alert" className="error small">
          {message}
        </div>
      )}
      <ul className="jobs" aria-label="Jobs">
        {shown.map((j) => (
          <li key={j.id} className={`job job-${j.state}`} data-job-kind={j.kind}>
            <span className="job-label" title={j.label}>
              {j.kind === "import" ? "Import" : "Analysis"} · {j.label}
            </span>
            <progress max={1} value={j.progress} aria-label={`${j.label} progress`} />
            <span className="small">
              {j.state === "running" ? (j.stage ?? percent(j.progress)) : j.state}
            </span>
            {(j.state === "queued" || j.state === "running") && (
              <button type="button" onClick={() => void call("jobs:cancel", { id: j.id })}>
                Cancel
              </button>
            )}
            {j.error && <span className="error small">{j.error}</span>}
            {j.kind === "import" && j.summary && (
              <span className="small job-summary" data-testid="import-summary">
                {importSummaryText(j.summary)}
                {j.finishedAt ? ` · ended ${new Date(j.finishedAt).toLocaleString()}` : ""}
              </span>
            )}
            {j.fileErrors.length > 0 && (
              <details>
                <summary>{j.fileErrors.length} file errors</summary>
                <ul>
                  {j.fileErrors.map((f, i) => (
                    <li key={i} className="small">
                      <code>{f.path}</code>: {f.reason}
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
