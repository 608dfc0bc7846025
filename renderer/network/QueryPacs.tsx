// The Query PACS screen (issue 14 §2): pick a configured node, search it at study level (patient
// name or ID, date range, accession number, modality, MR by default), and retrieve studies, or
// one series of a study, by C-MOVE to this workstation's listener or by C-GET (the node's
// `retrieve` setting). Each retrieval's progress (instances done, to go,
// failed) and final state come from network:status; retrieved studies arrive like received ones:
// imported, on the worklist, and analyzed when auto-analysis is on.
import { Fragment, useEffect, useState } from "react";
import type {
  NetworkStatusView,
  QuerySeriesView,
  QueryStudyView,
  Request,
  RetrievalView,
} from "../../electron/contract/ipc";
import { call } from "../api";

/** "2026-03-04" (a date input's value) as DICOM's YYYYMMDD, or undefined when empty. */
function dicomDate(v: string): string | undefined {
  return v === "" ? undefined : v.replace(/-/g, "");
}

function showDate(d: string): string {
  return /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d;
}

function retrievalText(r: RetrievalView): string {
  if (r.state === "queued") return "queued";
  if (r.state === "running") {
    return `retrieving: ${r.completed} done, ${r.remaining} to go${r.failed ? `, ${r.failed} failed` : ""}`;
  }
  if (r.state === "done") return `retrieved (${r.completed} instances)`;
  if (r.state === "cancelling") return `cancelling: ${r.completed} done so far…`;
  if (r.state === "cancelled") {
    const counts = `${r.completed} done, ${r.failed} failed, ${r.remaining} not sent`;
    return `cancelled (${counts}; what arrived stays imported)${r.error ? `: ${r.error}` : ""}`;
  }
  return `failed: ${r.error ?? "unknown error"}`;
}

/** A retrieval still under way, which Retrieve must not start twice and Cancel can stop. */
function active(r: RetrievalView | undefined): boolean {
  return (
    r !== undefined && (r.state === "queued" || r.state === "running" || r.state === "cancelling")
  );
}

/** Cancel for a queued or running retrieval (C-CANCEL on the node); off while it is cancelling. */
function CancelButton({
  r,
  onCancel,
}: {
  r: RetrievalView | undefined;
  onCancel: (id: number) => void;
}) {
  if (!r || !active(r)) return null;
  return (
    <button className="small" disabled={r.state === "cancelling"} onClick={() => onCancel(r.id)}>
      Cancel
    </button>
  );
}

