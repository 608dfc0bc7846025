// The listener inside the app: started with the workstation when the data directory's
// network.json says `local.enabled`, with its AE title, port, bind address, allow-list, quiet
// period and auto-analysis; received studies appear on the worklist and complete ones are queued
// through the workstation's own analysis queue. Runs under plain Node (Electron main, dev:web).
import type {
  EchoView,
  NetworkStatusView,
  QuerySeriesView,
  QueryStudyView,
  Request,
  RetrievalView,
} from "../../contract/ipc";
import { errorMessage, UsageError } from "../../contract/errors";
import type { Registry } from "../../registry";
import { assignStudySequences, readInstance } from "../import/defaults";
import { DicomNode, type NodeEvent } from "./node";
import { appendAudit } from "../../registry";
import { retrieveInto, type RetrievalSource } from "./app-retrieval";
import { webEcho, webQuery } from "./dicomweb";
import { echo, find, type QueryFilter, type QueryLevel, type QueryMatch } from "./scu";
import {
  destinationByAeTitle,
  readSettings,
  resolveNode,
  resolveWebNode,
  retrieveMethodOf,
  writeSettings,
  type NetworkSettings,
} from "./settings";
import { applySettingsEdit, hasChanges, settingsChanges } from "./settings-edit";
import type { RemoteNode } from "./config";

/** A configured node by name only: the renderer cannot point the workstation at any address. */
function namedNode(settings: NetworkSettings, name: string): RemoteNode {
  const n = settings.nodes.find((x) => x.name === name);
  if (!n) {
    const known =
      [...settings.nodes, ...settings.webNodes].map((x) => x.name).join(", ") || "none configured";
    throw new UsageError(`Unknown node "${name}" (configured: ${known}).`);
  }
  return { aeTitle: n.aeTitle, host: n.host, port: n.port };
}

/** The Query PACS screen's search fields as a study-level C-FIND filter, checked. */
export function queryFilter(req: Omit<Request<"network:query">, "name">): QueryFilter {
  const filter: QueryFilter = {};
  const put = (key: keyof QueryFilter, label: string, v: string | undefined): void => {
    const t = v?.trim();
    if (t === undefined || t === "") return;
    // A backslash is DICOM's value separator: it would turn one key into several.
    if (t.includes("\\")) throw new UsageError(`${label} must not contain a backslash.`);
    filter[key] = t;
  };
  put("patientName", "Patient name", req.patientName);
  put("patientId", "Patient ID", req.patientId);
  put("accessionNumber", "Accession number", req.accessionNumber);
  put("modality", "Modality", req.modality === undefined ? "MR" : req.modality);
  const from = req.dateFrom ?? "";
  const to = req.dateTo ?? "";
  if (from !== "" && to !== "" && from > to) {
    throw new UsageError(`The date range starts (${from}) after it ends (${to}).`);
  }
  if (from !== "" || to !== "") filter.studyDate = from === to ? from : `${from}-${to}`;
  return filter;
}

export interface AppNodeHooks {
  /** A study's arrival window closed; `analyze` holds it when it should be queued. */
  arrived(studyInstanceUids: string[], analyze: string[]): void;
  /** A study's first instance of an arrival window was filed: its row can show "receiving". */
  receiving?(studyInstanceUid: string): void;
  onEvent?(event: NodeEvent): void;
}

/** Starts the configured listener, or resolves null when network.json does not enable it. */
export async function startConfiguredNode(
  registry: Registry,
  hooks: AppNodeHooks,
): Promise<DicomNode | null> {
  if (!readSettings(registry.paths.root).local.enabled) return null;
  const node = configuredNode(registry, hooks);
  await node.start();
  return node;
}

/**
 * The node network.json configures (AE title, quiet period, auto-analysis, Q/R), not started. The
 * app files C-GET and WADO-RS retrievals through such a node when the listener is off: those need
 * no listening port (`livercad retrieve` does the same).
 */
