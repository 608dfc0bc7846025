// `livercad retrieve`: studies or series from a remote node into this workstation, by C-MOVE to
// our own AE, C-GET on our own association, or WADO-RS from a DICOMweb node; each retrieved study
// is imported like a received one and queued for analysis. SIGINT/SIGTERM cancels (C-CANCEL).
import { UsageError } from "../../contract/errors";
import { openServices } from "../../services/compose";
import { checkPort } from "../../services/network/config";
import { webRetrieveInto, webRetrieveSucceeded } from "../../services/network/dicomweb-retrieve";
import type { DicomNode, NodeEvent } from "../../services/network/node";
import { statusText } from "../../services/network/scu";
import {
  get,
  move,
  type RetrieveProgress,
  type RetrieveResult,
  type RetrieveTarget,
} from "../../services/network/scu-retrieve";
import {
  resolveNode,
  resolveWebNode,
  RETRIEVE_METHODS,
  retrieveMethodOf,
  type NamedWebNode,
  type RetrieveMethod,
} from "../../services/network/settings";
import { stringOption, type Command } from "../command";
import { eventLine } from "./listen";
import { callingAe, common, hex, nodeArg, settingsOf } from "./network";

/**
 * One WADO-RS retrieval, filed through the node as a C-GET's sub-operations are; prints
 * `retrieve <study> http=N completed=N failed=N [series=UID] method=wado[: why]`. True when every
 * instance arrived and was filed.
 */
async function webRetrieveOne(
  web: NamedWebNode,
  target: RetrieveTarget,
  local: DicomNode,
  progress: (p: RetrieveProgress) => void,
  cancel: AbortSignal,
): Promise<boolean> {
  const w = await webRetrieveInto(local, web, target, progress, cancel);
  if (process.stderr.isTTY) process.stderr.write("\n");
  const series = target.seriesInstanceUid ? ` series=${target.seriesInstanceUid}` : "";
  const why = w.firstFailure ? `: ${w.firstFailure}` : w.cancelled ? ": cancelled" : "";
  console.log(
    `retrieve ${target.studyInstanceUid} http=${w.httpStatus} completed=${w.completed} ` +
      `failed=${w.failed}${series} method=wado${why}`,
  );
  return webRetrieveSucceeded(w);
}

