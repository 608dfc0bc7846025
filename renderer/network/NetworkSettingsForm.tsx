// The Network settings editor (issue 14 round 6): this workstation's listener (AE title, port,
// bind address, on/off, allowed callers, quiet period, auto-analysis), the remote nodes (add,
// edit, remove; C-MOVE or C-GET), whether the listener answers Query/Retrieve, and the DICOMweb services (name, base URL, login by an
// Authorization variable or by OAuth client credentials). Values are checked as they are typed by the rules the main
// process applies again on save (PS3.5 6.2 AE titles, ports 1-65535, IP addresses); the save
// writes network.json, restarts the listener and is audited.
import { useState } from "react";
import type { NetworkStatusView, Request } from "../../electron/contract/ipc";
import { call } from "../api";
import {
  aeTitleProblem,
  envNameProblem,
  hostProblem,
  ipProblem,
  oauthProblems,
  portProblem,
  webUrlProblem,
} from "./validate";
import { OAUTH_HELP, OAuthField, Problem, RemoveCell, TextCell } from "./fields";

type Edit = Required<Request<"network:save-settings">>;
type NodeEdit = Edit["nodes"][number];
type WebNodeEdit = Edit["webNodes"][number];

function fromStatus(s: NetworkStatusView): Edit {
  return {
    local: {
      aeTitle: s.aeTitle,
      port: s.port,
      bind: s.bind,
      enabled: s.enabled,
      allowed: s.allowed,
      quietSeconds: s.quietSeconds,
      autoAnalyze: s.autoAnalyze,
      queryRetrieve: s.queryRetrieve !== false,
    },
    nodes: s.nodes.map((n) => ({
      name: n.name,
      aeTitle: n.aeTitle,
      host: n.host,
      port: n.port,
      retrieve: n.retrieve ?? "move",
    })),
    webNodes: s.webNodes.map((n) => ({
      name: n.name,
      url: n.url,
      authEnv: n.authEnv ?? "",
      oauth: {
        tokenUrl: n.oauth?.tokenUrl ?? "",
        clientId: n.oauth?.clientId ?? "",
        secretEnv: n.oauth?.secretEnv ?? "",
        scope: n.oauth?.scope ?? "",
      },
    })),
  };
}