export function configuredNode(registry: Registry, hooks: AppNodeHooks): DicomNode {
  const settings = readSettings(registry.paths.root);
  const local = settings.local;
  // Studies announced to the worklist in their current window: once each, not per instance.
  const announced = new Set<string>();
  return new DicomNode({
    registry,
    receiver: {
      aeTitle: local.aeTitle,
      port: local.port,
      bind: local.bind,
      allowed: local.allowed,
    },
    quietMs: local.quietSeconds * 1000,
    autoAnalyze: local.autoAnalyze,
    ...(local.queryRetrieve !== false
      ? { qr: { destination: (ae: string) => destinationByAeTitle(registry.paths.root, ae) } }
      : {}),
    read: readInstance,
    assign: assignStudySequences,
    // Queuing goes through the workstation, which also runs the queue and refreshes the worklist.
    onEvent: (event) => {
      if (
        event.kind === "instance" &&
        event.outcome === "imported" &&
        event.studyInstanceUid !== null &&
        !announced.has(event.studyInstanceUid)
      ) {
        announced.add(event.studyInstanceUid);
        hooks.receiving?.(event.studyInstanceUid);
      }
      if (event.kind === "settled") {
        announced.delete(event.study.studyInstanceUid);
        const s = event.study;
        const analyze = s.complete && s.error === null && local.autoAnalyze;
        hooks.arrived([s.studyInstanceUid], analyze ? [s.studyInstanceUid] : []);
      }
      hooks.onEvent?.(event);
    },
  });
}

