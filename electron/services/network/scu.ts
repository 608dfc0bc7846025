// The workstation as a service user (SCU): C-ECHO, C-FIND (study and series level, Study Root),
// C-MOVE to our own AE and C-GET (study or series level), and C-STORE of files byte for byte. Every request's responses are
// counted: dcmjs-dimse drops a request that found no accepted presentation context with only a
// log line (FIELD-NOTES), so a request that got no final response is reported as failed here.
import fs from "node:fs";
import type { Writable } from "node:stream";
import {
  Client,
  Dataset,
  requests as dimseRequests,
  type association as dimseAssociation,
  responses,
} from "dcmjs-dimse";
import { AppError, errorMessage } from "../../contract/errors";
import type { RemoteNode } from "./config";
import { splitPart10 } from "./part10";
import { part10File } from "./part10";
import { STATUS } from "./dimse-command";
import { RawDatasetSink, type RawDataset } from "./pdu";
import type { StoreAnswer } from "./receiver";
import {
  ACCEPTED_TRANSFER_SYNTAXES,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  STORAGE_SOP_CLASSES,
} from "./sop-classes";

export class NetworkError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("NETWORK", message, options);
  }
}

type Request = dimseRequests.Request;
type Association = dimseAssociation.Association;

/** The part of dcmjs-dimse's Network (not in its typings) that associate() adjusts. */
interface ClientNetwork {
  socket: { setNoDelay(v: boolean): void; end(): void; destroy(): void };
  sendAbort(source?: number, reason?: number): void;
  sendAssociationRequest(association: Association): void;
  createStoreWritableStream(): Writable;
  createDatasetFromStoreWritableStream(
    writable: Writable,
    context: dimseAssociation.PresentationContext,
    callback: (dataset: RawDataset) => void,
  ): void;
}

export interface ScuOptions {
  /** Our AE title as the calling AE. */
  callingAeTitle: string;
  /** Connect + association + each PDU, ms (default 30 s). */
  timeoutMs?: number;
}

/** PS3.8 Table 9-21: A-ASSOCIATE-RJ reasons, source service user (1) / provider (2, 3). */
function rejectText(r: { result: number; source: number; reason: number }): string {
  const user: Record<number, string> = {
    1: "no reason given",
    2: "application context name not supported",
    3: "calling AE title not recognized",
    7: "called AE title not recognized",
  };
  const reason =
    r.source === 1 ? (user[r.reason] ?? `reason ${r.reason}`) : `provider reason ${r.reason}`;
  return `association rejected (${r.result === 1 ? "permanent" : "transient"}): ${reason}`;
}

export function statusText(status: number): string {
  if (status === 0) return "Success";
  if (status === 0xff00 || status === 0xff01) return "Pending";
  if (status === 0xfe00) return "Cancel";
  if ((status & 0xf000) === 0xb000 || status === 0x0107 || status === 0x0116) return "Warning";
  if ((status & 0xff00) === 0xa700) return "Out of Resources";
  if ((status & 0xff00) === 0xa900) return "Data Set does not match SOP Class";
  if ((status & 0xf000) === 0xc000) return "Cannot Understand";
  if (status === 0x0122) return "SOP Class not supported";
  if (status === 0xa801) return "Move Destination unknown";
  return `Failure 0x${status.toString(16).padStart(4, "0")}`;
}

export function isSuccessOrWarning(status: number): boolean {
  return status === 0 || statusText(status) === "Warning";
}

/**
 * Cancelling a running C-MOVE or C-GET: aborting `signal` sends C-CANCEL-MOVE-RQ /
 * C-CANCEL-GET-RQ, whose Message ID Being Responded To is the retrieval's Message ID (PS3.7
 * 9.3.2.3, 9.3.3.3). The peer then stops its sub-operations and sends its final response, status
 * Cancel (0xFE00) with the counts so far (PS3.4 C.4.2.1.6 / C.4.3.1.5); the association is
 * released as usual. A peer that sends no final response within `timeoutMs` (default 10 s)
 * gets an A-ABORT (PS3.8 7.3) and the connection is closed.
 */
export interface RetrieveCancel {
  signal: AbortSignal;
  timeoutMs?: number;
}

/** How `associate` carries out a cancel for the one retrieval request it runs. */
interface CancelHook extends RetrieveCancel {
  request: dimseRequests.CMoveRequest | dimseRequests.CGetRequest;
  /** The final response has come: nothing left to cancel. */
  finished(): boolean;
  /** The C-CANCEL was sent (or is due as soon as the request is). */
  requested(): void;
  /** The peer ignored it: the association is being aborted. */
  aborted(): void;
}

