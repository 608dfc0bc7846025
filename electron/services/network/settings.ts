// The site's network settings: our listener (AE title, port, bind address, allow-list, arrival
// window, auto-analysis) and the remote nodes we query, retrieve from and send to. One JSON file
// in the data directory, `network.json`, so a headless site can edit it and the app and the CLI
// read the same one; written atomically (tmp + rename). Validated on every read: a bad file is
// refused with the field that is wrong, never silently replaced.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { UsageError } from "../../contract/errors";
import {
  checkAeTitle,
  checkPort,
  DEFAULT_AE_TITLE,
  DEFAULT_BIND,
  DEFAULT_PORT,
  DEFAULT_QUIET_SECONDS,
  parseRemoteNode,
  type RemoteNode,
} from "./config";

const aeTitle = z.string().refine(
  (v) => {
    try {
      checkAeTitle(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: "not a valid AE title (1-16 ASCII characters, no backslash)" },
);
const port = z.number().int().min(1).max(65535);

export const RETRIEVE_METHODS = ["move", "get"] as const;
export type RetrieveMethod = (typeof RETRIEVE_METHODS)[number];

/** An environment variable's name, as POSIX shells accept it. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const Settings = z
  .object({
    local: z
      .object({
        aeTitle: aeTitle.default(DEFAULT_AE_TITLE),
        port: port.default(DEFAULT_PORT),
        bind: z.string().min(1).default(DEFAULT_BIND),
        /** Start the listener with the app. */
        enabled: z.boolean().default(false),
        allowed: z
          .array(z.object({ aeTitle, addresses: z.array(z.string()).optional() }).strict())
          .default([]),
        quietSeconds: z.number().min(0).default(DEFAULT_QUIET_SECONDS),
        autoAnalyze: z.boolean().default(true),
        /**
         * The Query/Retrieve SCP (C-FIND / C-MOVE / C-GET of what this workstation holds) on the
         * listener; absent means on (issue 14 §4).
         */
        queryRetrieve: z.boolean().optional(),
      })
      .strict()
      .prefault({}),
    nodes: z
      .array(
        z
          .object({
            name: z.string().min(1),
            aeTitle,
            host: z.string().min(1),
            port,
            /**
             * How studies are retrieved from it: C-MOVE to our listener (the default) or C-GET on
             * the query association (PS3.4 C.4.3), for a PACS that prefers it or cannot reach us.
             */
            retrieve: z.enum(RETRIEVE_METHODS).optional(),
          })
          .strict(),
      )
      .default([]),
    /**
     * DICOMweb services (PS3.18: QIDO-RS, WADO-RS, STOW-RS) by name, for a PACS that prefers
     * HTTP; used by `livercad echo / query / retrieve / send` like the DIMSE nodes.
     */
    webNodes: z
      .array(
        z
          .object({
            name: z.string().min(1),
            url: z.string().regex(/^https?:\/\/[^\s/]+/, "an http:// or https:// base URL"),
            /**
             * The environment variable whose value is sent as the Authorization header (e.g.
             * "Basic dXNlcjpwYXNz" or "Bearer ..."), so that no secret is written to network.json.
             */
            authEnv: z.string().regex(ENV_NAME, "an environment variable name").optional(),
            /**
             * OAuth 2.0 client credentials (RFC 6749 4.4) instead of `authEnv`: the token endpoint,
             * the client id, the environment variable holding the client secret, the scopes.
             */
            oauth: z
              .object({
                tokenUrl: z.string().regex(/^https?:\/\/[^\s/]+/, "an http:// or https:// URL"),
                clientId: z.string().min(1),
                secretEnv: z.string().regex(ENV_NAME, "an environment variable name"),
                scope: z.string().min(1).optional(),
              })
              .strict()
              .optional(),
          })
          .strict()
          .refine((n) => !(n.authEnv && n.oauth), {
            message: "authEnv and oauth cannot both be set",
          }),
      )
      .default([]),
  })
  .strict();

export type NetworkSettings = z.infer<typeof Settings>;
export type NamedNode = NetworkSettings["nodes"][number];

export function settingsPath(dataRoot: string): string {
  return path.join(dataRoot, "network.json");
}

export function readSettings(dataRoot: string): NetworkSettings {
  const file = settingsPath(dataRoot);
  if (!fs.existsSync(file)) return Settings.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = Settings.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  return parsed.data;
}

