// The Network panel (issue 14): where the DICOM listener listens (AE title, bind address, port)
// and whom it accepts, the remote nodes with an Echo button each, and the studies received since
// the app started with their arrival state. "Edit settings" opens the editor
// (NetworkSettingsForm), which saves to network.json as `livercad nodes` does.
import { useEffect, useState } from "react";
import type { EchoView, NetworkStatusView } from "../../electron/contract/ipc";
import { call } from "../api";
import { NetworkSettingsForm } from "./NetworkSettingsForm";

export function NetworkPanel({ onClose }: { onClose: () => void }) {
  const [status, setStatus] = useState<NetworkStatusView | null>(null);
  const [echoes, setEchoes] = useState<Record<string, EchoView | "running">>({});
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let stopped = false;
    const load = () =>
      call("network:status", {}).then(
        (s) => {
          if (!stopped) setStatus(s);
        },
        (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
      );
    void load();
    // Arrival states change while studies come in: refresh while the panel is open.
    const timer = setInterval(() => void load(), 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  async function echo(name: string) {
    setEchoes((e) => ({ ...e, [name]: "running" }));
    const r = await call("network:echo", { name }).catch((err: unknown): EchoView => ({
      name,
      ok: false,
      status: null,
      ms: 0,
      error: err instanceof Error ? err.message : String(err),
    }));
    setEchoes((e) => ({ ...e, [name]: r }));
  }

  /** The Echo button of a node's row and what the last echo said. */
  function echoCell(name: string) {
    return (
      <td>
        <button onClick={() => void echo(name)} disabled={echoes[name] === "running"}>
          Echo
        </button>{" "}
        <span role="status" aria-label={`Echo ${name}`}>
          {echoText(name)}
        </span>
      </td>
    );
  }

  function echoText(name: string): string {
    const e = echoes[name];
    if (e === undefined) return "";
    if (e === "running") return "echo…";
    return e.ok ? `OK (${e.ms.toFixed(0)} ms)` : `failed: ${e.error ?? `status ${e.status}`}`;
  }

  return (
    <section className="network-panel" aria-label="Network settings">
      <header className="row">
        <h2>DICOM network</h2>
        <span className="spacer" />
        {status && !editing && (
          <button
            onClick={() => {
              setSaved(false);
              setEditing(true);
            }}
          >
            Edit settings
          </button>
        )}{" "}
        <button onClick={onClose}>Close</button>
      </header>
      {saved && !editing && (
        <p role="status" className="small" data-testid="settings-saved">
          Settings saved to network.json; the listener was restarted where they changed it.
        </p>
      )}
      {error && (
        <div role="alert" className="error">
          {error}
        </div>
      )}
      {status && editing && (
        <NetworkSettingsForm
          status={status}
          onCancel={() => setEditing(false)}
          onSaved={(s) => {
            setStatus(s);
            setEditing(false);
            setSaved(true);
          }}
        />
      )}
      {status && !editing && (
        <>
          <h3>This workstation</h3>
          <dl className="small" aria-label="Local listener">
            <dt>State</dt>
            <dd data-testid="listener-state">
              {status.listening
                ? "listening"
                : `${status.enabled ? "not running" : "off"} (C-GET and WADO-RS retrievals still work; C-MOVE and senders need it)`}
            </dd>
            <dt>AE title</dt>
            <dd data-testid="local-aet">{status.aeTitle}</dd>
            <dt>Address</dt>
            <dd data-testid="local-address">
              {status.bind}:{status.port}
            </dd>
            <dt>Accepts</dt>
            <dd>{status.allowed.length > 0 ? status.allowed.join(", ") : "any calling AE"}</dd>
            <dt>Query/Retrieve</dt>
            <dd data-testid="local-qr">
              {status.queryRetrieve === false
                ? "off"
                : "on: accepted AEs may C-FIND this workstation and C-MOVE / C-GET its studies"}
            </dd>
            <dt>Arrival window</dt>
            <dd>
              {status.quietSeconds} s quiet period, auto-analysis{" "}
              {status.autoAnalyze ? "on" : "off"}
            </dd>
          </dl>
          {status.problem && (
            <div role="alert" className="error">
              {status.problem}
            </div>
          )}
          <h3>Remote nodes</h3>
          {status.nodes.length === 0 ? (
            <p className="muted small">
              None configured: Edit settings, or livercad nodes --add NAME AE@host:port.
            </p>
          ) : (
            <table className="small" aria-label="Remote nodes">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>AE title</th>
                  <th>Host</th>
                  <th>Port</th>
                  <th>Retrieve</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {status.nodes.map((n) => (
                  <tr key={n.name}>
                    <td>{n.name}</td>
                    <td>{n.aeTitle}</td>
                    <td>{n.host}</td>
                    <td>{n.port}</td>
                    <td>{n.retrieve === "get" ? "C-GET" : "C-MOVE"}</td>
                    {echoCell(n.name)}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {status.webNodes.length > 0 && (
            <>
              <h3>DICOMweb services</h3>
              <table className="small" aria-label="DICOMweb services">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>URL</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {status.webNodes.map((n) => (
                    <tr key={n.name}>
                      <td>{n.name}</td>
                      <td>
                        {n.url}
                        {n.authEnv && <span className="muted"> (login from ${n.authEnv})</span>}
                        {n.oauth && (
                          <span className="muted">
                            {" "}
                            (OAuth client {n.oauth.clientId} at {n.oauth.tokenUrl}, secret from $
                            {n.oauth.secretEnv})
                          </span>
                        )}
                      </td>
                      {echoCell(n.name)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          <h3>Received</h3>
          {status.arrivals.length === 0 ? (
            <p className="muted small">Nothing received since the app started.</p>
          ) : (
            <table className="small" aria-label="Received studies">
              <tbody>
                {status.arrivals.map((a) => (
                  <tr key={a.studyInstanceUid}>
                    <td>…{a.studyInstanceUid.slice(-12)}</td>
                    <td>{a.state}</td>
                    <td>{a.instances} instances</td>
                    <td>{a.callingAeTitles.join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