/** Runs one association to `node` with `requests`; resolves when the connection has closed. */
function associate(
  node: RemoteNode,
  options: ScuOptions,
  requests: Request[],
  prepareAssociation?: (association: Association) => void,
  prepareNetwork?: (client: Client, network: ClientNetwork) => void,
  cancel?: CancelHook,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    for (const r of requests) client.addRequest(r);
    let failure: Error | null = null;
    let cancelTimer: NodeJS.Timeout | undefined;
    let stopListening = (): void => {};
    client.on("associationRejected", (r: { result: number; source: number; reason: number }) => {
      failure = new NetworkError(`${node.aeTitle}@${node.host}:${node.port}: ${rejectText(r)}`);
    });
    client.on("networkError", (e: Error) => {
      failure ??= new NetworkError(`${node.aeTitle}@${node.host}:${node.port}: ${e.message}`, {
        cause: e,
      });
    });
    client.on("closed", () => {
      clearTimeout(cancelTimer);
      stopListening();
      if (failure) reject(failure);
      else resolve();
    });
    const t = options.timeoutMs ?? 30_000;
    try {
      client.send(node.host, node.port, options.callingAeTitle, node.aeTitle, {
        connectTimeout: t,
        associationTimeout: t,
        pduTimeout: t,
      });
      // send() has created the connection and its protocol machine synchronously; the TCP
      // connect and the A-ASSOCIATE-RQ come later, so both can still be adjusted here.
      const network = (client as unknown as { network?: ClientNetwork }).network;
      // FIELD-NOTES: without TCP_NODELAY a store waits on Nagle + delayed ACK (~5x slower).
      network?.socket.setNoDelay(true);
      if (network && prepareNetwork) prepareNetwork(client, network);
      if (network && prepareAssociation) {
        const original = network.sendAssociationRequest.bind(network);
        network.sendAssociationRequest = (association) => {
          prepareAssociation(association);
          original(association);
        };
      }
      if (network && cancel) {
        const onCancel = (): void => {
          if (cancel.finished()) return;
          cancel.requested();
          const sendCancel = (): void => {
            try {
              if (!cancel.finished()) client.cancel(cancel.request);
            } catch {
              // The connection is gone; the timer below closes what is left.
            }
          };
          // The request carries a Message ID once it has been sent; until then (still
          // connecting or negotiating) the cancel follows it as soon as it is.
          if (cancel.request.getMessageId() !== undefined) sendCancel();
          else client.once("associationAccepted", () => setImmediate(sendCancel));
          cancelTimer = setTimeout(() => {
            if (cancel.finished()) return;
            cancel.aborted();
            try {
              network.sendAbort(0, 0); // source: service user, reason: not specified
            } catch {
              // No association yet: closing the socket is all there is to do.
            }
            network.socket.end();
            setTimeout(() => network.socket.destroy(), 1000).unref();
          }, cancel.timeoutMs ?? 10_000);
        };
        if (cancel.signal.aborted) onCancel();
        else {
          cancel.signal.addEventListener("abort", onCancel, { once: true });
          stopListening = () => cancel.signal.removeEventListener("abort", onCancel);
        }
      }
    } catch (err) {
      reject(new NetworkError(`${node.aeTitle}: ${errorMessage(err)}`, { cause: err }));
    }
  });
}

export interface EchoResult {
  status: number;
  ms: number;
}

export async function echo(node: RemoteNode, options: ScuOptions): Promise<EchoResult> {
  const started = performance.now();
  const request = new dimseRequests.CEchoRequest();
  let status: number | null = null;
  request.on("response", (r: responses.CEchoResponse) => (status = r.getStatus()));
  await associate(node, options, [request]);
  if (status === null) throw new NetworkError(`${node.aeTitle}: no C-ECHO response`);
  return { status, ms: performance.now() - started };
}

export type QueryLevel = "STUDY" | "SERIES";

export interface QueryFilter {
  patientName?: string;
  patientId?: string;
  /** YYYYMMDD, YYYYMMDD-YYYYMMDD, -YYYYMMDD or YYYYMMDD- (PS3.4 C.2.2.2.5.1). */
  studyDate?: string;
  accessionNumber?: string;
  /** ModalitiesInStudy at study level, Modality at series level. */
  modality?: string;
  studyInstanceUid?: string;
}

export interface QueryMatch {
  level: QueryLevel;
  studyInstanceUid: string;
  seriesInstanceUid: string | null;
  patientName: string;
  patientId: string;
  studyDate: string;
  accessionNumber: string;
  description: string;
  modalities: string;
  seriesNumber: number | null;
  instances: number | null;
}

