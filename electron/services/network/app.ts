// The listener inside the app: started with the workstation when the data directory's
// network.json says `local.enabled`, with its AE title, port, bind address, allow-list, quiet
// period and auto-analysis; received studies appear on the worklist and complete ones are queued
// through the workstation's own analysis queue. Runs under plain Node (Electron main, dev:web).
import type { EchoView, NetworkStatusView } from "../../contract/ipc";
import { errorMessage } from "../../contract/errors";
import type { Registry } from "../../registry";
import { assignStudySequences, readInstance } from "../import/defaults";
import { DicomNode, type NodeEvent } from "./node";
import { echo } from "./scu";
import { readSettings, resolveNode } from "./settings";

export interface AppNodeHooks {
  /** A study's arrival window closed; `analyze` holds it when it should be queued. */
  arrived(studyInstanceUids: string[], analyze: string[]): void;
  onEvent?(event: NodeEvent): void;
}

/** Starts the configured listener, or resolves null when network.json does not enable it. */
export async function startConfiguredNode(
  registry: Registry,
  hooks: AppNodeHooks,
): Promise<DicomNode | null> {
  const settings = readSettings(registry.paths.root);
  const local = settings.local;
  if (!local.enabled) return null;
  const node = new DicomNode({
    registry,
    receiver: {
      aeTitle: local.aeTitle,
      port: local.port,
      bind: local.bind,
      allowed: local.allowed,
    },
    quietMs: local.quietSeconds * 1000,
    autoAnalyze: local.autoAnalyze,
    read: readInstance,
    assign: assignStudySequences,
    // Queuing goes through the workstation, which also runs the queue and refreshes the worklist.
    onEvent: (event) => {
      if (event.kind === "settled") {
        const s = event.study;
        const analyze = s.complete && s.error === null && local.autoAnalyze;
        hooks.arrived([s.studyInstanceUid], analyze ? [s.studyInstanceUid] : []);
      }
      hooks.onEvent?.(event);
    },
  });
  await node.start();
  return node;
}

/** Status and echo for the Network panel, over the listener the workstation started (or not). */
export function networkControl(
  registry: Registry,
  node: () => Promise<DicomNode | null>,
  problem: () => string | null,
): { status(): Promise<NetworkStatusView>; echo(name: string): Promise<EchoView> } {
  return {
    async status() {
      const settings = readSettings(registry.paths.root);
      const running = await node();
      const l = settings.local;
      return {
        enabled: l.enabled,
        listening: running !== null,
        aeTitle: running?.receiver.config.aeTitle ?? l.aeTitle,
        bind: running?.receiver.config.bind ?? l.bind,
        port: running?.receiver.port ?? l.port,
        allowed: l.allowed.map((a) =>
          a.addresses && a.addresses.length > 0
            ? `${a.aeTitle}@${a.addresses.join(",")}`
            : a.aeTitle,
        ),
        quietSeconds: l.quietSeconds,
        autoAnalyze: l.autoAnalyze,
        nodes: settings.nodes,
        arrivals: (running?.arrivals.list() ?? []).slice(0, 50).map((a) => ({
          studyInstanceUid: a.studyInstanceUid,
          state: a.state,
          instances: a.instances,
          callingAeTitles: a.callingAeTitles,
        })),
        problem: problem(),
      };
    },
    async echo(name) {
      const settings = readSettings(registry.paths.root);
      const target = resolveNode(settings, name);
      const started = performance.now();
      try {
        const r = await echo(target, { callingAeTitle: settings.local.aeTitle, timeoutMs: 10_000 });
        return { name, ok: r.status === 0, status: r.status, ms: r.ms, error: null };
      } catch (err) {
        return {
          name,
          ok: false,
          status: null,
          ms: performance.now() - started,
          error: errorMessage(err),
        };
      }
    },
  };
}
