// `livercad nodes | echo | query | send` (`retrieve` is in retrieve.ts): the SCU side of the
// DICOM node. A remote node is a name from the data directory's network.json
// (`livercad nodes --add`) or AE@host:port.
import path from "node:path";
import { UsageError } from "../../contract/errors";
import { studyInstances } from "../../registry";
import { openServices } from "../../services/compose";
import { collectFiles } from "../../services/import";
import { resultFilesForSend } from "../../services/export/result-handlers";
import { checkAeTitle, parseRemoteNode } from "../../services/network/config";
import { echo, find, type QueryFilter, type QueryLevel } from "../../services/network/scu";
import { send } from "../../services/network/scu-send";
import { webEcho, webQuery, webSend } from "../../services/network/dicomweb";
import {
  readSettings,
  removeNode,
  resolveNode,
  resolveWebNode,
  upsertWebNode,
  checkEnvName,
  checkOAuth,
  RETRIEVE_METHODS,
  upsertNode,
  writeSettings,
  type NetworkSettings,
  type RetrieveMethod,
} from "../../services/network/settings";
import { dataPaths } from "../../services/paths";
import { stringOption, type Command, type ParsedArgs } from "../command";

export function hex(status: number | null): string {
  return status === null ? "none" : `0x${status.toString(16).toUpperCase().padStart(4, "0")}`;
}

export function settingsOf(args: ParsedArgs): { settings: NetworkSettings; root: string } {
  const root = dataPaths(stringOption(args, "db")).root;
  return { settings: readSettings(root), root };
}

export function callingAe(args: ParsedArgs, settings: NetworkSettings): string {
  return checkAeTitle(stringOption(args, "aet") ?? settings.local.aeTitle, "--aet");
}

/** The --oauth-* options of `nodes --add`, checked; undefined when none is given. */
function oauthOption(args: ParsedArgs) {
  return checkOAuth(
    {
      tokenUrl: stringOption(args, "oauth-token-url"),
      clientId: stringOption(args, "oauth-client-id"),
      secretEnv: stringOption(args, "oauth-secret-env"),
      scope: stringOption(args, "oauth-scope"),
    },
    "",
    {
      tokenUrl: "--oauth-token-url",
      clientId: "--oauth-client-id",
      secretEnv: "--oauth-secret-env",
    },
  );
}

export function nodeArg(args: ParsedArgs): string {
  const ref = args.positionals[0];
  if (!ref) throw new UsageError("Give the remote node: a configured name or AE@host:port.");
  return ref;
}

export const common = {
  db: { type: "string" },
  aet: { type: "string" },
} as const;

export const nodesCommand: Command = {
  name: "nodes",
  summary: "List, add or remove the remote DICOM nodes (PACS, scanners) in network.json.",
  usage:
    "[--add NAME AE@host:port [--retrieve move|get]] [--add NAME http(s)://URL [--auth-env VAR | --oauth-token-url URL --oauth-client-id ID --oauth-secret-env VAR [--oauth-scope S]]] [--remove NAME] [--db FILE]",
  help: [
    "Options:",
    "  --add NAME AE@HOST:PORT   add or replace a node (e.g. --add pacs PACS@10.0.0.5:104)",
    "  --retrieve move|get       with --add: retrieve by C-MOVE (default) or C-GET",
    "  --add NAME URL            add a DICOMweb service (QIDO-RS / WADO-RS / STOW-RS), e.g.",
    "                            --add pacsweb http://10.0.0.5:8042/dicom-web",
    "  --auth-env VAR            with a DICOMweb --add: send the value of the environment variable",
    "                            VAR as the Authorization header (e.g. 'Basic dXNlcjpwYXNz'); the",
    "                            secret stays out of network.json",
    "  --oauth-token-url URL     with a DICOMweb --add: log in by OAuth 2.0 client credentials at",
    "                            this token endpoint instead; with --oauth-client-id ID and",
    "                            --oauth-secret-env VAR (the variable holding the client secret),",
    "                            optionally --oauth-scope 'S1 S2'; the Bearer token is renewed",
    "                            before it expires and when the service refuses it",
    "  --remove NAME             remove a node",
    "Settings live in the data directory's network.json (local AE, port, bind, allow-list too).",
  ].join("\n"),
  options: {
    db: { type: "string" },
    add: { type: "string" },
    remove: { type: "string" },
    retrieve: { type: "string" },
    "auth-env": { type: "string" },
    "oauth-token-url": { type: "string" },
    "oauth-client-id": { type: "string" },
    "oauth-secret-env": { type: "string" },
    "oauth-scope": { type: "string" },
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
      const authEnv = stringOption(args, "auth-env");
      const oauth = oauthOption(args);
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
        if (retrieve !== undefined) throw new UsageError("--retrieve is for DIMSE nodes only.");
        if (authEnv !== undefined) checkEnvName(authEnv, "--auth-env");
        if (authEnv !== undefined && oauth) {
          throw new UsageError(
            "--auth-env and --oauth-token-url are two ways to log in: give one.",
          );
        }
        next = upsertWebNode(next, {
          name: add,
          url: spec,
          ...(authEnv ? { authEnv } : {}),
          ...(oauth ? { oauth } : {}),
        });
      } else {
        if (authEnv !== undefined || oauth)
          throw new UsageError("--auth-env and --oauth-* are for DICOMweb services only.");
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
    for (const n of next.webNodes) {
      const login = n.authEnv
        ? `\tauth=$${n.authEnv}`
        : n.oauth
          ? `\toauth=${n.oauth.clientId}@${n.oauth.tokenUrl} secret=$${n.oauth.secretEnv}`
          : "";
      console.log(`${n.name}\t${n.url}\tdicomweb${login}`);
    }
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