export function NetworkSettingsForm({
  status,
  onSaved,
  onCancel,
}: {
  status: NetworkStatusView;
  onSaved: (s: NetworkStatusView) => void;
  onCancel: () => void;
}) {
  const [edit, setEdit] = useState<Edit>(() => fromStatus(status));
  const [allowedText, setAllowedText] = useState(status.allowed.join("\n"));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const l = edit.local;
  const setLocal = (patch: Partial<Edit["local"]>) =>
    setEdit((e) => ({ ...e, local: { ...e.local, ...patch } }));
  const setNode = (i: number, patch: Partial<NodeEdit>) =>
    setEdit((e) => ({ ...e, nodes: e.nodes.map((n, k) => (k === i ? { ...n, ...patch } : n)) }));

  const setWebNode = (i: number, patch: Partial<WebNodeEdit>) =>
    setEdit((e) => ({
      ...e,
      webNodes: e.webNodes.map((n, k) => (k === i ? { ...n, ...patch } : n)),
    }));

  // DIMSE nodes and DICOMweb services share one name space (`livercad echo NAME`).
  const allNames = [...edit.nodes, ...edit.webNodes].map((n) => n.name.trim());
  const nameProblem = (name: string, at: number): string | null =>
    name.trim() === "" ? "required" : allNames.indexOf(name.trim()) !== at ? "listed twice" : null;
  const nodeProblems = edit.nodes.map((n, i) => ({
    name: nameProblem(n.name, i),
    aeTitle: aeTitleProblem(n.aeTitle),
    host: hostProblem(n.host),
    port: portProblem(n.port),
  }));
  const webProblems = edit.webNodes.map((n, i) => ({
    name: nameProblem(n.name, edit.nodes.length + i),
    url: webUrlProblem(n.url),
    authEnv: envNameProblem(n.authEnv ?? ""),
    ...oauthProblems(n.oauth ?? {}, n.authEnv ?? ""),
  }));
  const localProblems = {
    aeTitle: aeTitleProblem(l.aeTitle),
    port: portProblem(l.port),
    bind: ipProblem(l.bind),
    quiet:
      Number.isFinite(l.quietSeconds) && l.quietSeconds >= 0 && l.quietSeconds <= 3600
        ? null
        : "0 to 3600 s",
  };
  const invalid =
    Object.values(localProblems).some((p) => p !== null) ||
    [...nodeProblems, ...webProblems].some((p) => Object.values(p).some((x) => x !== null));

  async function save() {
    setSaving(true);
    setError(null);
    const allowed = allowedText
      .split("\n")
      .map((a) => a.trim())
      .filter((a) => a !== "");
    try {
      const s = await call("network:save-settings", { ...edit, local: { ...l, allowed } });
      onSaved(s);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      className="network-settings"
      aria-label="Edit network settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {error && (
        <div role="alert" className="error">
          {error}
        </div>
      )}
      <h3>This workstation</h3>
      <div className="settings-grid small">
        <label className="check">
          <input
            type="checkbox"
            aria-label="Listener enabled"
            checked={l.enabled}
            onChange={(e) => setLocal({ enabled: e.target.checked })}
          />{" "}
          Listen for DICOM (start with the app)
        </label>
        <label>
          AE title{" "}
          <input
            aria-label="Local AE title"
            value={l.aeTitle}
            onChange={(e) => setLocal({ aeTitle: e.target.value })}
          />
          <Problem text={localProblems.aeTitle} label="Local AE title" />
        </label>
        <label>
          Port{" "}
          <input
            type="number"
            aria-label="Local port"
            value={Number.isNaN(l.port) ? "" : l.port}
            onChange={(e) => setLocal({ port: e.target.valueAsNumber })}
          />
          <Problem text={localProblems.port} label="Local port" />
        </label>
        <label>
          Bind address{" "}
          <input
            aria-label="Bind address"
            value={l.bind}
            onChange={(e) => setLocal({ bind: e.target.value })}
          />
          <Problem text={localProblems.bind} label="Bind address" />
        </label>
        <label>
          Quiet period (s){" "}
          <input
            type="number"
            aria-label="Quiet period"
            value={Number.isNaN(l.quietSeconds) ? "" : l.quietSeconds}
            onChange={(e) => setLocal({ quietSeconds: e.target.valueAsNumber })}
          />
          <Problem text={localProblems.quiet} label="Quiet period" />
        </label>
        <label className="check">
          <input
            type="checkbox"
            aria-label="Auto-analysis"
            checked={l.autoAnalyze}
            onChange={(e) => setLocal({ autoAnalyze: e.target.checked })}
          />{" "}
          Analyze complete studies on arrival
        </label>
        <label
          className="check"
          title="Lets the allowed callers search this workstation's studies (C-FIND) and fetch them (C-GET, or C-MOVE to a configured node)"
        >
          <input
            type="checkbox"
            aria-label="Query/Retrieve"
            checked={l.queryRetrieve !== false}
            onChange={(e) => setLocal({ queryRetrieve: e.target.checked })}
          />{" "}
          Answer Query/Retrieve (C-FIND, C-MOVE, C-GET)
        </label>
        <label className="wide">
          Allowed calling AEs (one a line, AE or AE@address,address; empty: any){" "}
          <textarea
            aria-label="Allowed calling AEs"
            rows={3}
            value={allowedText}
            onChange={(e) => setAllowedText(e.target.value)}
          />
        </label>
      </div>
      <h3>Remote nodes</h3>
      <table className="small" aria-label="Edit remote nodes">
        <thead>
          <tr>
            <th>Name</th>
            <th>AE title</th>
            <th>Host</th>
            <th>Port</th>
            <th>Retrieve by</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {edit.nodes.map((n, i) => (
            <tr key={i} data-node-row={i}>
              <TextCell
                label="Node name"
                value={n.name}
                problem={nodeProblems[i]!.name}
                onChange={(v) => setNode(i, { name: v })}
              />
              <TextCell
                label="Node AE title"
                value={n.aeTitle}
                problem={nodeProblems[i]!.aeTitle}
                onChange={(v) => setNode(i, { aeTitle: v })}
              />
              <TextCell
                label="Node host"
                value={n.host}
                problem={nodeProblems[i]!.host}
                onChange={(v) => setNode(i, { host: v })}
              />
              <td>
                <input
                  type="number"
                  aria-label="Node port"
                  value={Number.isNaN(n.port) ? "" : n.port}
                  onChange={(e) => setNode(i, { port: e.target.valueAsNumber })}
                />
                <Problem text={nodeProblems[i]!.port} label="Node port" />
              </td>
              <td>
                <select
                  aria-label="Retrieve by"
                  value={n.retrieve}
                  onChange={(e) => setNode(i, { retrieve: e.target.value as "move" | "get" })}
                >
                  <option value="move">C-MOVE</option>
                  <option value="get">C-GET</option>
                </select>
              </td>
              <RemoveCell
                onRemove={() =>
                  setEdit((e) => ({ ...e, nodes: e.nodes.filter((_, k) => k !== i) }))
                }
              />
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button
          type="button"
          onClick={() =>
            setEdit((e) => ({
              ...e,
              nodes: [...e.nodes, { name: "", aeTitle: "", host: "", port: 104, retrieve: "move" }],
            }))
          }
        >
          Add node
        </button>
      </div>
      <h3>DICOMweb services</h3>
      <table className="small" aria-label="Edit DICOMweb services">
        <thead>
          <tr>
            <th>Name</th>
            <th>Base URL (QIDO-RS, WADO-RS, STOW-RS)</th>
            <th title="The environment variable of the workstation whose value is sent as the Authorization header (e.g. Basic ... or Bearer ...); the secret is not stored in the settings">
              Authorization variable (optional)
            </th>
            <th />
          </tr>
        </thead>
        <tbody>
          {edit.webNodes.flatMap((n, i) => [
            <tr key={i} data-web-row={i}>
              <TextCell
                label="Service name"
                value={n.name}
                problem={webProblems[i]!.name}
                onChange={(v) => setWebNode(i, { name: v })}
              />
              <TextCell
                label="Service URL"
                size={40}
                value={n.url}
                problem={webProblems[i]!.url}
                onChange={(v) => setWebNode(i, { url: v })}
              />
              <TextCell
                label="Authorization variable"
                value={n.authEnv ?? ""}
                problem={webProblems[i]!.authEnv}
                onChange={(v) => setWebNode(i, { authEnv: v })}
              />
              <RemoveCell
                onRemove={() =>
                  setEdit((e) => ({ ...e, webNodes: e.webNodes.filter((_, k) => k !== i) }))
                }
              />
            </tr>,
            <tr key={`${i}-oauth`} data-web-oauth-row={i}>
              <td className="muted" title={OAUTH_HELP}>
                or OAuth login
              </td>
              <td colSpan={3}>
                <OAuthField
                  label="OAuth token URL"
                  size={40}
                  value={n.oauth?.tokenUrl ?? ""}
                  problem={webProblems[i]!.tokenUrl}
                  onChange={(v) => setWebNode(i, { oauth: { ...n.oauth, tokenUrl: v } })}
                />
                <OAuthField
                  label="OAuth client id"
                  value={n.oauth?.clientId ?? ""}
                  problem={webProblems[i]!.clientId}
                  onChange={(v) => setWebNode(i, { oauth: { ...n.oauth, clientId: v } })}
                />
                <OAuthField
                  label="OAuth client secret variable"
                  value={n.oauth?.secretEnv ?? ""}
                  problem={webProblems[i]!.secretEnv}
                  onChange={(v) => setWebNode(i, { oauth: { ...n.oauth, secretEnv: v } })}
                />
                <OAuthField
                  label="OAuth scope"
                  value={n.oauth?.scope ?? ""}
                  problem={null}
                  onChange={(v) => setWebNode(i, { oauth: { ...n.oauth, scope: v } })}
                />
              </td>
            </tr>,
          ])}
        </tbody>
      </table>
      <div className="row">
        <button
          type="button"
          onClick={() =>
            setEdit((e) => ({
              ...e,
              webNodes: [...e.webNodes, { name: "", url: "http://", authEnv: "" }],
            }))
          }
        >
          Add DICOMweb service
        </button>
        <span className="spacer" />
        <button type="button" onClick={onCancel}>
          Cancel
        </button>{" "}
        <button type="submit" disabled={invalid || saving}>
          {saving ? "Saving…" : "Save"}
        </button>
      </div>
    </form>
  );
}
