// `livercad nodes | echo | query | retrieve | send`: the SCU side of the DICOM node. A remote node
// is a name from the data directory's network.json (`livercad nodes --add`) or AE@host:port.
import path from "node:path";
import { UsageError } from "../../contract/errors";
import { studyInstances } from "../../registry";
import { openServices } from "../../services/compose";
import { collectFiles } from "../../services/import";
import { resultFilesForSend } from "../../services/export/result-handlers";
import { checkAeTitle, checkPort, parseRemoteNode } from "../../services/network/config";
import {
  echo,
  find,
  statusText,
  type QueryFilter,
  type QueryLevel,
} from "../../services/network/scu";
import {
  get,
  move,
  type RetrieveProgress,
  type RetrieveResult,
  type RetrieveTarget,
} from "../../services/network/scu-retrieve";
import { send } from "../../services/network/scu-send";
import { webEcho, webQuery, webRetrieveInto, webSend } from "../../services/network/dicomweb";
import {
  readSettings,
  removeNode,
  resolveNode,
  resolveWebNode,
  upsertWebNode,
  type NamedWebNode,
  RETRIEVE_METHODS,
  retrieveMethodOf,
  upsertNode,
  writeSettings,
  type NetworkSettings,
  type RetrieveMethod,
} from "../../services/network/settings";
import { dataPaths } from "../../services/paths";
import { stringOption, type Command, type ParsedArgs } from "../command";
import { eventLine } from "./listen";
import type { DicomNode, NodeEvent } from "../../services/network/node";

function hex(status: number | null): string {
  return status === null ? "none" : `0x${status.toString(16).toUpperCase().padStart(4, "0")}`;
}

function settingsOf(args: ParsedArgs): { settings: NetworkSettings; root: string } {
  const root = dataPaths(stringOption(args, "db")).root;
  return { settings: readSettings(root), root };
}

function callingAe(args: ParsedArgs, settings: NetworkSettings): string {
  return checkAeTitle(stringOption(args, "aet") ?? settings.local.aeTitle, "--aet");
}

function nodeArg(args: ParsedArgs): string {
  const ref = args.positionals[0];
  if (!ref) throw new UsageError("Give the remote node: a configured name or AE@host:port.");
  return ref;
}

const common = {
  db: { type: "string" },
  aet: { type: "string" },
} as const;

export const nodesCommand: Command = {
  name: "nodes",
  summary: "List, add or remove the remote DICOM nodes (PACS, scanners) in network.json.",
  usage:
    "[--add NAME AE@host:port [--retrieve move|get]] [--add NAME http(s)://URL] [--remove NAME] [--db FILE]",
  help: [
    "Options:",
    "  --add NAME AE@HOST:PORT   add or replace a node (e.g. --add pacs PACS@10.0.0.5:104)",
    "  --retrieve move|get       with --add: retrieve by C-MOVE (default) or C-GET",
    "  --add NAME URL            add a DICOMweb service (QIDO-RS / WADO-RS / STOW-RS), e.g.",
    "                            --add pacsweb http://10.0.0.5:8042/dicom-web",
    "  --remove NAME             remove a node",
    "Settings live in the data directory's network.json (local AE, port, bind, allow-list too).",
  ].join("\n"),
  options: {
    db: { type: "string" },
    add: { type: "string" },
    remove: { type: "string" },
    retrieve: { type: "string" },
  },
  allowPositionals: true,
  async run(args) {
    const { settings, root } = settingsOf(args);
    let next = settings;
    const add = stringOption(args, "add");
    if (add !== undefined) {
      const spec = args.positionals[0];
      if (!spec) throw new UsageError("--add NAME needs AE@host:port or a DICOMweb URL after it.");
      const retrieve = stringOption(args, "retrieve");
      if (retrieve !== undefined && !(RETRIEVE_METHODS as readonly string[]).includes(retrieve)) {
        throw new UsageError(`--retrieve must be move or get, got "${retrieve}".`);
      }
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
        if (retrieve !== undefined) throw new UsageError("--retrieve is for DIMSE nodes only.");
        next = upsertWebNode(next, { name: add, url: spec });
      } else {
        next = upsertNode(next, {
          name: add,
          ...parseRemoteNode(spec),
          ...(retrieve ? { retrieve: retrieve as RetrieveMethod } : {}),
        });
      }
    }
    const remove = stringOption(args, "remove");
    if (remove !== undefined) next = removeNode(next, remove);
    if (next !== settings) writeSettings(root, next);
    const l = next.local;
    console.log(`local aet=${l.aeTitle} bind=${l.bind} port=${l.port} enabled=${l.enabled}`);
    for (const n of next.nodes) {
      console.log(
        `${n.name}\t${n.aeTitle}@${n.host}:${n.port}${n.retrieve === "get" ? "\tget" : ""}`,
      );
    }
    for (const n of next.webNodes) console.log(`${n.name}\t${n.url}\tdicomweb`);
    return 0;
  },
};

