// The workstation as a service user (SCU): the association every request runs on, C-ECHO and
// C-FIND (study and series level, Study Root). C-MOVE and C-GET are in scu-retrieve.ts, C-STORE
// of files byte for byte in scu-send.ts. Every request's responses are counted: dcmjs-dimse drops
// a request that found no accepted presentation context with only a log line (FIELD-NOTES), so a
// request that got no final response is reported as failed here.
import type { Writable } from "node:stream";
import type { responses } from "dcmjs-dimse";
import {
  Client,
  Dataset,
  requests as dimseRequests,
  type association as dimseAssociation,
} from "dcmjs-dimse";
import { AppError, errorMessage } from "../../contract/errors";
import type { RemoteNode } from "./config";
import { installCommandDecoder, STATUS } from "./dimse-command";
import type { RawDataset } from "./pdu";

export class NetworkError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("NETWORK", message, options);
  }
}

// Responses' command sets read without dcmjs, as the listener reads requests' (dimse-command.ts).
installCommandDecoder(Dataset);

type Request = dimseRequests.Request;
type Association = dimseAssociation.Association;

/** The part of dcmjs-dimse's Network (not in its typings) that associate() adjusts. */
export interface ClientNetwork {
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
export interface CancelHook extends RetrieveCancel {
  request: dimseRequests.CMoveRequest | dimseRequests.CGetRequest;
  /** The final response has come: nothing left to cancel. */
  finished(): boolean;
  /** The C-CANCEL was sent (or is due as soon as the request is). */
  requested(): void;
  /** The peer ignored it: the association is being aborted. */
  aborted(): void;
}

/** Runs one association to `node` with `requests`; resolves when the connection has closed. */
export function associate(
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

/** A numeric attribute's text as a number; null when empty or not a number. */
export function numberOrNull(s: string): number | null {
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