export function QueryPacs({ onClose }: { onClose: () => void }) {
  const [status, setStatus] = useState<NetworkStatusView | null>(null);
  const [node, setNode] = useState("");
  const [patientName, setPatientName] = useState("");
  const [patientId, setPatientId] = useState("");
  const [dateFrom, setDateFrom] = useState("");
  const [dateTo, setDateTo] = useState("");
  const [accession, setAccession] = useState("");
  const [modality, setModality] = useState("MR");
  const [results, setResults] = useState<QueryStudyView[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Retrieval ids per study started from this screen; their state comes from network:status.
  const [started, setStarted] = useState<Record<string, number>>({});
  // A result row's series (series-level C-FIND), shown under it when asked for.
  const [series, setSeries] = useState<Record<string, QuerySeriesView[] | "loading">>({});

  useEffect(() => {
    let stopped = false;
    const load = () =>
      call("network:status", {}).then(
        (s) => {
          if (stopped) return;
          setStatus(s);
          setNode((n) => (n === "" ? ([...s.nodes, ...s.webNodes][0]?.name ?? "") : n));
        },
        (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
      );
    void load();
    const timer = setInterval(() => void load(), 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  async function search() {
    setError(null);
    setSearching(true);
    const req: Request<"network:query"> = { name: node, modality };
    if (patientName.trim()) req.patientName = patientName.trim();
    if (patientId.trim()) req.patientId = patientId.trim();
    if (accession.trim()) req.accessionNumber = accession.trim();
    const from = dicomDate(dateFrom);
    const to = dicomDate(dateTo);
    if (from) req.dateFrom = from;
    if (to) req.dateTo = to;
    try {
      const r = await call("network:query", req);
      setResults(r.matches);
    } catch (err) {
      setResults(null);
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSearching(false);
    }
  }

  async function toggleSeries(uid: string) {
    if (series[uid] !== undefined) {
      setSeries((s) => {
        const next = { ...s };
        delete next[uid];
        return next;
      });
      return;
    }
    setSeries((s) => ({ ...s, [uid]: "loading" }));
    try {
      const r = await call("network:query", { name: node, studyInstanceUid: uid });
      setSeries((s) => ({ ...s, [uid]: r.series ?? [] }));
    } catch (err) {
      setSeries((s) => {
        const next = { ...s };
        delete next[uid];
        return next;
      });
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  /** A study, or one of its series (`series`): started[...] is keyed by the series UID then. */
  async function retrieve(uid: string, seriesUid?: string) {
    setError(null);
    try {
      const [view] = await call("network:retrieve", {
        name: node,
        studyInstanceUids: [uid],
        ...(seriesUid ? { seriesInstanceUid: seriesUid } : {}),
      });
      if (view) setStarted((s) => ({ ...s, [seriesUid ?? uid]: view.id }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  async function cancelRetrieval(id: number) {
    setError(null);
    try {
      const view = await call("network:cancel-retrieval", { id });
      // Show "cancelling" at once rather than at the next status poll.
      setStatus((s) =>
        s ? { ...s, retrievals: (s.retrievals ?? []).map((r) => (r.id === id ? view : r)) } : s,
      );
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  const nodeView = status?.nodes.find((n) => n.name === node);
  const webView = status?.webNodes.find((n) => n.name === node);
  const viaGet = nodeView?.retrieve === "get";
  // C-GET and WADO-RS come back on our own connection: they need no listener (app.ts).
  const canRetrieve = status?.listening === true || viaGet || webView !== undefined;

  const byId = new Map((status?.retrievals ?? []).map((r) => [r.id, r]));

  return (
    <section className="network-panel query-pacs" aria-label="Query PACS">
      <header className="row">
        <h2>Query PACS</h2>
        <span className="spacer" />
        <button onClick={onClose}>Close</button>
      </header>
      {error && (
        <div role="alert" className="error">
          {error}
        </div>
      )}
      {status && status.nodes.length === 0 && status.webNodes.length === 0 && (
        <p className="small">
          No remote node is configured: add one with `livercad nodes add` or in network.json.
        </p>
      )}
      {status && !canRetrieve && (
        <p className="small" data-testid="retrieve-unavailable">
          The DICOM listener is not running: studies can be searched but not retrieved by C-MOVE (a
          node set to C-GET, or a DICOMweb service, retrieves without it).
        </p>
      )}
      {nodeView && (
        <p className="small muted" data-testid="retrieve-method">
          {viaGet
            ? "Retrieves from this node by C-GET (on our own association)."
            : "Retrieves from this node by C-MOVE to this workstation's listener."}
        </p>
      )}
      {webView && (
        <p className="small muted" data-testid="retrieve-method">
          Searches by QIDO-RS and retrieves by WADO-RS from {webView.url}.
        </p>
      )}
      <form
        className="row query-form"
        aria-label="Search"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <label>
          Node{" "}
          <select aria-label="Node" value={node} onChange={(e) => setNode(e.target.value)}>
            {(status?.nodes ?? []).map((n) => (
              <option key={n.name} value={n.name}>
                {n.name} ({n.aeTitle}@{n.host}:{n.port})
              </option>
            ))}
            {(status?.webNodes ?? []).map((n) => (
              <option key={n.name} value={n.name}>
                {n.name} (DICOMweb {n.url})
              </option>
            ))}
          </select>
        </label>
        <label>
          Patient name{" "}
          <input
            aria-label="Patient name"
            value={patientName}
            placeholder="DOE^*"
            onChange={(e) => setPatientName(e.target.value)}
          />
        </label>
        <label>
          Patient ID{" "}
          <input
            aria-label="Patient ID"
            value={patientId}
            onChange={(e) => setPatientId(e.target.value)}
          />
        </label>
        <label>
          From{" "}
          <input
            type="date"
            aria-label="Date from"
            value={dateFrom}
            onChange={(e) => setDateFrom(e.target.value)}
          />
        </label>
        <label>
          To{" "}
          <input
            type="date"
            aria-label="Date to"
            value={dateTo}
            onChange={(e) => setDateTo(e.target.value)}
          />
        </label>
        <label>
          Accession{" "}
          <input
            aria-label="Accession number"
            value={accession}
            onChange={(e) => setAccession(e.target.value)}
          />
        </label>
        <label>
          Modality{" "}
          <select
            aria-label="Modality"
            value={modality}
            onChange={(e) => setModality(e.target.value)}
          >
            <option value="MR">MR</option>
            <option value="">any</option>
          </select>
        </label>
        <button type="submit" disabled={node === "" || searching}>
          {searching ? "Searching…" : "Search"}
        </button>
      </form>
      {results && (
        <table className="small" aria-label="Query results" data-testid="query-results">
          <thead>
            <tr>
              <th>Patient</th>
              <th>Patient ID</th>
              <th>Date</th>
              <th>Accession</th>
              <th>Modalities</th>
              <th>Instances</th>
              <th>Description</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {results.length === 0 && (
              <tr>
                <td colSpan={8}>No study matches.</td>
              </tr>
            )}
            {results.map((m) => {
              const id = started[m.studyInstanceUid];
              const r = id === undefined ? undefined : byId.get(id);
              const busy = active(r);
              const rows = series[m.studyInstanceUid];
              return (
                <Fragment key={m.studyInstanceUid}>
                  <tr data-study={m.studyInstanceUid}>
                    <td>{m.patientName}</td>
                    <td>{m.patientId}</td>
                    <td>{showDate(m.studyDate)}</td>
                    <td>{m.accessionNumber}</td>
                    <td>{m.modalities}</td>
                    <td>{m.instances ?? ""}</td>
                    <td>{m.description}</td>
                    <td>
                      <button
                        className="small"
                        aria-pressed={rows !== undefined}
                        onClick={() => void toggleSeries(m.studyInstanceUid)}
                      >
                        Series
                      </button>{" "}
                      <button
                        className="small"
                        disabled={busy || !canRetrieve}
                        onClick={() => void retrieve(m.studyInstanceUid)}
                      >
                        Retrieve
                      </button>{" "}
                      <CancelButton r={r} onCancel={(x) => void cancelRetrieval(x)} />{" "}
                      <span data-testid="retrieval-state" role="status">
                        {r ? retrievalText(r) : id !== undefined ? "queued" : ""}
                      </span>
                    </td>
                  </tr>
                  {rows !== undefined && (
                    <tr data-series-of={m.studyInstanceUid}>
                      <td />
                      <td colSpan={7}>
                        {rows === "loading" ? (
                          "Loading series…"
                        ) : rows.length === 0 ? (
                          "No series listed by the node."
                        ) : (
                          <ul className="small" aria-label="Series">
                            {rows.map((x) => {
                              const sid = started[x.seriesInstanceUid];
                              const sr = sid === undefined ? undefined : byId.get(sid);
                              const sbusy = active(sr);
                              return (
                                <li key={x.seriesInstanceUid} data-series={x.seriesInstanceUid}>
                                  <span className="series-label">{`#${x.seriesNumber ?? "?"} ${x.modality} ${x.description} (${x.instances ?? "?"} instances)`}</span>{" "}
                                  <button
                                    className="small"
                                    disabled={sbusy || !canRetrieve}
                                    onClick={() =>
                                      void retrieve(m.studyInstanceUid, x.seriesInstanceUid)
                                    }
                                  >
                                    Retrieve series
                                  </button>{" "}
                                  <CancelButton
                                    r={sr}
                                    onCancel={(id) => void cancelRetrieval(id)}
                                  />{" "}
                                  <span data-testid="series-retrieval-state" role="status">
                                    {sr ? retrievalText(sr) : sid !== undefined ? "queued" : ""}
                                  </span>
                                </li>
                              );
                            })}
                          </ul>
                        )}
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
