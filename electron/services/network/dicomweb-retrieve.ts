// WADO-RS retrieve (PS3.18 10.4) of a study or series as multipart/related application/dicom,
// read as it streams (one part held at a time), each instance filed through the same filing as a
// C-GET sub-operation (node.ts); the CLI and the Query PACS screen both retrieve through
// `webRetrieveInto` and judge the outcome by `webRetrieveSucceeded`.
import { errorMessage } from "../../contract/errors";
import { endpoint, failure, request, type WebNode, type WebOptions } from "./dicomweb";
import { STATUS } from "./dimse-command";
import { boundaryOf, MultipartReader } from "./multipart";
import { splitPart10 } from "./part10";
import { NetworkError } from "./scu";
import type { GetInstance, RetrieveProgress, RetrieveTarget } from "./scu-retrieve";
import type { StoreAnswer } from "./receiver";

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

/** Every instance arrived and was filed: HTTP 200, something completed, nothing failed, not cancelled. */
export function webRetrieveSucceeded(w: WebRetrieveResult): boolean {
  return w.httpStatus === 200 && w.failed === 0 && !w.cancelled && w.completed > 0;
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