/** Status and echo for the Network panel, over the listener the workstation started (or not). */
export function networkControl(
  registry: Registry,
  node: () => Promise<DicomNode | null>,
  problem: () => string | null,
  /** Closes the running listener and starts it again from network.json (the settings editor). */
  restart?: () => Promise<void>,
  /**
   * The node that files C-GET and WADO-RS retrievals while the listener is off (configuredNode):
   * `node()` makes it on first use, `made()` is it if made; absent: those need the listener too.
   */
  filing?: { node(): DicomNode; made(): DicomNode | null },
): {
  status(): Promise<NetworkStatusView>;
  echo(name: string): Promise<EchoView>;
  query(
    req: Request<"network:query">,
  ): Promise<{ matches: QueryStudyView[]; series?: QuerySeriesView[] }>;
  retrieve(req: Request<"network:retrieve">): Promise<RetrievalView[]>;
  cancelRetrieval(id: number): Promise<RetrievalView>;
  saveSettings(req: Request<"network:save-settings">, actor: string): Promise<NetworkStatusView>;
} {
  const retrievals: RetrievalView[] = [];
  // The running or queued retrievals' cancel switches, by retrieval id.
  const cancels = new Map<number, AbortController>();
  let nextRetrieval = 1;
  // One C-MOVE at a time: studies arrive one after another, each with its own progress.
  let chain: Promise<void> = Promise.resolve();
  const control = {
    async status(): Promise<NetworkStatusView> {
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
        webNodes: settings.webNodes,
        // With the listener off, what C-GET and WADO-RS retrievals brought in.
        arrivals: ((running ?? filing?.made())?.arrivals.list() ?? []).slice(0, 50).map((a) => ({
          studyInstanceUid: a.studyInstanceUid,
          state: a.state,
          instances: a.instances,
          callingAeTitles: a.callingAeTitles,
        })),
        problem: problem(),
        retrievals: retrievals.map((r) => ({ ...r })),
        queryRetrieve: l.queryRetrieve !== false,
      };
    },
    async echo(name: string): Promise<EchoView> {
      const settings = readSettings(registry.paths.root);
      // An unknown name is the caller's mistake (USAGE), not a failed echo.
      const web = resolveWebNode(settings, name);
      const target = web ? null : resolveNode(settings, name);
      const started = performance.now();
      try {
        if (web) {
          const w = await webEcho(web, { timeoutMs: 10_000 });
          return { name, ok: true, status: null, ms: w.ms, error: null };
        }
        const r = await echo(target!, {
          callingAeTitle: settings.local.aeTitle,
          timeoutMs: 10_000,
        });
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
    async query(
      req: Request<"network:query">,
    ): Promise<{ matches: QueryStudyView[]; series?: QuerySeriesView[] }> {
      const settings = readSettings(registry.paths.root);
      const web = resolveWebNode(settings, req.name);
      const search = (level: QueryLevel, filter: QueryFilter): Promise<QueryMatch[]> =>
        web
          ? webQuery(web, level, filter)
          : find(
              namedNode(settings, req.name),
              { callingAeTitle: settings.local.aeTitle, timeoutMs: 30_000 },
              level,
              filter,
            );
      if (req.studyInstanceUid !== undefined) {
        const series = await search("SERIES", { studyInstanceUid: req.studyInstanceUid });
        return {
          matches: [],
          series: series
            .map((m) => ({
              seriesInstanceUid: m.seriesInstanceUid ?? "",
              seriesNumber: m.seriesNumber,
              modality: m.modalities,
              description: m.description,
              instances: m.instances,
            }))
            .sort((a, b) => (a.seriesNumber ?? 1e9) - (b.seriesNumber ?? 1e9)),
        };
      }
      const matches = await search("STUDY", queryFilter(req));
      return {
        matches: matches.map((m) => ({
          studyInstanceUid: m.studyInstanceUid,
          patientName: m.patientName,
          patientId: m.patientId,
          studyDate: m.studyDate,
          accessionNumber: m.accessionNumber,
          description: m.description,
          modalities: m.modalities,
          instances: m.instances,
        })),
      };
    },
    async retrieve(req: Request<"network:retrieve">): Promise<RetrievalView[]> {
      const settings = readSettings(registry.paths.root);
      const web = resolveWebNode(settings, req.name);
      const dimse = web
        ? null
        : { node: namedNode(settings, req.name), method: retrieveMethodOf(settings, req.name) };
      const method = dimse?.method ?? "wado";
      if (req.seriesInstanceUid !== undefined && req.studyInstanceUids.length !== 1) {
        throw new UsageError("A series is retrieved from one study: give exactly one study UID.");
      }
      // C-GET and WADO-RS come back on our own connection: with the listener off they are filed
      // through a node that listens nowhere. C-MOVE needs the listener: the PACS connects to it.
      const running = (await node()) ?? (method !== "move" && filing ? filing.node() : null);
      if (!running) {
        throw new UsageError(
          method !== "move"
            ? `The DICOM node is off, and ${method === "get" ? "C-GET" : "WADO-RS"} files what it retrieves through it: enable it ` +
                "(network.json local.enabled)."
            : "The DICOM listener is not running, so nothing can receive a retrieval: enable it " +
                "(network.json local.enabled) and make this workstation's AE a move destination on the PACS.",
        );
      }
      const allowed = running.receiver.config.allowed;
      if (
        dimse?.method === "move" &&
        allowed.length > 0 &&
        !allowed.some((a) => a.aeTitle === dimse.node.aeTitle)
      ) {
        throw new UsageError(
          `The listener's allow-list does not include "${dimse.node.aeTitle}": the retrieved ` +
            "instances would be refused. Add it to network.json local.allowed.",
        );
      }
      const source: RetrievalSource = dimse
        ? { ...dimse, aeTitle: running.receiver.config.aeTitle }
        : { web: web! };
      const views = req.studyInstanceUids.map((uid): RetrievalView => ({
        id: nextRetrieval++,
        node: req.name,
        studyInstanceUid: uid,
        seriesInstanceUid: req.seriesInstanceUid ?? null,
        method,
        state: "queued",
        completed: 0,
        remaining: 0,
        failed: 0,
        warnings: 0,
        status: null,
        error: null,
      }));
      retrievals.unshift(...[...views].reverse());
      retrievals.splice(100);
      for (const view of views) {
        const cancelling = new AbortController();
        cancels.set(view.id, cancelling);
        chain = chain.then(async () => {
          // Cancelled while queued: never started, nothing to tell the peer.
          if (cancelling.signal.aborted) {
            cancels.delete(view.id);
            return;
          }
          view.state = "running";
          try {
            await retrieveInto(view, source, running, cancelling.signal);
          } catch (err) {
            view.state = cancelling.signal.aborted ? "cancelled" : "failed";
            view.error = errorMessage(err);
          } finally {
            cancels.delete(view.id);
          }
        });
      }
      return views.map((v) => ({ ...v }));
    },
    async cancelRetrieval(id: number): Promise<RetrievalView> {
      const view = retrievals.find((r) => r.id === id);
      if (!view) throw new UsageError(`No retrieval ${id} in this session's list.`);
      const switchOff = cancels.get(id);
      // Finished (or already being cancelled): nothing to do, the view says how it ended.
      if (!switchOff || switchOff.signal.aborted) return { ...view };
      if (view.state === "queued") {
        view.state = "cancelled";
        cancels.delete(id);
      } else {
        view.state = "cancelling";
      }
      switchOff.abort();
      return { ...view };
    },
    async saveSettings(
      req: Request<"network:save-settings">,
      actor: string,
    ): Promise<NetworkStatusView> {
      const before = readSettings(registry.paths.root);
      const after = applySettingsEdit(req, before);
      // An edit without the Q/R switch (an older client) keeps network.json's as it was.
      if (req.local.queryRetrieve === undefined && before.local.queryRetrieve !== undefined) {
        after.local.queryRetrieve = before.local.queryRetrieve;
      }
      const changes = settingsChanges(before, after);
      if (!hasChanges(changes)) return control.status();
      writeSettings(registry.paths.root, after);
      appendAudit(registry.db, {
        actor,
        action: "network.settings",
        studyRef: null,
        details: changes,
      });
      // The listener takes its AE title, address, allow-list and window at start: restart it
      // when any of them changed (nodes are read at each use).
      if (Object.keys(changes.local).length > 0) await restart?.();
      return control.status();
    },
  };
  return control;
}