export const echoCommand: Command = {
  name: "echo",
  summary: "C-ECHO a remote node (verification).",
  usage: "<node> [--aet AE] [--db FILE]",
  help: "Prints `echo AE@host:port status=0x0000 ms=N`; exit code 1 when the node does not answer Success.",
  options: { ...common },
  allowPositionals: true,
  async run(args) {
    const { settings } = settingsOf(args);
    const web = resolveWebNode(settings, nodeArg(args));
    if (web) {
      // DICOMweb has no C-ECHO: a QIDO-RS search for one study shows the service answers.
      const w = await webEcho(web);
      console.log(`echo ${web.url} http=200 ms=${w.ms.toFixed(1)}`);
      return 0;
    }
    const node = resolveNode(settings, nodeArg(args));
    const r = await echo(node, { callingAeTitle: callingAe(args, settings) });
    console.log(
      `echo ${node.aeTitle}@${node.host}:${node.port} status=${hex(r.status)} ms=${r.ms.toFixed(1)}`,
    );
    return r.status === 0 ? 0 : 1;
  },
};

export const queryCommand: Command = {
  name: "query",
  summary: "C-FIND studies (or a study's series) on a remote node.",
  usage:
    "<node> [--patient-name N] [--patient-id ID] [--date RANGE] [--accession A] " +
    "[--modality MR] [--study UID] [--json]",
  help: [
    "Options:",
    "  --patient-name N  PN match, wildcards * and ? allowed (e.g. 'DOE^*')",
    "  --patient-id ID   Patient ID",
    "  --date RANGE      YYYYMMDD, YYYYMMDD-YYYYMMDD, -YYYYMMDD or YYYYMMDD-",
    "  --accession A     Accession Number",
    "  --modality M      Modalities in Study (default MR; '' for any)",
    "  --study UID       list the series of this study instead (series level)",
    "  --json            print the matches as JSON",
  ].join("\n"),
  options: {
    ...common,
    "patient-name": { type: "string" },
    "patient-id": { type: "string" },
    date: { type: "string" },
    accession: { type: "string" },
    modality: { type: "string" },
    study: { type: "string" },
    json: { type: "boolean" },
  },
  allowPositionals: true,
  async run(args) {
    const { settings } = settingsOf(args);
    const web = resolveWebNode(settings, nodeArg(args));
    const date = stringOption(args, "date");
    if (date !== undefined && !/^(\d{8})?-?(\d{8})?$/.test(date)) {
      throw new UsageError(`--date "${date}" is not YYYYMMDD or a range YYYYMMDD-YYYYMMDD.`);
    }
    const study = stringOption(args, "study");
    const level: QueryLevel = study ? "SERIES" : "STUDY";
    const filter: QueryFilter = {};
    const set = (key: keyof QueryFilter, v: string | undefined): void => {
      if (v !== undefined && v !== "") filter[key] = v;
    };
    set("patientName", stringOption(args, "patient-name"));
    set("patientId", stringOption(args, "patient-id"));
    set("studyDate", date);
    set("accessionNumber", stringOption(args, "accession"));
    set("modality", stringOption(args, "modality") ?? (study ? undefined : "MR"));
    set("studyInstanceUid", study);
    const matches = web
      ? await webQuery(web, level, filter)
      : await find(
          resolveNode(settings, nodeArg(args)),
          { callingAeTitle: callingAe(args, settings) },
          level,
          filter,
        );
    if (args.values.json === true) {
      console.log(JSON.stringify({ matches }, null, 2));
      return 0;
    }
    for (const m of matches) {
      console.log(
        level === "STUDY"
          ? [
              m.studyInstanceUid,
              m.studyDate,
              m.patientId,
              m.accessionNumber,
              m.modalities,
              m.instances ?? "",
              m.description,
            ].join("\t")
          : [
              m.seriesInstanceUid,
              m.seriesNumber ?? "",
              m.modalities,
              m.instances ?? "",
              m.description,
            ].join("\t"),
      );
    }
    console.log(`matches=${matches.length}`);
    return 0;
  },
};

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
  return w.httpStatus === 200 && w.failed === 0 && !w.cancelled && w.completed > 0;
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

