// DICOMweb as a user agent (PS3.18), for a PACS that prefers HTTP to DIMSE: QIDO-RS search at
// study and series level (PS3.18 10.6), WADO-RS retrieve of a study or series as
// multipart/related application/dicom (10.4), STOW-RS store (10.5). Results map onto the DIMSE
// SCU's shapes (QueryMatch, RetrieveResult, SendOutcome) so the CLI reports both alike, and each
// retrieved instance goes through the same filing as a C-GET sub-operation (node.ts).
// Node's own fetch is used (no new dependency); every request has a timeout.
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import { errorMessage } from "../../contract/errors";
import { STATUS } from "./dimse-command";
import { boundaryOf, MultipartReader } from "./multipart";
import { splitPart10 } from "./part10";
import {
  NetworkError,
  numberOrNull,
  type QueryFilter,
  type QueryLevel,
  type QueryMatch,
} from "./scu";
import type { GetInstance, RetrieveProgress, RetrieveTarget } from "./scu-retrieve";
import type { SendOutcome } from "./scu-send";
import type { StoreAnswer } from "./receiver";

export interface WebNode {
  name: string;
  /** The service's base URL, e.g. http://pacs:8042/dicom-web (no trailing slash needed). */
  url: string;
  /** The environment variable holding the Authorization header's value, for a service behind a login. */
  authEnv?: string;
}

export interface WebOptions {
  /** Per request, ms (default 30 s; 10 min for `webRetrieve`, whose body is a whole study). */
  timeoutMs?: number;
}

function endpoint(node: WebNode, path: string, query?: URLSearchParams): string {
  const base = node.url.replace(/\/+$/, "");
  const q = query && [...query.keys()].length > 0 ? `?${query.toString()}` : "";
  return `${base}${path}${q}`;
}

/** The Authorization header of a node with `authEnv`, read at each request (never logged). */
function authorization(node: WebNode): Record<string, string> {
  if (!node.authEnv) return {};
  const value = process.env[node.authEnv];
  if (!value) {
    throw new NetworkError(
      `${node.name}: its authorization comes from the environment variable ${node.authEnv}, which is not set.`,
    );
  }
  return { Authorization: value };
}