/** Writes network.json atomically; what is left out gets its default (an empty node list...). */
export function writeSettings(dataRoot: string, settings: z.input<typeof Settings>): void {
  const valid = Settings.parse(settings);
  const file = settingsPath(dataRoot);
  fs.mkdirSync(dataRoot, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(valid, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export type NamedWebNode = NetworkSettings["webNodes"][number];

/** Adds or replaces the node called `name` (a DICOMweb node of that name is replaced too). */
export function upsertNode(settings: NetworkSettings, node: NamedNode): NetworkSettings {
  checkAeTitle(node.aeTitle, "remote AE title");
  checkPort(node.port, "remote port");
  return {
    ...settings,
    nodes: [...settings.nodes.filter((n) => n.name !== node.name), node],
    webNodes: settings.webNodes.filter((n) => n.name !== node.name),
  };
}

/** An environment variable's name, checked; `what` names the field in the message. */
export function checkEnvName(value: string, what: string): string {
  if (!ENV_NAME.test(value)) {
    throw new UsageError(`${what} "${value}" is not an environment variable name.`);
  }
  return value;
}

/** A DICOMweb base URL, checked: http:// or https://; `what` prefixes the message. */
export function checkWebUrl(value: string, what = ""): string {
  const text = value.trim();
  const prefix = what ? `${what}: ` : "";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `${prefix}"${text}" is not a URL (e.g. http://pacs.example:8042/dicom-web).`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(
      `${prefix}"${text}": a DICOMweb service is reached over http:// or https://.`,
    );
  }
  return text;
}

/** The OAuth fields of a DICOMweb node as typed (CLI options, the settings editor). */
export interface OAuthFields {
  tokenUrl?: string;
  clientId?: string;
  secretEnv?: string;
  scope?: string;
}

/**
 * A DICOMweb node's OAuth client credentials, checked: none when every field is empty, else the
 * token URL, the client id and the secret's variable are all needed. `what` prefixes a message
 * and `names` gives the fields' names as the user sees them (options or form labels).
 */
export function checkOAuth(
  fields: OAuthFields,
  what: string,
  names = { tokenUrl: "token URL", clientId: "client id", secretEnv: "client secret variable" },
): NonNullable<NamedWebNode["oauth"]> | undefined {
  const tokenUrl = fields.tokenUrl?.trim() ?? "";
  const clientId = fields.clientId?.trim() ?? "";
  const secretEnv = fields.secretEnv?.trim() ?? "";
  const scope = fields.scope?.trim().replace(/\s+/g, " ") ?? "";
  if (!tokenUrl && !clientId && !secretEnv && !scope) return undefined;
  const prefix = what ? `${what}: ` : "";
  for (const [key, value] of [
    ["tokenUrl", tokenUrl],
    ["clientId", clientId],
    ["secretEnv", secretEnv],
  ] as const) {
    if (!value) throw new UsageError(`${prefix}OAuth needs the ${names[key]} too.`);
  }
  return {
    tokenUrl: checkWebUrl(tokenUrl, `${prefix}${names.tokenUrl}`),
    clientId,
    secretEnv: checkEnvName(secretEnv, `${prefix}${names.secretEnv}`),
    ...(scope ? { scope } : {}),
  };
}

/** Adds or replaces the DICOMweb node called `name` (a DIMSE node of that name is replaced). */
export function upsertWebNode(settings: NetworkSettings, node: NamedWebNode): NetworkSettings {
  checkWebUrl(node.url);
  return {
    ...settings,
    nodes: settings.nodes.filter((n) => n.name !== node.name),
    webNodes: [...settings.webNodes.filter((n) => n.name !== node.name), node],
  };
}

export function removeNode(settings: NetworkSettings, name: string): NetworkSettings {
  if (
    !settings.nodes.some((n) => n.name === name) &&
    !settings.webNodes.some((n) => n.name === name)
  ) {
    throw new UsageError(`No remote node named "${name}".`);
  }
  return {
    ...settings,
    nodes: settings.nodes.filter((n) => n.name !== name),
    webNodes: settings.webNodes.filter((n) => n.name !== name),
  };
}

/** The configured DICOMweb node called `ref`, or null (then `ref` is a DIMSE node). */
export function resolveWebNode(settings: NetworkSettings, ref: string): NamedWebNode | null {
  if (settings.nodes.some((n) => n.name === ref)) return null;
  return settings.webNodes.find((n) => n.name === ref) ?? null;
}

/** A configured node's name, or AE@host:port written out. */
export function resolveNode(settings: NetworkSettings, ref: string): RemoteNode {
  const named = settings.nodes.find((n) => n.name === ref);
  if (named) return { aeTitle: named.aeTitle, host: named.host, port: named.port };
  if (ref.includes("@")) return parseRemoteNode(ref);
  const known =
    [...settings.nodes, ...settings.webNodes].map((n) => n.name).join(", ") || "none configured";
  throw new UsageError(`Unknown node "${ref}": give a configured name (${known}) or AE@host:port.`);
}

/**
 * A C-MOVE destination by AE title among the configured nodes (PS3.4 C.4.2.2.1: the SCP knows
 * its destinations; the request carries only the AE title); read at each use, so a node added
 * with `livercad nodes --add` counts without a restart. Null when none has that AE title.
 */
export function destinationByAeTitle(dataRoot: string, aeTitle: string): RemoteNode | null {
  const n = readSettings(dataRoot).nodes.find((x) => x.aeTitle === aeTitle.trim());
  return n ? { aeTitle: n.aeTitle, host: n.host, port: n.port } : null;
}

/** The retrieve method configured for `ref` (a node name), C-MOVE when none is set. */
export function retrieveMethodOf(settings: NetworkSettings, ref: string): RetrieveMethod {
  return settings.nodes.find((n) => n.name === ref)?.retrieve ?? "move";
}