export const retrieveCommand: Command = {
  name: "retrieve",
  summary: "C-MOVE or C-GET studies (or series) from a remote node, import and analyze them.",
  usage:
    "<node> <studyUID>... [--series UID]... [--method move|get] [--aet AE] [--port P] " +
    "[--bind ADDR] [--no-listen] [--no-analyze] [--cancel-seconds S] [--db FILE]",
  help: [
    "C-MOVE (the default, or the node's `retrieve` setting in network.json): the remote node must",
    "know our AE title (--aet, default network.json's local AE) as a move destination with this",
    "host and port. A receiver is started on --port (default network.json's local port) for the",
    "retrieval; --no-listen when `livercad listen` already runs.",
    "C-GET (--method get): the instances come back on our own association; no port, no listener.",
    "--series UID retrieves only that series of the one study given (SERIES level); repeatable.",
    "Retrieved studies are imported like received ones and queued for analysis (--no-analyze: not).",
    "SIGINT/SIGTERM cancels the running retrieval (C-CANCEL, PS3.7 9.3.2.3 / 9.3.3.3): what arrived",
    "stays imported; the peer's final response (status 0xFE00 Cancel) is awaited --cancel-seconds",
    "(default 10), then the association is aborted; studies not started are skipped; exit 130/143.",
  ].join("\n"),
  options: {
    ...common,
    port: { type: "string" },
    bind: { type: "string" },
    series: { type: "string", multiple: true },
    method: { type: "string" },
    "no-listen": { type: "boolean" },
    "no-analyze": { type: "boolean" },
    models: { type: "string" },
    "cancel-seconds": { type: "string" },
  },
  allowPositionals: true,
  async run(args) {
    const { settings } = settingsOf(args);
    const ref = nodeArg(args);
    const cancelSeconds = Number(stringOption(args, "cancel-seconds") ?? "10");
    if (!Number.isFinite(cancelSeconds) || cancelSeconds < 0 || cancelSeconds > 600) {
      throw new UsageError(
        `--cancel-seconds must be a number of seconds from 0 to 600, got "${stringOption(args, "cancel-seconds")}".`,
      );
    }
    const web = resolveWebNode(settings, ref);
    const node = web ? null : resolveNode(settings, ref);
    const studies = args.positionals.slice(1);
    if (studies.length === 0) throw new UsageError("Give at least one Study Instance UID.");
    const seriesArg = args.values.series;
    const series = (Array.isArray(seriesArg) ? seriesArg : seriesArg ? [seriesArg] : []).filter(
      (x): x is string => typeof x === "string",
    );
    if (series.length > 0 && studies.length !== 1) {
      throw new UsageError(
        "--series needs exactly one Study Instance UID: the study the series belong to " +
          "(Study Root SERIES level, PS3.4 C.4.1.2.1).",
      );
    }
    for (const uid of [...studies, ...series]) {
      if (!/^[0-9]+(\.[0-9]+)*$/.test(uid) || uid.length > 64) {
        throw new UsageError(`"${uid}" is not a UID (digits and dots, at most 64 characters).`);
      }
    }
    const methodArg = stringOption(args, "method");
    if (methodArg !== undefined && !(RETRIEVE_METHODS as readonly string[]).includes(methodArg)) {
      throw new UsageError(`--method must be move or get, got "${methodArg}".`);
    }
    if (web && methodArg !== undefined) {
      throw new UsageError(`${ref} is a DICOMweb node: it is retrieved by WADO-RS, not --method.`);
    }
    const method: RetrieveMethod | "wado" = web
      ? "wado"
      : ((methodArg as RetrieveMethod | undefined) ?? retrieveMethodOf(settings, ref));
    const targets: RetrieveTarget[] =
      series.length > 0
        ? series.map((s) => ({ studyInstanceUid: studies[0]!, seriesInstanceUid: s }))
        : studies.map((s) => ({ studyInstanceUid: s }));
    const aet = callingAe(args, settings);
    // C-GET and WADO-RS file through the node's import path without listening anywhere.
    const listen = method !== "move" || args.values["no-listen"] !== true;
    const autoAnalyze = args.values["no-analyze"] !== true;
    const services = openServices({
      dbFile: stringOption(args, "db"),
      models: { root: stringOption(args, "models") },
      ...(listen && autoAnalyze ? { analysis: {} } : {}),
      ...(listen
        ? {
            listener: {
              receiver: {
                aeTitle: aet,
                port:
                  method === "move"
                    ? checkPort(stringOption(args, "port") ?? settings.local.port, "--port")
                    : 0,
                bind: stringOption(args, "bind") ?? settings.local.bind,
                allowed: [...(node ? [{ aeTitle: node.aeTitle }] : []), ...settings.local.allowed],
              },
              quietMs: 0,
              autoAnalyze,
              onEvent: (e: NodeEvent) => {
                const line = e.kind === "association-ended" ? null : eventLine(e);
                if (line) console.log(line);
              },
            },
          }
        : {}),
    });
    const { analysis, listener: local } = services;
    let failed = 0;
    // SIGINT/SIGTERM cancels the running retrieval (C-CANCEL) instead of killing the process, so
    // the association ends cleanly and the instances already filed stay consistent.
    const cancelling = new AbortController();
    let signalled: NodeJS.Signals | null = null;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (signalled) return;
      signalled = sig;
      console.error(
        `${sig}: cancelling the retrieval (C-CANCEL); waiting up to ${cancelSeconds} s for the peer`,
      );
      cancelling.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const cancel = { signal: cancelling.signal, timeoutMs: cancelSeconds * 1000 };
    try {
      if (local && method === "move") await local.start();
      for (const target of targets) {
        if (cancelling.signal.aborted) {
          console.log(`retrieve ${target.studyInstanceUid} not started (cancelled)`);
          failed += 1;
          continue;
        }
        const label = target.seriesInstanceUid
          ? `${target.studyInstanceUid} series ${target.seriesInstanceUid}`
          : target.studyInstanceUid;
        const seriesKey = target.seriesInstanceUid ? ` series=${target.seriesInstanceUid}` : "";
        const progress = (p: RetrieveProgress): void => {
          if (process.stderr.isTTY) {
            process.stderr.write(
              `\r${label}: ${p.completed} done, ${p.remaining} to go, ${p.failed} failed`,
            );
          }
        };
        if (web) {
          if (!(await webRetrieveOne(web, target, local!, progress, cancelling.signal))) {
            failed += 1;
          }
          continue;
        }
        let r: RetrieveResult;
        let refused = "";
        if (method === "get") {
          const id = local!.beginRetrieval();
          try {
            const g = await get(
              node!,
              { callingAeTitle: aet },
              target,
              (instance) => local!.fileRetrieved(id, node!.aeTitle, instance),
              progress,
              cancel,
            );
            r = g;
            // A sub-operation we refused is a failure on our side even where the peer counts it
            // as a warning: the instance is not here.
            if (g.refused > 0) {
              r = { ...g, failed: Math.max(g.failed, g.refused) };
              refused = ` refused=${g.refused}: ${g.firstRefusal ?? ""}`;
            }
          } finally {
            local!.retrievalEnded(id);
          }
        } else {
          r = await move(node!, { callingAeTitle: aet }, target, aet, progress, cancel);
        }
        if (process.stderr.isTTY) process.stderr.write("\n");
        const ok = r.status === 0 && r.failed === 0 && r.cancel === undefined;
        if (!ok) failed += 1;
        const said =
          r.status === null
            ? "no final response: association aborted after C-CANCEL"
            : statusText(r.status);
        console.log(
          `retrieve ${target.studyInstanceUid} status=${hex(r.status)} (${said}) ` +
            `completed=${r.completed} failed=${r.failed} warnings=${r.warnings}${seriesKey} ` +
            `method=${method}${refused}`,
        );
        if (r.cancel === "aborted") {
          console.error(
            `${node!.aeTitle} sent no final response within ${cancelSeconds} s of the C-CANCEL: ` +
              "the association was aborted (A-ABORT); the instances filed before stay imported.",
          );
        }
      }
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await local?.close();
      if (analysis && signalled) {
        console.log("analysis not run: cancelled (`livercad analyze` runs what was queued)");
      } else if (analysis) {
        const summary = await analysis.processQueue().catch((err: Error) => {
          console.log(`analysis not run: ${err.message}`);
          return null;
        });
        if (summary) console.log(`analyzed done=${summary.done} failed=${summary.failed}`);
      }
      await services.close();
    }
    // 128 + the signal number, as a shell reports a command stopped by it.
    if (signalled) return signalled === "SIGINT" ? 130 : 143;
    return failed === 0 ? 0 : 1;
  },
};