export const sendCommand: Command = {
  name: "send",
  summary: "C-STORE files, folders or a stored study to a remote node; every response checked.",
  usage: "<node> [<path>...] [--study UID]... [--aet AE] [--db FILE]",
  help: [
    "Paths are files or folders (recursive): DICOM results (SR, presentation states, SEG) or images.",
    "--study UID sends a stored study: its images and the result objects filed beside them.",
    "Files go byte for byte (private tags kept). Prints each failure with its status, then",
    "`sent=N failed=M`; exit code 1 when any instance was not stored by the peer.",
  ].join("\n"),
  options: { ...common, study: { type: "string", multiple: true } },
  allowPositionals: true,
  async run(args) {
    const { settings } = settingsOf(args);
    const web = resolveWebNode(settings, nodeArg(args));
    const node = web ? null : resolveNode(settings, nodeArg(args));
    const walk = collectFiles(args.positionals.slice(1));
    const files = [...walk.files];
    const studyArgs = args.values.study;
    const studies = (Array.isArray(studyArgs) ? studyArgs : studyArgs ? [studyArgs] : []).filter(
      (s): s is string => typeof s === "string",
    );
    let resultProblems = 0;
    if (studies.length > 0) {
      const services = openServices({ dbFile: stringOption(args, "db") });
      const { registry, paths } = services;
      try {
        for (const uid of studies) {
          const rows = studyInstances(registry.db, uid);
          if (rows.length === 0) throw new UsageError(`Study ${uid} is not in the registry.`);
          const registered = new Set(
            rows.map((r) => path.join(paths.store, ...r.storePath.split("/"))),
          );
          // Result objects received or written beside the study are in its store folder too.
          const folder = path.dirname(path.dirname([...registered][0]!));
          // The current analysis' SR / GSPS (stored on first use, issue 15); superseded ones stay.
          const results = await resultFilesForSend(registry, uid);
          if (results.problem) {
            console.log(`not sent results of ${uid}: ${results.problem}`);
            resultProblems += 1;
          }
          const all = collectFiles([folder]).files.filter(
            (f) => f.endsWith(".dcm") && !results.superseded.has(f),
          );
          files.push(...new Set([...registered, ...results.current, ...all]));
        }
      } finally {
        await services.close();
      }
    }
    for (const p of walk.problems) console.log(`not sent ${p.path}: ${p.reason}`);
    if (files.length === 0)
      throw new UsageError("Nothing to send: give files, folders or --study.");
    // DICOMweb: one STOW-RS request; DIMSE: C-STORE on one association.
    const outcomes = node
      ? await send(node, { callingAeTitle: callingAe(args, settings) }, files)
      : await webSend(web!, files);
    let failed = walk.problems.length + resultProblems;
    for (const o of outcomes) {
      if (o.ok) continue;
      failed += 1;
      console.log(`not stored ${o.path} status=${hex(o.status)}: ${o.reason ?? ""}`);
    }
    console.log(`sent=${outcomes.filter((o) => o.ok).length} failed=${failed}`);
    return failed === 0 ? 0 : 1;
  },
};
