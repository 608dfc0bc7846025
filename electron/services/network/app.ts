// The listener inside the app: started with the workstation when the data directory's
// network.json says `local.enabled`, with its AE title, port, bind address, allow-list, quiet
// period and auto-analysis; received studies appear on the worklist and complete ones are queued
// through the workstation's own analysis queue. Runs under plain Node (Electron main, dev:web).
import type { Registry } from "../../registry";
import { assignStudySequences, readInstance } from "../import/defaults";
import { DicomNode, type NodeEvent } from "./node";
import { readSettings } from "./settings";

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