function text(ds: Dataset | undefined, key: string): string {
  const v = ds?.getElement(key) as unknown;
  if (v === undefined || v === null) return "";
  if (Array.isArray(v))
    return v
      .map((x) =>
        typeof x === "object" && x ? ((x as { Alphabetic?: string }).Alphabetic ?? "") : String(x),
      )
      .join("\\");
  if (typeof v === "object") return (v as { Alphabetic?: string }).Alphabetic ?? "";
  return String(v);
}

function numberOrNull(s: string): number | null {
  const n = Number(s);
  return s !== "" && Number.isFinite(n) ? n : null;
}

export async function find(
  node: RemoteNode,
  options: ScuOptions,
  level: QueryLevel,
  filter: QueryFilter,
): Promise<QueryMatch[]> {
  const keys: Record<string, string> = {};
  if (filter.patientName) keys.PatientName = filter.patientName;
  if (filter.patientId) keys.PatientID = filter.patientId;
  if (filter.studyDate) keys.StudyDate = filter.studyDate;
  if (filter.accessionNumber) keys.AccessionNumber = filter.accessionNumber;
  if (filter.studyInstanceUid) keys.StudyInstanceUID = filter.studyInstanceUid;
  let request: dimseRequests.CFindRequest;
  if (level === "STUDY") {
    if (filter.modality) keys.ModalitiesInStudy = filter.modality;
    request = dimseRequests.CFindRequest.createStudyFindRequest(keys);
  } else {
    if (!filter.studyInstanceUid) {
      throw new NetworkError(
        "A series-level query needs the Study Instance UID (Study Root, PS3.4 C.4.1.2.1).",
      );
    }
    if (filter.modality) keys.Modality = filter.modality;
    // Series level in Study Root carries no patient keys; they are matched at study level.
    const seriesKeys = { ...keys };
    delete seriesKeys.PatientName;
    delete seriesKeys.PatientID;
    delete seriesKeys.StudyDate;
    delete seriesKeys.AccessionNumber;
    request = dimseRequests.CFindRequest.createSeriesFindRequest(seriesKeys);
  }
  const matches: QueryMatch[] = [];
  let final: number | null = null;
  request.on("response", (r: responses.CFindResponse) => {
    const status = r.getStatus();
    if (status === 0xff00 || status === 0xff01) {
      const ds = r.getDataset();
      matches.push({
        level,
        studyInstanceUid: text(ds, "StudyInstanceUID"),
        seriesInstanceUid: level === "SERIES" ? text(ds, "SeriesInstanceUID") : null,
        patientName: text(ds, "PatientName"),
        patientId: text(ds, "PatientID"),
        studyDate: text(ds, "StudyDate"),
        accessionNumber: text(ds, "AccessionNumber"),
        description: text(ds, level === "STUDY" ? "StudyDescription" : "SeriesDescription"),
        modalities: text(ds, level === "STUDY" ? "ModalitiesInStudy" : "Modality"),
        seriesNumber: level === "SERIES" ? numberOrNull(text(ds, "SeriesNumber")) : null,
        instances: numberOrNull(
          text(
            ds,
            level === "STUDY" ? "NumberOfStudyRelatedInstances" : "NumberOfSeriesRelatedInstances",
          ),
        ),
      });
    } else final = status;
  });
  await associate(node, options, [request]);
  if (final === null) throw new NetworkError(`${node.aeTitle}: C-FIND got no final response`);
  if (final !== STATUS.success) {
    throw new NetworkError(`${node.aeTitle}: C-FIND failed: ${statusText(final)}`);
  }
  // Modality filtering at study level is optional matching for some PACS: check it here too.
  return filter.modality && level === "STUDY"
    ? matches.filter(
        (m) => m.modalities === "" || m.modalities.split("\\").includes(filter.modality!),
      )
    : matches;
}

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
              if (answer.comment) response.setErrorComment(answer.comment.slice(0, 64));
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

export interface SendOutcome {
  path: string;
  sopInstanceUid: string;
  status: number | null;
  ok: boolean;
  reason: string | null;
  /** Not sent: `control.stop()` said so first (a C-MOVE SCP whose requester sent C-CANCEL). */
  cancelled?: boolean;
}

/** For a caller that reports per file (our C-MOVE SCP's Pending responses) and may stop early. */
export interface SendControl {
  onOutcome?(outcome: SendOutcome): void;
  /** Checked after each response: true sends no further file (the association is released). */
  stop?(): boolean;
  /**
   * Sub-operations of a C-MOVE we serve: Move Originator AE Title (0000,1030) and Message ID
   * (0000,1031) in each C-STORE request (PS3.7 9.1.1.1), so the destination can tell whose move
   * brought the instance.
   */
  moveOriginator?: { aeTitle: string; messageId: number };
}

