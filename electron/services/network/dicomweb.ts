// DICOMweb as a user agent (PS3.18), for a PACS that prefers HTTP to DIMSE: QIDO-RS search at
// study and series level (PS3.18 10.6) and STOW-RS store (10.5) here, WADO-RS retrieve in
// dicomweb-retrieve.ts. Results map onto the DIMSE SCU's shapes (QueryMatch, SendOutcome) so the
// CLI reports both alike. Node's own fetch is used (no new dependency); every request goes through
// `request` (timeout, cancel, the node's Authorization, a transport failure naming the node); an
// OAuth node's token comes from oauth.ts and is renewed once if the service answers 401.
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import { errorMessage } from "../../contract/errors";
import { accessToken, type OAuthClient } from "./oauth";
import { splitPart10 } from "./part10";
import {
  NetworkError,
  numberOrNull,
  type QueryFilter,
  type QueryLevel,
  type QueryMatch,
} from "./scu";
import type { SendOutcome } from "./scu-send";

export interface WebNode {
  name: string;
  /** The service's base URL, e.g. http://pacs:8042/dicom-web (no trailing slash needed). */
  url: string;
  /** The environment variable holding the Authorization header's value, for a service behind a login. */
  authEnv?: string;
  /** OAuth 2.0 client credentials instead (a Bearer token from the site's identity provider). */
  oauth?: OAuthClient;
}

export interface WebOptions {
  /** Per request, ms (default 30 s; 10 min for `webRetrieve`, whose body is a whole study). */
  timeoutMs?: number;
}

export function endpoint(node: WebNode, path: string, query?: URLSearchParams): string {
  const base = node.url.replace(/\/+$/, "");
  const q = query && [...query.keys()].length > 0 ? `?${query.toString()}` : "";
  return `${base}${path}${q}`;
}

/**
 * The Authorization header: an OAuth node's Bearer token (`stale`: the one the service just
 * refused), or the value of a node's `authEnv`, read at each request (never logged).
 */
async function authorization(
  node: WebNode,
  timeoutMs: number,
  stale?: string,
): Promise<Record<string, string>> {
  if (node.oauth) {
    const token = await accessToken(node.name, node.oauth, Math.min(timeoutMs, 30_000), stale);
    return { Authorization: `Bearer ${token}` };
  }
  if (!node.authEnv) return {};
  const value = process.env[node.authEnv];
  if (!value) {
    throw new NetworkError(
      `${node.name}: its authorization comes from the environment variable ${node.authEnv}, which is not set.`,
    );
  }
  return { Authorization: value };
}

/**
 * One request with a timeout (and the caller's cancel); a transport failure names the node. An
 * OAuth node's 401 (its token revoked or expired early) renews the token and sends the request
 * once more, so `init.body` must be bytes or text, not a stream.
 */
export async function request(
  node: WebNode,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<Response> {
  const send = async (auth: Record<string, string>): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await fetch(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string> | undefined), ...auth },
        signal: cancel ? AbortSignal.any([timeout, cancel]) : timeout,
      });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      throw new NetworkError(`${node.name} (${url}): ${errorMessage(cause ?? err)}`, {
        cause: err,
      });
    }
  };
  const auth = await authorization(node, timeoutMs);
  const res = await send(auth);
  if (res.status !== 401 || !node.oauth) return res;
  await res.arrayBuffer().catch(() => undefined);
  const refused = auth.Authorization!.slice("Bearer ".length);
  return send(await authorization(node, timeoutMs, refused));
}

