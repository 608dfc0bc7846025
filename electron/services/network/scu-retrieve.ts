// Retrieval as a service user: C-MOVE of a study or series to our own AE, and C-GET, whose
// sub-operations come back as C-STORE requests on our own association and are filed as received
// instances (PS3.4 C.4.2, C.4.3). Every sub-operation is counted, and a retrieval can be
// cancelled (C-CANCEL, then A-ABORT when the peer does not answer).
import type { Client } from "dcmjs-dimse";
import {
  requests as dimseRequests,
  type association as dimseAssociation,
  responses,
} from "dcmjs-dimse";
import { errorMessage } from "../../contract/errors";
import type { RemoteNode } from "./config";
import { errorComment, STATUS } from "./dimse-command";
import { part10File } from "./part10";
import { RawDatasetSink, type RawDataset } from "./pdu";
import type { StoreAnswer } from "./receiver";
import {
  ACCEPTED_TRANSFER_SYNTAXES,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  STORAGE_SOP_CLASSES,
} from "./sop-classes";
import {
  associate,
  NetworkError,
  statusText,
  type CancelHook,
  type ClientNetwork,
  type RetrieveCancel,
  type ScuOptions,
} from "./scu";

type Association = dimseAssociation.Association;

export interface RetrieveProgress {
  remaining: number;
  completed: number;
  failed: number;
  warnings: number;
}

export interface RetrieveResult extends RetrieveProgress {
  /** The final response's status; null when none came (the association was aborted). */
  status: number | null;
  /**
   * Set when the retrieval was cancelled: "answered" the peer sent its final response after our
   * C-CANCEL (0xFE00 Cancel, or its normal end if it had finished first); "aborted" it sent none
   * within the timeout and the association was aborted. The counts are the last ones received.
   */
  cancel?: "answered" | "aborted";
}

/** PS3.4 C.4.2.1.6 / C.4.3.1.5: sub-operations terminated due to a cancel indication. */
export const STATUS_CANCEL = 0xfe00;

/** What a retrieval asks for: a whole study, or one series of it (PS3.4 C.4.2.1.4 / C.4.3.1.3). */
export interface RetrieveTarget {
  studyInstanceUid: string;
  /** SERIES level instead of STUDY level. */
  seriesInstanceUid?: string;
}

function targetOf(target: string | RetrieveTarget): RetrieveTarget {
  return typeof target === "string" ? { studyInstanceUid: target } : target;
}

/** The retrieval's progress from a C-MOVE / C-GET response's sub-operation counts (PS3.7 C.4.2). */
function progressOf(r: responses.CMoveResponse | responses.CGetResponse): RetrieveProgress {
  return {
    remaining: r.getRemaining() ?? 0,
    completed: r.getCompleted() ?? 0,
    failed: r.getFailures() ?? 0,
    warnings: r.getWarnings() ?? 0,
  };
}

/** A retrieval request's responses: the last pending counts, then its final response. */
interface Tracked {
  last: RetrieveProgress;
  result: RetrieveResult | null;
  cancel: RetrieveResult["cancel"];
}

function track(
  request: dimseRequests.CMoveRequest | dimseRequests.CGetRequest,
  onProgress?: (p: RetrieveProgress) => void,
): Tracked {
  const t: Tracked = {
    last: { remaining: 0, completed: 0, failed: 0, warnings: 0 },
    result: null,
    cancel: undefined,
  };
  request.on("response", (r: responses.CMoveResponse | responses.CGetResponse) => {
    const p = progressOf(r);
    const status = r.getStatus();
    if (status === 0xff00) {
      t.last = p;
      onProgress?.(p);
    } else {
      // A Cancel response still counts what was left (PS3.4 C.4.2.1.6); a final one has none.
      t.result = { ...p, remaining: status === STATUS_CANCEL ? p.remaining : 0, status };
    }
  });
  return t;
}

