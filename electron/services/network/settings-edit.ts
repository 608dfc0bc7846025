// The Network settings editor's save (issue 14 round 6): what the panel sends is checked value by
// value, each failure naming the field (and the node) and the rule it breaks, then written to
// network.json, the same file `livercad nodes` and `livercad listen` read. What changed is listed
// for the audit log: AE titles, addresses and ports, never patient data.
import net from "node:net";
import type { Request } from "../../contract/ipc";
import { UsageError } from "../../contract/errors";
import { checkAeTitle, checkPort, parseAllowedPeer } from "./config";
import { checkEnvName, checkOAuth, checkWebUrl, type NetworkSettings } from "./settings";

export type SettingsEdit = Request<"network:save-settings">;

/** Longest quiet period accepted: an hour (a study's window would otherwise never close in use). */
export const MAX_QUIET_SECONDS = 3600;

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function checkHost(value: string, what: string): string {
  const host = value.trim();
  if (host === "") throw new UsageError(`${what} is empty.`);
  if (net.isIP(host) === 0 && !HOST_NAME.test(host)) {
    throw new UsageError(`${what} "${host}" is neither an IP address nor a host name.`);
  }
  return host;
}

/**
 * A remote node's name (`kind` "Remote node" or "DICOMweb service", the `index`-th of its list):
 * not empty, no control character, not taken by another node of either kind. Returns the name
 * and how messages about the node begin.
 */
function checkNodeName(
  kind: string,
  index: number,
  value: string,
  names: Set<string>,
): { name: string; where: string } {
  const name = value.trim();
  const where = name === "" ? `${kind} ${index + 1}` : `${kind} "${name}"`;
  if (name === "") throw new UsageError(`${where} has no name.`);
  if (/[\x00-\x1f\x7f]/.test(name)) {
    throw new UsageError(`${where}: the name has a control character.`);
  }
  if (names.has(name)) throw new UsageError(`${where} is listed twice.`);
  names.add(name);
  return { name, where };
}

/**
 * The settings the editor asks for, checked. The bind address is an IP literal: the listener binds
 * exactly it (0.0.0.0: every interface); one this machine does not have fails at the listener's
 * restart, which the panel shows as the listener's problem. An edit without `webNodes` keeps
 * `current`'s DICOMweb nodes; a DIMSE node and a DICOMweb node never share a name.
 */
export function applySettingsEdit(
  edit: SettingsEdit,
  current: Pick<NetworkSettings, "webNodes"> = { webNodes: [] },
): NetworkSettings {
  const l = edit.local;
  const aeTitle = checkAeTitle(l.aeTitle, "Local AE title");
  const port = checkPort(l.port, "Local port");
  const bind = l.bind.trim();
  if (net.isIP(bind) === 0) {
    throw new UsageError(`Bind address "${bind}" is not an IP address (e.g. 127.0.0.1, 10.1.2.3).`);
  }
  if (
    !Number.isFinite(l.quietSeconds) ||
    l.quietSeconds < 0 ||
    l.quietSeconds > MAX_QUIET_SECONDS
  ) {
    throw new UsageError(
      `Quiet period must be from 0 to ${MAX_QUIET_SECONDS} seconds, got ${l.quietSeconds}.`,
    );
  }
  const allowed = l.allowed
    .map((a) => a.trim())
    .filter((a) => a !== "")
    .map((a) => {
      const peer = parseAllowedPeer(a);
      for (const address of peer.addresses ?? []) {
        if (net.isIP(address) === 0) {
          throw new UsageError(`Allowed caller "${a}": "${address}" is not an IP address.`);
        }
      }
      return peer;
    });
  const names = new Set<string>();
  const nodes = edit.nodes.map((n, i) => {
    const { name, where } = checkNodeName("Remote node", i, n.name, names);
    return {
      name,
      aeTitle: checkAeTitle(n.aeTitle, `${where}: AE title`),
      host: checkHost(n.host, `${where}: host`),
      port: checkPort(n.port, `${where}: port`),
      ...(n.retrieve === "get" ? { retrieve: "get" as const } : {}),
    };
  });
  const webNodes = (edit.webNodes ?? current.webNodes).map((n, i) => {
    const { name, where } = checkNodeName("DICOMweb service", i, n.name, names);
    const authEnv = n.authEnv?.trim() ?? "";
    const oauth = checkOAuth(n.oauth ?? {}, where, {
      tokenUrl: "OAuth token URL",
      clientId: "OAuth client id",
      secretEnv: "OAuth client secret variable",
    });
    if (authEnv !== "" && oauth) {
      throw new UsageError(
        `${where}: an authorization variable and OAuth are two ways to log in: give one.`,
      );
    }
    return {
      name,
      url: checkWebUrl(n.url, `${where}: URL`),
      ...(authEnv !== ""
        ? { authEnv: checkEnvName(authEnv, `${where}: authorization variable`) }
        : {}),
      ...(oauth ? { oauth } : {}),
    };
  });
  return {
    local: {
      aeTitle,
      port,
      bind,
      enabled: l.enabled,
      allowed,
      quietSeconds: l.quietSeconds,
      autoAnalyze: l.autoAnalyze,
      ...(l.queryRetrieve !== undefined ? { queryRetrieve: l.queryRetrieve } : {}),
    },
    nodes,
    webNodes,
  };
}

export interface SettingsChanges {
  /** Local fields that changed, each from -> to. */
  local: Record<string, { from: unknown; to: unknown }>;
  added: string[];
  removed: string[];
  changed: string[];
}

/** What the save changed, for the audit log (issue 13 §6: who changed which setting, from, to). */
export function settingsChanges(before: NetworkSettings, after: NetworkSettings): SettingsChanges {
  const local: SettingsChanges["local"] = {};
  const show = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map((p: { aeTitle: string; addresses?: string[] }) =>
          p.addresses?.length ? `${p.aeTitle}@${p.addresses.join(",")}` : p.aeTitle,
        )
      : v;
  for (const key of Object.keys(after.local) as (keyof NetworkSettings["local"])[]) {
    const from = show(before.local[key]);
    const to = show(after.local[key]);
    if (JSON.stringify(from) !== JSON.stringify(to)) local[key] = { from, to };
  }
  // One name space for both kinds of node; a node is its address and how it is reached.
  const addresses = (s: NetworkSettings): Map<string, string> =>
    new Map([
      ...s.nodes.map(
        (n) => [n.name, `${n.aeTitle}@${n.host}:${n.port}/${n.retrieve ?? "move"}`] as const,
      ),
      ...s.webNodes.map(
        (n) =>
          [n.name, `web ${n.url} ${n.authEnv ?? ""} ${JSON.stringify(n.oauth ?? null)}`] as const,
      ),
    ]);
  const old = addresses(before);
  const now = addresses(after);
  return {
    local,
    added: [...now.keys()].filter((k) => !old.has(k)),
    removed: [...old.keys()].filter((k) => !now.has(k)),
    changed: [...now.entries()].filter(([k, a]) => old.has(k) && old.get(k) !== a).map(([k]) => k),
  };
}

export function hasChanges(c: SettingsChanges): boolean {
  return (
    Object.keys(c.local).length > 0 ||
    c.added.length > 0 ||
    c.removed.length > 0 ||
    c.changed.length > 0
  );
}