/** One request with a timeout (and the caller's cancel); a transport failure names the node. */
async function request(
  node: WebNode,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const headers = {
    ...(init.headers as Record<string, string> | undefined),
    ...authorization(node),
  };
  try {
    return await fetch(url, {
      ...init,
      headers,
      signal: cancel ? AbortSignal.any([timeout, cancel]) : timeout,
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new NetworkError(`${node.name} (${url}): ${errorMessage(cause ?? err)}`, { cause: err });
  }
}

async function failure(node: WebNode, url: string, res: Response): Promise<NetworkError> {
  const body = (await res.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim();
  const hint =
    res.status === 401 || res.status === 403
      ? node.authEnv
        ? ` (the credentials in ${node.authEnv} were refused)`
        : " (the service wants a login: livercad nodes --add NAME URL --auth-env VAR)"
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

export interface WebRetrieveResult extends RetrieveProgress {
  /** The HTTP status of the retrieve (200 with parts; 404 when the service has no such study). */
  httpStatus: number;
  /** Stopped by `cancel`: the parts filed before stay. */
  cancelled: boolean;
  /** Why the first failed part failed (null when none failed). */
  firstFailure: string | null;
}

/**
 * WADO-RS retrieve of a study or one series as Part 10 instances (multipart/related;
 * type="application/dicom"), each filed through `file` as it arrives (the node's way in for a
 * C-GET sub-operation). A part that is not a DICOM file, or that `file` does not accept, counts
 * as failed; a body cut short fails the rest. `cancel` stops the transfer (nothing half-filed:
 * a part is filed only once its closing delimiter arrived).
 */
export async function webRetrieve(
  node: WebNode,
  target: RetrieveTarget,
  file: (instance: GetInstance) => Promise<StoreAnswer>,
  progress?: (p: RetrieveProgress) => void,
  cancel?: AbortSignal,
  options: WebOptions = {},
): Promise<WebRetrieveResult> {
  const path = target.seriesInstanceUid
    ? `/studies/${encodeURIComponent(target.studyInstanceUid)}/series/${encodeURIComponent(target.seriesInstanceUid)}`
    : `/studies/${encodeURIComponent(target.studyInstanceUid)}`;
  const url = endpoint(node, path);
  const res = await request(
    node,
    url,
    { headers: { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } },
    options.timeoutMs ?? 600_000,
    cancel,
  );
  const counts = { remaining: 0, completed: 0, failed: 0, warnings: 0 };
  if (res.status === 404 || res.status === 204) {
    await res.arrayBuffer().catch(() => undefined);
    return {
      httpStatus: res.status,
      cancelled: false,
      ...counts,
      firstFailure: `not found on ${node.name} (HTTP ${res.status})`,
    };
  }
  if (!res.ok) throw await failure(node, url, res);
  const boundary = boundaryOf(res.headers.get("content-type") ?? "");
  if (!boundary || !res.body) {
    throw new NetworkError(
      `${node.name} (${url}): expected multipart/related, got "${res.headers.get("content-type") ?? "no content type"}"`,
    );
  }
  let firstFailure: string | null = null;
  const filing: Promise<void>[] = [];
  const fail = (why: string): void => {
    counts.failed += 1;
    firstFailure ??= why;
  };
  const reader = new MultipartReader(boundary, (headers, body) => {
    let instance: GetInstance;
    try {
      const split = splitPart10(new Uint8Array(body));
      instance = {
        sopClassUid: split.sopClassUid,
        sopInstanceUid: split.sopInstanceUid,
        transferSyntaxUid: split.transferSyntaxUid,
        file: new Uint8Array(body),
      };
    } catch (err) {
      fail(
        `a part (${headers["content-type"] ?? "no content type"}) is not a DICOM file: ${errorMessage(err)}`,
      );
      progress?.({ ...counts });
      return;
    }
    filing.push(
      file(instance).then(
        (answer) => {
          if (answer.status === STATUS.success) counts.completed += 1;
          else
            fail(
              `${instance.sopInstanceUid}: ${answer.comment ?? `status 0x${answer.status.toString(16)}`}`,
            );
          progress?.({ ...counts });
        },
        (err: unknown) => fail(`${instance.sopInstanceUid}: ${errorMessage(err)}`),
      ),
    );
  });
  let cancelled = false;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) reader.push(chunk);
  } catch (err) {
    if (cancel?.aborted) cancelled = true;
    else fail(`the transfer broke off: ${errorMessage((err as { cause?: unknown }).cause ?? err)}`);
  }
  await Promise.allSettled(filing);
  if (!cancelled && !reader.complete && firstFailure === null) {
    fail("the body ended before its closing boundary");
  }
  return { httpStatus: res.status, cancelled, ...counts, firstFailure };
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

/** The part of the DICOM node (node.ts) a retrieval files through. */
export interface FilingNode {
  beginRetrieval(): number;
  fileRetrieved(
    retrievalId: number,
    calledAeTitle: string,
    instance: GetInstance,
  ): Promise<StoreAnswer>;
  retrievalEnded(retrievalId: number): void;
}

/**
 * A WADO-RS retrieval filed through the DICOM node exactly as a C-GET's sub-operations are
 * (same reader, store, registry, arrival window), the node's name standing as the calling AE.
 */
export async function webRetrieveInto(
  node: FilingNode,
  web: WebNode,
  target: RetrieveTarget,
  progress?: (p: RetrieveProgress) => void,
  cancel?: AbortSignal,
): Promise<WebRetrieveResult> {
  const id = node.beginRetrieval();
  try {
    return await webRetrieve(
      web,
      target,
      (instance) => node.fileRetrieved(id, web.name.slice(0, 16), instance),
      progress,
      cancel,
    );
  } finally {
    node.retrievalEnded(id);
  }
}