/** Runs the retrieval's association, with its cancel when one is given, and returns its end. */
async function runRetrieval(
  node: RemoteNode,
  options: ScuOptions,
  label: "C-MOVE" | "C-GET",
  request: dimseRequests.CMoveRequest | dimseRequests.CGetRequest,
  t: Tracked,
  cancel: RetrieveCancel | undefined,
  prepareAssociation?: (association: Association) => void,
  prepareNetwork?: (client: Client, network: ClientNetwork) => void,
): Promise<RetrieveResult> {
  const hook: CancelHook | undefined = cancel && {
    ...cancel,
    request,
    finished: () => t.result !== null,
    requested: () => {
      t.cancel ??= "answered";
    },
    aborted: () => {
      t.cancel = "aborted";
    },
  };
  try {
    await associate(node, options, [request], prepareAssociation, prepareNetwork, hook);
  } catch (err) {
    // Our own A-ABORT after an unanswered cancel may surface as a socket error: expected.
    if (t.cancel !== "aborted") throw err;
  }
  if (t.result !== null) return t.cancel ? { ...t.result, cancel: t.cancel } : t.result;
  // Cancelled, and the association ended (aborted by us, or dropped by the peer) without a final
  // response: the counts are the last pending response's.
  if (t.cancel) return { ...t.last, status: null, cancel: "aborted" };
  throw new NetworkError(`${node.aeTitle}: ${label} got no final response`);
}

/** C-MOVE of one study (or one series) to `destinationAeTitle` (normally our own listener's AE). */
export async function move(
  node: RemoteNode,
  options: ScuOptions,
  target: string | RetrieveTarget,
  destinationAeTitle: string,
  onProgress?: (p: RetrieveProgress) => void,
  cancel?: RetrieveCancel,
): Promise<RetrieveResult> {
  const t = targetOf(target);
  const request =
    t.seriesInstanceUid === undefined
      ? dimseRequests.CMoveRequest.createStudyMoveRequest(destinationAeTitle, t.studyInstanceUid)
      : dimseRequests.CMoveRequest.createSeriesMoveRequest(
          destinationAeTitle,
          t.studyInstanceUid,
          t.seriesInstanceUid,
        );
  return runRetrieval(node, options, "C-MOVE", request, track(request, onProgress), cancel);
}

/** One instance a C-GET brought back on its own association (a C-STORE sub-operation). */
export interface GetInstance {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** The instance as a Part 10 file: new File Meta group + the sender's data set bytes. */
  file: Uint8Array;
}

export interface GetResult extends RetrieveResult {
  /** Sub-operations we answered Success (filed or already there). */
  stored: number;
  /** Sub-operations we answered with a failure status, with the first reason. */
  refused: number;
  firstRefusal: string | null;
}

/**
 * C-GET of one study (or series): the peer sends the instances back as C-STORE sub-operations on
 * this association (PS3.4 C.4.3), so no listener, port or move destination is needed. We propose
 * the storage SOP classes we file with the SCP role (SCP/SCU Role Selection, PS3.7 D.3.3.4) and
 * every transfer syntax the reader decodes; each sub-operation's data set is kept as the sender's
 * bytes (as in the receiver: no dcmjs round trip, private tags kept) and answered with the
 * status `store` returns, which is the receiver's per-instance import.
 */