/** A data set object whose encoded bytes are the file's own (no dcmjs round trip). */
export function rawDataset(bytes: Uint8Array): {
  dataset: Dataset;
  sopClassUid: string;
  sopInstanceUid: string;
} {
  const split = splitPart10(bytes);
  const dataset = new Dataset(
    { SOPClassUID: split.sopClassUid, SOPInstanceUID: split.sopInstanceUid },
    split.transferSyntaxUid,
  );
  const raw = Buffer.from(split.dataset.buffer, split.dataset.byteOffset, split.dataset.byteLength);
  (dataset as unknown as { getDenaturalizedDataset: () => Buffer }).getDenaturalizedDataset = () =>
    raw;
  return { dataset, sopClassUid: split.sopClassUid, sopInstanceUid: split.sopInstanceUid };
}

/**
 * C-STORE of each file in one association, the file's bytes as they are (private tags kept).
 * Every file gets an outcome: its response status, or the reason it got none.
 */
export async function send(
  node: RemoteNode,
  options: ScuOptions,
  files: string[],
  control?: SendControl,
): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = [];
  const requests: dimseRequests.CStoreRequest[] = [];
  const byRequest = new Map<dimseRequests.CStoreRequest, SendOutcome>();
  const syntaxes = new Map<string, Set<string>>();
  for (const file of files) {
    try {
      const { dataset, sopClassUid, sopInstanceUid } = rawDataset(
        new Uint8Array(fs.readFileSync(file)),
      );
      const set = syntaxes.get(sopClassUid) ?? new Set<string>();
      set.add(dataset.getTransferSyntaxUid());
      syntaxes.set(sopClassUid, set);
      const request = new dimseRequests.CStoreRequest(dataset);
      if (control?.moveOriginator) {
        const command = request.getCommandDataset() as unknown as {
          setElement(keyword: string, value: string | number): void;
        };
        command.setElement("MoveOriginatorApplicationEntityTitle", control.moveOriginator.aeTitle);
        command.setElement("MoveOriginatorMessageID", control.moveOriginator.messageId);
      }
      const outcome: SendOutcome = {
        path: file,
        sopInstanceUid,
        status: null,
        ok: false,
        reason: null,
      };
      request.on("response", (r: responses.CStoreResponse) => {
        outcome.status = r.getStatus();
        outcome.ok = isSuccessOrWarning(outcome.status);
        outcome.reason = outcome.ok
          ? null
          : `${statusText(outcome.status)}${r.getErrorComment() ? `: ${r.getErrorComment()}` : ""}`;
        control?.onOutcome?.(outcome);
        // dcmjs-dimse sends the next queued request when this one is done: emptying its queue
        // ends the association after this file.
        if (control?.stop?.()) queue?.splice(0);
      });
      requests.push(request);
      byRequest.set(request, outcome);
      outcomes.push(outcome);
    } catch (err) {
      outcomes.push({
        path: file,
        sopInstanceUid: "",
        status: null,
        ok: false,
        reason: `cannot read: ${errorMessage(err)}`,
      });
    }
  }
  if (requests.length === 0) return outcomes;
  let queue: unknown[] | undefined;
  try {
    // Files go as they are, so propose for each SOP class only the transfer syntaxes the files
    // are in: dcmjs-dimse proposes Implicit and Explicit VR Little Endian for every request and
    // would try to transcode when the peer picks the other one.
    await associate(
      node,
      options,
      requests,
      (association) => {
        for (const { context } of association.getPresentationContexts()) {
          const mine = syntaxes.get(context.getAbstractSyntaxUid());
          if (!mine) continue;
          for (const ts of [...context.getTransferSyntaxUids()]) {
            if (!mine.has(ts) && context.getTransferSyntaxUids().length > 1) {
              context.removeTransferSyntaxUid(ts);
            }
          }
        }
      },
      (_client, network) => {
        queue = (network as unknown as { requests?: unknown[] }).requests;
      },
    );
  } catch (err) {
    for (const o of byRequest.values()) {
      if (o.status === null) o.reason = errorMessage(err);
    }
    return outcomes;
  }
  for (const o of byRequest.values()) {
    if (o.status === null && control?.stop?.()) {
      o.cancelled = true;
      o.reason = "not sent: cancelled";
    } else if (o.status === null) {
      o.reason =
        "no response: the peer accepted no presentation context for this SOP class and transfer syntax";
    }
  }
  return outcomes;
}
