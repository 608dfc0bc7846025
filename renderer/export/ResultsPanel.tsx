// The study view's "Results in DICOM" (issue 15 §1): the SR and presentation state of the study's
// analyses as stored objects (current, superseded, imported from another workstation, or pending:
// written on first export or send), with Export (copy into a folder) and Send (C-STORE to a
// configured node). Both write the pending objects first, so every later export or send carries
// the same UIDs and bytes.
import { useEffect, useState } from "react";
import type { ResultObjectView, ResultObjectsOutcome } from "../../electron/contract/results";
import { api, call } from "../api";

const KIND: Record<ResultObjectView["kind"], string> = {
  sr: "SR (TID 1500)",
  gsps: "Presentation state",
};

function describe(v: ResultObjectView): string {
  const origin = v.origin === "imported" ? ", imported" : "";
  switch (v.state) {
    case "pending":
      return "not stored yet (written on first export or send)";
    case "stored":
      return `stored ${v.createdAt?.slice(0, 16).replace("T", " ")}${origin}`;
    case "superseded":
      return `superseded ${v.supersededAt?.slice(0, 16).replace("T", " ")}${origin}`;
    case "missing":
      return `file missing from the store${origin}`;
  }
}

export function ResultsPanel(props: { uid: string; analyzedAt: string | null }) {
  const [list, setList] = useState<ResultObjectView[] | null>(null);
  const [outDir, setOutDir] = useState("");
  const [node, setNode] = useState("");
  const [nodes, setNodes] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<string | null>(null);

  const load = () =>
    call("results:list", { studyInstanceUid: props.uid }).then(setList, (e: unknown) =>
      setMsg(e instanceof Error ? e.message : String(e)),
    );
  useEffect(() => {
    void load();
    call("network:status", {}).then(
      (s) => {
        const names = s.nodes.map((n) => n.name);
        setNodes(names);
        setNode((cur) => cur || names[0] || "");
      },
      () => setNodes([]),
    );
    // Reloaded when the study's analysis changes (a re-analysis supersedes the objects).
  }, [props.uid, props.analyzedAt]);

  async function run(what: "export" | "send") {
    setBusy(true);
    setMsg(null);
    try {
      const r: ResultObjectsOutcome =
        what === "export"
          ? await call("results:export", { studyInstanceUid: props.uid, outDir: outDir.trim() })
          : await call("results:send", { studyInstanceUid: props.uid, name: node });
      const failed = r.failed.map((f) => `${f.item}: ${f.reason}`).join("; ");
      setMsg(
        `${what === "export" ? "Exported" : "Sent"} ${r.done.length} object${r.done.length === 1 ? "" : "s"}` +
          (failed ? `; failed: ${failed}` : "."),
      );
    } catch (e) {
      setMsg(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
      void load();
    }
  }

  async function pick() {
    const folder = await api.pickFolder?.();
    if (folder) setOutDir(folder);
  }

  if (list !== null && list.length === 0) return null;
  return (
    <section className="panel" aria-label="Results in DICOM">
      <h2>Results in DICOM</h2>
      <ul className="results-list" data-testid="results-list">
        {(list ?? []).map((v, i) => (
          <li key={v.sopInstanceUid ?? `pending-${v.kind}-${i}`} className="small">
            <strong>{KIND[v.kind]}</strong> · analysis {v.analysisId} ·{" "}
            <span className={v.state === "stored" ? "" : "muted"}>{describe(v)}</span>
            {v.sopInstanceUid && (
              <div className="muted small">
                <code>{v.sopInstanceUid}</code>
              </div>
            )}
          </li>
        ))}
      </ul>
      <div className="results-actions">
        <input
          aria-label="Results output folder"
          placeholder="/home/me/results (absolute path)"
          value={outDir}
          disabled={busy}
          onChange={(e) => setOutDir(e.target.value)}
        />
        {api.pickFolder && (
          <button type="button" disabled={busy} onClick={() => void pick()}>
            Choose…
          </button>
        )}
        <button
          type="button"
          data-testid="results-export"
          disabled={busy || outDir.trim() === ""}
          onClick={() => void run("export")}
        >
          Export
        </button>
      </div>
      <div className="results-actions">
        <select
          aria-label="Send to node"
          value={node}
          disabled={busy || nodes.length === 0}
          onChange={(e) => setNode(e.target.value)}
        >
          {nodes.length === 0 && <option value="">no node configured</option>}
          {nodes.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <button
          type="button"
          data-testid="results-send"
          disabled={busy || node === ""}
          onClick={() => void run("send")}
        >
          Send
        </button>
      </div>
      {msg && (
        <p role="status" className="small" data-testid="results-message">
          {msg}
        </p>
      )}
    </section>
  );
}