export async function get(
  node: RemoteNode,
  options: ScuOptions,
  target: string | RetrieveTarget,
  store: (instance: GetInstance) => Promise<StoreAnswer>,
  onProgress?: (p: RetrieveProgress) => void,
  cancel?: RetrieveCancel,
): Promise<GetResult> {
  const t = targetOf(target);
  const request =
    t.seriesInstanceUid === undefined
      ? dimseRequests.CGetRequest.createStudyGetRequest(t.studyInstanceUid)
      : dimseRequests.CGetRequest.createSeriesGetRequest(t.studyInstanceUid, t.seriesInstanceUid);
  // dcmjs-dimse would propose every storage class it knows (over 100 contexts); we propose ours.
  request.setAddStorageSopClassesToAssociation(false);
  const tracked = track(request, onProgress);
  let stored = 0;
  let refused = 0;
  let firstRefusal: string | null = null;
  const filing = new Set<Promise<unknown>>();
  const fileOne = async (
    sub: dimseRequests.CStoreRequest,
    raw: RawDataset | undefined,
  ): Promise<StoreAnswer> => {
    try {
      if (!raw || !(raw.raw instanceof Uint8Array) || raw.raw.length === 0) {
        return { status: STATUS.cannotUnderstand, comment: "empty data set" };
      }
      const sopClassUid = sub.getAffectedSopClassUid().replace(/[\0 ]+$/g, "");
      const sopInstanceUid = sub.getAffectedSopInstanceUid().replace(/[\0 ]+$/g, "");
      const file = part10File(
        {
          sopClassUid,
          sopInstanceUid,
          transferSyntaxUid: raw.transferSyntaxUid,
          sourceAeTitle: node.aeTitle,
        },
        raw.raw,
      );
      return await store({
        sopClassUid,
        sopInstanceUid,
        transferSyntaxUid: raw.transferSyntaxUid,
        file,
      });
    } catch (err) {
      return { status: STATUS.outOfResources, comment: `C-GET: ${errorMessage(err)}` };
    }
  };
  const result = await runRetrieval(
    node,
    options,
    "C-GET",
    request,
    tracked,
    cancel,
    (association) => {
      const syntaxes = [...ACCEPTED_TRANSFER_SYNTAXES].sort(
        (a, b) => syntaxPreference(a) - syntaxPreference(b),
      );
      for (const abstract of Object.keys(STORAGE_SOP_CLASSES)) {
        const id = association.addPresentationContext(abstract);
        association.getPresentationContext(id).setProviderRole(true);
        for (const ts of syntaxes) association.addTransferSyntaxToPresentationContext(id, ts);
      }
    },
    (client, network) => {
      // Keep each sub-operation's data set as raw bytes, as the receiver does.
      network.createStoreWritableStream = () => new RawDatasetSink();
      network.createDatasetFromStoreWritableStream = (writable, context, callback) => {
        callback({
          raw: (writable as RawDatasetSink).bytes(),
          transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? IMPLICIT_VR_LITTLE_ENDIAN,
        });
      };
      client.on(
        "cStoreRequest",
        (sub: dimseRequests.CStoreRequest, callback: (r: responses.CStoreResponse) => void) => {
          const work = fileOne(sub, sub.getDataset() as unknown as RawDataset | undefined).then(
            (answer) => {
              if (answer.status === STATUS.success) stored += 1;
              else {
                refused += 1;
                firstRefusal ??=
                  `${sub.getAffectedSopInstanceUid()}: ${statusText(answer.status)}` +
                  (answer.comment ? ` (${answer.comment})` : "");
              }
              const response = responses.CStoreResponse.fromRequest(sub);
              response.setStatus(answer.status);
              if (answer.comment) response.setErrorComment(errorComment(answer.comment));
              try {
                callback(response);
              } catch {
                // The association is gone; the instance is filed (or not) all the same.
              }
            },
          );
          filing.add(work);
          void work.finally(() => filing.delete(work));
        },
      );
    },
  );
  // Sub-operations whose data set had fully arrived are filed even after a cancel or abort; a
  // partial one never reached fileOne (dcmjs-dimse hands over a data set once its last fragment
  // is in), so nothing is half-stored.
  await Promise.allSettled([...filing]);
  return { ...result, stored, refused, firstRefusal };
}

/** Uncompressed first: what a PACS holds is most often stored that way (no transcoding). */
function syntaxPreference(uid: string): number {
  if (uid === EXPLICIT_VR_LITTLE_ENDIAN) return 0;
  if (uid === IMPLICIT_VR_LITTLE_ENDIAN) return 1;
  return 2;
}