export async function failure(node: WebNode, url: string, res: Response): Promise<NetworkError> {
  const body = (await res.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim();
  const hint =
    res.status === 401 || res.status === 403
      ? node.oauth
        ? ` (the service refused a fresh token of client ${node.oauth.clientId} from ${node.oauth.tokenUrl}: check the client's roles and scope)`
        : node.authEnv
          ? ` (the credentials in ${node.authEnv} were refused)`
          : " (the service wants a login: livercad nodes --add NAME URL --auth-env VAR, or --oauth-token-url)"
      : "";
  return new NetworkError(
    `${node.name} (${url}): HTTP ${res.status} ${res.statusText}${body ? `: ${body}` : ""}${hint}`,
  );
}

/** Reachability, as C-ECHO is for DIMSE: one QIDO-RS search for at most one study. */
export async function webEcho(
  node: WebNode,
  options: WebOptions = {},
): Promise<{ ok: true; ms: number }> {
  const started = performance.now();
  const url = endpoint(node, "/studies", new URLSearchParams({ limit: "1" }));
  const res = await request(
    node,
    url,
    { headers: { Accept: "application/dicom+json" } },
    options.timeoutMs ?? 30_000,
  );
  if (!res.ok) throw await failure(node, url, res);
  await res.arrayBuffer();
  return { ok: true, ms: performance.now() - started };
}

/** One attribute of a DICOM JSON object (PS3.18 F.2) as text; PN by its alphabetic group. */
function jsonText(obj: Record<string, { Value?: unknown[] }>, tag: string): string {
  const values = obj[tag]?.Value;
  if (!values || values.length === 0) return "";
  return values
    .map((v) =>
      typeof v === "object" && v !== null
        ? ((v as { Alphabetic?: string }).Alphabetic ?? "")
        : String(v),
    )
    .join("\\");
}

/**
 * QIDO-RS search: studies (filtered as C-FIND's study level) or the series of one study. The
 * keys are the DIMSE ones as query parameters (PS3.18 8.3.4), fuzzy matching off.
 */
export async function webQuery(
  node: WebNode,
  level: QueryLevel,
  filter: QueryFilter,
  options: WebOptions = {},
): Promise<QueryMatch[]> {
  const q = new URLSearchParams();
  let path = "/studies";
  if (level === "STUDY") {
    if (filter.patientName) q.set("PatientName", filter.patientName);
    if (filter.patientId) q.set("PatientID", filter.patientId);
    if (filter.studyDate) q.set("StudyDate", filter.studyDate);
    if (filter.accessionNumber) q.set("AccessionNumber", filter.accessionNumber);
    if (filter.modality) q.set("ModalitiesInStudy", filter.modality);
    if (filter.studyInstanceUid) q.set("StudyInstanceUID", filter.studyInstanceUid);
    for (const f of ["StudyDescription", "NumberOfStudyRelatedInstances"])
      q.append("includefield", f);
  } else {
    if (!filter.studyInstanceUid) {
      throw new NetworkError("A series-level search needs the Study Instance UID.");
    }
    path = `/studies/${encodeURIComponent(filter.studyInstanceUid)}/series`;
    if (filter.modality) q.set("Modality", filter.modality);
    for (const f of ["SeriesDescription", "NumberOfSeriesRelatedInstances"])
      q.append("includefield", f);
  }
  const url = endpoint(node, path, q);
  const res = await request(
    node,
    url,
    { headers: { Accept: "application/dicom+json" } },
    options.timeoutMs ?? 30_000,
  );
  // 204 No Content: nothing matched (PS3.18 8.3.4.4).
  if (res.status === 204) return [];
  if (!res.ok) throw await failure(node, url, res);
  const text = await res.text();
  let list: unknown;
  try {
    list = text.trim() === "" ? [] : JSON.parse(text);
  } catch (err) {
    throw new NetworkError(
      `${node.name} (${url}): the answer is not DICOM JSON: ${errorMessage(err)}`,
    );
  }
  if (!Array.isArray(list)) {
    throw new NetworkError(`${node.name} (${url}): the answer is not a DICOM JSON array`);
  }
  return list.map((o) => {
    const obj = o as Record<string, { Value?: unknown[] }>;
    const study = level === "STUDY";
    return {
      level,
      studyInstanceUid: jsonText(obj, "0020000D") || (filter.studyInstanceUid ?? ""),
      seriesInstanceUid: study ? null : jsonText(obj, "0020000E"),
      patientName: jsonText(obj, "00100010"),
      patientId: jsonText(obj, "00100020"),
      studyDate: jsonText(obj, "00080020"),
      accessionNumber: jsonText(obj, "00080050"),
      description: jsonText(obj, study ? "00081030" : "0008103E"),
      modalities: jsonText(obj, study ? "00080061" : "00080060"),
      seriesNumber: study ? null : numberOrNull(jsonText(obj, "00200011")),
      instances: numberOrNull(jsonText(obj, study ? "00201208" : "00201209")),
    };
  });
}

/**
 * STOW-RS: the files in one multipart/related request (PS3.18 10.5), byte for byte. The answer's
 * Referenced SOP Sequence (0008,1199) names what was stored, the Failed SOP Sequence (0008,1198)
 * what was not, with its Failure Reason (0008,1197); a file named in neither counts as failed.
 */
export async function webSend(
  node: WebNode,
  files: string[],
  options: WebOptions = {},
): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = [];
  const parts: Buffer[] = [];
  const boundary = `livercad-${randomUUID()}`;
  const sent = new Map<string, SendOutcome>();
  for (const path of files) {
    try {
      const bytes = fs.readFileSync(path);
      const split = splitPart10(new Uint8Array(bytes));
      const outcome: SendOutcome = {
        path,
        sopInstanceUid: split.sopInstanceUid,
        status: null,
        ok: false,
        reason: null,
      };
      outcomes.push(outcome);
      sent.set(split.sopInstanceUid, outcome);
      parts.push(
        Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
        bytes,
        Buffer.from("\r\n"),
      );
    } catch (err) {
      outcomes.push({
        path,
        sopInstanceUid: "",
        status: null,
        ok: false,
        reason: `not sent: ${errorMessage(err)}`,
      });
    }
  }
  if (sent.size === 0) return outcomes;
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const url = endpoint(node, "/studies");
  const res = await request(
    node,
    url,
    {
      method: "POST",
      headers: {
        "Content-Type": `multipart/related; type="application/dicom"; boundary=${boundary}`,
        Accept: "application/dicom+json",
      },
      body: Buffer.concat(parts),
    },
    options.timeoutMs ?? 120_000,
  );
  const text = await res.text().catch(() => "");
  let answer: Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }> = {};
  try {
    answer = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    // Not DICOM JSON: judged by the HTTP status alone below.
  }
  for (const item of answer["00081199"]?.Value ?? []) {
    const o = sent.get(jsonText(item, "00081155"));
    if (o) Object.assign(o, { status: 0, ok: true, reason: null });
  }
  for (const item of answer["00081198"]?.Value ?? []) {
    const o = sent.get(jsonText(item, "00081155"));
    const code = numberOrNull(jsonText(item, "00081197"));
    if (o)
      Object.assign(o, {
        status: code,
        ok: false,
        reason: `failure reason ${code === null ? "not given" : `0x${code.toString(16).toUpperCase().padStart(4, "0")}`}`,
      });
  }
  for (const o of sent.values()) {
    if (o.ok || o.reason) continue;
    o.reason = res.ok
      ? `HTTP ${res.status}: not named in the answer's Referenced SOP Sequence`
      : `HTTP ${res.status} ${res.statusText}`;
  }
  return outcomes;
}
