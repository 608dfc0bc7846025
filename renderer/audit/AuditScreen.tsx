// The Audit screen (issue 13 §6): who did what, when, to which study. Filters by user, action,
// date range (local days) and study; newest first; the matching entries export as the same CSV
// `livercad audit --csv` writes (formulas escaped). The log holds UIDs, counts and references,
// never names or comments, so nothing here identifies a patient.
import { useEffect, useState } from "react";
import type { AuditPageView, AuditRowView } from "../../electron/contract/audit";
import type { Request } from "../../electron/contract/ipc";
import { api, call } from "../api";

interface Filter {
  user: string;
  action: string;
  from: string;
  to: string;
  study: string;
}

const EMPTY: Filter = { user: "", action: "", from: "", to: "", study: "" };

/** The request for a filter: local calendar days become UTC instants. */
export function auditRequest(f: Filter): Request<"audit:query"> {
  const req: Request<"audit:query"> = {};
  if (f.user) req.user = f.user;
  if (f.action) req.action = f.action;
  if (f.from) req.since = new Date(`${f.from}T00:00:00`).toISOString();
  if (f.to) req.until = new Date(`${f.to}T23:59:59.999`).toISOString();
  if (f.study.trim()) req.studyInstanceUid = f.study.trim();
  return req;
}

/** Details as one readable line: `summary.imported=3 state=failed`. */
function detailsText(details: Record<string, unknown>, prefix = ""): string {
  return Object.entries(details)
    .map(([k, v]) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? detailsText(v as Record<string, unknown>, `${prefix}${k}.`)
        : `${prefix}${k}=${Array.isArray(v) ? v.join(",") : String(v)}`,
    )
    .filter((s) => s !== "")
    .join(" ");
}

export function AuditScreen(props: { onOpen(uid: string): void }) {
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [page, setPage] = useState<AuditPageView | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [outDir, setOutDir] = useState("");
  const [exported, setExported] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    call("audit:query", auditRequest(filter)).then(
      (p) => {
        if (!live) return;
        setPage(p);
        setMessage(null);
      },
      (err: unknown) => live && setMessage(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [filter]);

  const set = (k: keyof Filter) => (v: string) => {
    setExported(null);
    setFilter((f) => ({ ...f, [k]: v }));
  };

  async function exportCsv() {
    try {
      const r = await call("audit:export", { ...auditRequest(filter), outDir: outDir.trim() });
      setExported(`${r.rows} entr${r.rows === 1 ? "y" : "ies"} written to ${r.file}`);
      setMessage(null);
    } catch (err) {
      setExported(null);
      setMessage(err instanceof Error ? err.message : String(err));
    }
  }

  async function pick() {
    const folder = await api.pickFolder?.();
    if (folder) setOutDir(folder);
  }

  return (
    <section className="audit" aria-label="Audit log">
      <form className="audit-filter" onSubmit={(e) => e.preventDefault()}>
        <label>
          User{" "}
          <select
            aria-label="Audit user"
            value={filter.user}
            onChange={(e) => set("user")(e.target.value)}
          >
            <option value="">everyone</option>
            {page?.users.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action{" "}
          <select
            aria-label="Audit action"
            value={filter.action}
            onChange={(e) => set("action")(e.target.value)}
          >
            <option value="">every action</option>
            {page?.actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          From{" "}
          <input
            type="date"
            aria-label="Audit from"
            value={filter.from}
            onChange={(e) => set("from")(e.target.value)}
          />
        </label>
        <label>
          To{" "}
          <input
            type="date"
            aria-label="Audit to"
            value={filter.to}
            onChange={(e) => set("to")(e.target.value)}
          />
        </label>
        <label>
          Study{" "}
          <input
            aria-label="Audit study UID"
            placeholder="Study Instance UID"
            value={filter.study}
            onChange={(e) => set("study")(e.target.value)}
          />
        </label>
        <button type="button" onClick={() => setFilter({ ...EMPTY })}>
          Clear
        </button>
      </form>
      <form
        className="audit-export"
        onSubmit={(e) => {
          e.preventDefault();
          void exportCsv();
        }}
      >
        <span className="small muted" data-testid="audit-count">
          {page
            ? `${page.total} entr${page.total === 1 ? "y" : "ies"}` +
              (page.total > page.rows.length ? ` (newest ${page.rows.length} shown)` : "")
            : "loading…"}
        </span>
        <input
          aria-label="Audit CSV folder"
          placeholder="/home/me/audit (absolute path)"
          value={outDir}
          onChange={(e) => setOutDir(e.target.value)}
        />
        {api.pickFolder && (
          <button type="button" onClick={() => void pick()}>
            Choose…
          </button>
        )}
        <button type="submit" disabled={outDir.trim() === "" || !page || page.total === 0}>
          Export CSV
        </button>
        {exported && (
          <span className="small" role="status" data-testid="audit-exported">
            {exported}
          </span>
        )}
      </form>
      {message && (
        <div role="alert" className="error small" data-testid="audit-message">
          {message}
        </div>
      )}
      <table className="audit-table" aria-label="Audit entries">
        <thead>
          <tr>
            <th>Time</th>
            <th>User</th>
            <th>Action</th>
            <th>Study</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {page?.rows.map((r: AuditRowView) => (
            <tr key={r.id} data-action={r.action}>
              <td>{new Date(r.at).toLocaleString()}</td>
              <td>{r.actor}</td>
              <td>
                <code>{r.action}</code>
              </td>
              <td>
                {r.studyInstanceUid && r.action === "study.delete" ? (
                  // Deleted (issue 13 §7): the UID from the entry's details, nothing to open.
                  <span title={`Deleted study ${r.studyInstanceUid}`}>
                    …{r.studyInstanceUid.slice(-12)}
                  </span>
                ) : r.studyInstanceUid ? (
                  <button
                    type="button"
                    className="link"
                    title={`Open study ${r.studyInstanceUid}`}
                    onClick={() => props.onOpen(r.studyInstanceUid!)}
                  >
                    …{r.studyInstanceUid.slice(-12)}
                  </button>
                ) : (
                  "—"
                )}
              </td>
              <td className="small">{detailsText(r.details)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.rows.length === 0 && (
        <p className="muted small">No audit entries match these filters.</p>
      )}
    </section>
  );
}
