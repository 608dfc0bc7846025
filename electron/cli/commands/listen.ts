// `livercad listen`: the headless DICOM node. Receives C-ECHO / C-STORE, files every instance into
// the data directory, closes each study's arrival window and queues complete studies for analysis.
// Runs until SIGINT or SIGTERM, then finishes the stores in progress and exits 0.
import { openServices } from "../../services/compose";
import {
  checkAeTitle,
  checkPort,
  DEFAULT_AE_TITLE,
  DEFAULT_BIND,
  DEFAULT_PORT,
  DEFAULT_QUIET_SECONDS,
  parseAllowedPeer,
} from "../../services/network/config";
import type { NodeEvent } from "../../services/network/node";
import { destinationByAeTitle, readSettings } from "../../services/network/settings";
import { dataPaths } from "../../services/paths";
import { UsageError } from "../../contract/errors";
import { stringOption, type Command, type ParsedArgs } from "../command";

function listOption(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
}

function hex(status: number): string {
  return `0x${status.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** One line per event that matters to a site's log; no patient data, UIDs only. */
export function eventLine(e: NodeEvent): string | null {
  switch (e.kind) {
    case "association-accepted":
      return null;
    case "association-rejected":
      return `association rejected from ${e.remoteAddress}: ${e.reason}`;
    case "association-ended": {
      const s = e.summary;
      return (
        `association ${s.associationId} from ${s.callingAeTitle}@${s.remoteAddress} ${s.end}: ` +
        `stored=${s.stored} failed=${s.failed}`
      );
    }
    case "protocol-error":
      return `protocol error from ${e.remoteAddress}: ${e.reason}`;
    case "instance":
      return e.outcome === "failed"
        ? `store failed ${hex(e.status)} ${e.sopInstanceUid}: ${e.reason ?? ""}`
        : null;
    case "settled": {
      const s = e.study;
      const state = s.error
        ? `error: ${s.error}`
        : s.complete
          ? s.queued
            ? "complete, queued for analysis"
            : "complete"
          : `incomplete: missing ${s.missing.join(", ")}`;
      return `study ${s.studyInstanceUid} arrived: ${s.instances} instances from ${s.callingAeTitles.join(", ")}; ${state}`;
    }
    case "qr": {
      // Levels, counts and statuses only: the query's keys may hold patient names.
      const q = e.event;
      if (q.kind === "find") {
        return (
          `c-find from ${q.callingAeTitle} ${q.model} ROOT level=${q.level ?? "?"} ` +
          `matches=${q.matches} status=${hex(q.status)}${q.cancelled ? " cancelled" : ""}`
        );
      }
      return (
        `c-${q.op.toLowerCase()} from ${q.callingAeTitle}` +
        `${q.destination !== null ? ` to ${q.destination}` : ""} level=${q.level ?? "?"} ` +
        `completed=${q.completed} failed=${q.failed} warnings=${q.warnings} ` +
        `status=${hex(q.status)}${q.cancelled ? " cancelled" : ""}`
      );
    }
  }
}

export const listenCommand: Command = {
  name: "listen",
  summary:
    "Run the DICOM node (C-ECHO, C-STORE, and C-FIND / C-MOVE / C-GET SCP) until SIGINT/SIGTERM.",
  usage:
    "--port P [--aet AE] [--bind ADDR] [--db FILE] [--allow AE[@addr,...]]... " +
    "[--quiet-seconds S] [--no-analyze] [--no-qr] [--models DIR]",
  help: [
    "Options:",
    `  --port P            TCP port (default ${DEFAULT_PORT}; 0: any free port, printed)`,
    `  --aet AE            our AE title, the called AE senders must use (default ${DEFAULT_AE_TITLE})`,
    `  --bind ADDR         address to listen on (default ${DEFAULT_BIND}; 0.0.0.0 for every interface)`,
    "  --db FILE           registry database (default: the data directory's registry.sqlite)",
    "  --allow AE[@ADDRS]  a calling AE allowed to send, optionally only from these comma-separated",
    "                      addresses; repeat for each peer. Without --allow any calling AE is accepted.",
    `  --quiet-seconds S   arrival window: a study is complete S seconds after its last`,
    `                      association ended with no new instance (default ${DEFAULT_QUIET_SECONDS})`,
    "  --no-analyze        do not queue complete studies for analysis on arrival",
    "  --no-qr             no Query/Retrieve SCP: answer only C-ECHO and C-STORE (also network.json",
    '                      "local": {"queryRetrieve": false}). When on, peers on the allow-list may',
    "                      C-FIND this registry (Study and Patient Root) and C-MOVE / C-GET its",
    "                      studies; a C-MOVE destination must be a node of `livercad nodes`.",
    "  --models DIR        model root for auto-analysis (default: $LIVERCAD_MODELS, else native-models/)",
    "",
    "Prints `listening aet=AE bind=ADDR port=P` once ready; on SIGINT/SIGTERM finishes the stores",
    "in progress, closes the arrival windows and prints `received imported=N ...`.",
  ].join("\n"),
  options: {
    port: { type: "string" },
    aet: { type: "string" },
    bind: { type: "string" },
    db: { type: "string" },
    allow: { type: "string", multiple: true },
    "quiet-seconds": { type: "string" },
    "no-analyze": { type: "boolean" },
    "no-qr": { type: "boolean" },
    models: { type: "string" },
  },
  async run(args) {
    const aeTitle = checkAeTitle(stringOption(args, "aet") ?? DEFAULT_AE_TITLE, "--aet");
    const port = checkPort(stringOption(args, "port") ?? DEFAULT_PORT, "--port", true);
    const bind = stringOption(args, "bind") ?? DEFAULT_BIND;
    const allowed = listOption(args, "allow").map(parseAllowedPeer);
    const quietText = stringOption(args, "quiet-seconds") ?? String(DEFAULT_QUIET_SECONDS);
    const quietSeconds = Number(quietText);
    if (!Number.isFinite(quietSeconds) || quietSeconds < 0) {
      throw new UsageError(`--quiet-seconds must be a number >= 0, got "${quietText}".`);
    }
    const autoAnalyze = args.values["no-analyze"] !== true;
    // network.json is read for the Q/R switch and, at each C-MOVE, for its destinations.
    const dbFile = stringOption(args, "db");
    const dataRoot = dataPaths(dbFile).root;
    const queryRetrieve =
      args.values["no-qr"] !== true && readSettings(dataRoot).local.queryRetrieve !== false;
    const log = (line: string): void => {
      console.log(`${new Date().toISOString()} ${line}`);
    };
    // Complete studies are queued through the analysis service when auto-analysis is on.
    const services = openServices({
      dbFile,
      models: { root: stringOption(args, "models") },
      ...(autoAnalyze ? { analysis: {} } : {}),
      listener: {
        receiver: { aeTitle, port, bind, allowed },
        quietMs: quietSeconds * 1000,
        autoAnalyze,
        ...(queryRetrieve
          ? { qr: { destination: (ae: string) => destinationByAeTitle(dataRoot, ae) } }
          : {}),
        onEvent: (e) => {
          const line = eventLine(e);
          if (line) log(line);
        },
      },
    });
    const { listener: node, analysis } = services;
    let bound: number;
    try {
      bound = await node.start();
    } catch (err) {
      await services.close();
      throw new UsageError(
        `Cannot listen on ${bind}:${port}: ${(err as Error).message}. ` +
          "Pick another --port or --bind (ports below 1024 need privileges).",
      );
    }
    if (allowed.length === 0) log("warning: no --allow given, any calling AE may send");
    log(
      queryRetrieve
        ? "query/retrieve on: C-FIND, C-MOVE (to configured nodes) and C-GET of this registry"
        : "query/retrieve off",
    );
    analysis?.on((e) => {
      if (e.type === "finished") {
        log(`analysis of ${e.studyInstanceUid} ${e.state}: ${e.status ?? ""}`);
      }
    });
    let modelProblemShown = false;
    analysis?.start(500, (err) => {
      if (modelProblemShown) return;
      modelProblemShown = true;
      log(`auto-analysis cannot run: ${(err as Error).message}`);
    });
    // Printed after the socket is bound: scripts and tests wait for this exact line.
    console.log(`listening aet=${aeTitle} bind=${bind} port=${bound}`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    // The node first (stores in progress finish, arrival windows close), then the analysis loop,
    // the inference worker and the registry.
    await services.close();
    const c = node.counters;
    console.log(
      `received imported=${c.imported} duplicates=${c.duplicates} objects=${c.objects} ` +
        `failed=${c.failed} associations=${c.associations} rejected=${c.rejectedAssociations}`,
    );
    return 0;
  },
};
