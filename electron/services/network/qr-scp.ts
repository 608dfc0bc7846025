// Our Query/Retrieve SCP (PS3.4 Annex C): the DIMSE exchanges of C-FIND, C-MOVE and C-GET, run by
// the receiver's protocol machine (receiver.ts) on associations it accepted (same AE check and
// allow-list as C-STORE). What the registry answers and which files go: qr-model.ts.
// - Information models: Study Root (STUDY, SERIES, IMAGE) and Patient Root (PATIENT, STUDY,
//   SERIES, IMAGE), FIND, MOVE and GET (PS3.4 C.6.1, C.6.2).
// - Retrieve: the files go byte for byte as they are stored (scu.ts send / rawDataset).
import fs from "node:fs";
import { Dataset, requests as dimseRequests, responses } from "dcmjs-dimse";
import { errorMessage } from "../../contract/errors";
import { appendAudit, type Registry } from "../../registry";
import type { RemoteNode } from "./config";
import { errorComment } from "./dimse-command";
import {
  dicomText,
  findMatches,
  parseIdentifier,
  QR_SOP_CLASSES,
  QR_STATUS,
  retrieveFiles,
  type QrLevel,
  type QrModel,
  type StoredFile,
} from "./qr-model";
import { statusText } from "./scu";
import { rawDataset, send, type SendOutcome } from "./scu-send";

/** What the Q/R SCP does, for the log and the audit (no patient data: levels, counts, UIDs). */
export type QrEvent =
  | {
      kind: "find";
      callingAeTitle: string;
      model: QrModel;
      level: QrLevel | null;
      matches: number;
      status: number;
      cancelled: boolean;
    }
  | {
      kind: "retrieve";
      op: "MOVE" | "GET";
      callingAeTitle: string;
      destination: string | null;
      level: QrLevel | null;
      completed: number;
      failed: number;
      warnings: number;
      status: number;
      cancelled: boolean;
    };

export interface QrOptions {
  registry: Registry;
  /** Our AE title: the calling AE of C-MOVE sub-operations and the Retrieve AE Title we return. */
  aeTitle: string;
  /** A C-MOVE destination by AE title (the configured nodes, network.json); null: unknown. */
  destination(aeTitle: string): RemoteNode | null;
  onEvent?(event: QrEvent): void;
}

/** Audits and reports each query and retrieval; never fails the DIMSE exchange. */
export function reportQr(options: QrOptions, event: QrEvent): void {
  try {
    const { kind, callingAeTitle, ...details } = event;
    appendAudit(options.registry.db, {
      actor: `dicom:${callingAeTitle}`,
      action: kind === "find" ? "dicom.query" : "dicom.retrieve",
      studyRef: null,
      details,
    });
  } catch {
    // An audit failure (database busy, disk full) must not take the association down.
  }
  try {
    options.onEvent?.(event);
  } catch {
    // A listener's bug must not fail the exchange.
  }
}

type FindResponder = (r: responses.CFindResponse[]) => void;
type RetrieveResponse = responses.CMoveResponse | responses.CGetResponse;

/** Yields to the event loop, so that a C-CANCEL that arrived meanwhile is seen. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * C-FIND SCP (PS3.4 C.4.1.3): one Pending response per match (FF00), then Success; a C-CANCEL
 * received meanwhile ends it with Cancel (FE00) (C.4.1.2.4.2).
 */
export async function serveFind(
  options: QrOptions,
  request: dimseRequests.CFindRequest,
  respond: FindResponder,
  callingAeTitle: string,
  cancelled: () => boolean,
): Promise<void> {
  const sopClass = request.getAffectedSopClassUid().replace(/\0/g, "").trim();
  const model = QR_SOP_CLASSES[sopClass]?.model ?? "STUDY";
  const answer = (status: number, dataset?: Record<string, unknown>, comment?: string): void => {
    const r = responses.CFindResponse.fromRequest(request);
    r.setAffectedSopClassUid(sopClass);
    r.setStatus(status);
    if (comment) r.setErrorComment(errorComment(comment));
    if (dataset) {
      const ts = request.getDataset()?.getTransferSyntaxUid() ?? "1.2.840.10008.1.2";
      r.setDataset(new Dataset(dataset, ts));
    }
    respond([r]);
  };
  let level: QrLevel | null = null;
  let sent = 0;
  let status: number = QR_STATUS.success;
  let wasCancelled = false;
  try {
    const parsed = parseIdentifier(model, request.getDataset()?.getElements() ?? {});
    if ("problem" in parsed) {
      status = QR_STATUS.identifierDoesNotMatch;
      answer(status, undefined, parsed.problem);
      return;
    }
    level = parsed.level;
    const matches = findMatches(options.registry, parsed, options.aeTitle);
    for (const m of matches) {
      await tick();
      if (cancelled()) {
        wasCancelled = true;
        break;
      }
      answer(QR_STATUS.pending, m);
      sent += 1;
    }
    status = wasCancelled ? QR_STATUS.cancel : QR_STATUS.success;
    answer(status);
  } catch (err) {
    status = QR_STATUS.unableToProcess;
    try {
      answer(status, undefined, `find: ${errorMessage(err)}`);
    } catch {
      // The association is gone.
    }
  } finally {
    reportQr(options, {
      kind: "find",
      callingAeTitle,
      model,
      level,
      matches: sent,
      status,
      cancelled: wasCancelled,
    });
  }
}

export interface SubOperationCounts {
  remaining: number;
  completed: number;
  failed: number;
  warnings: number;
}

/** Sends a set of stored files; calls back per file; stops sending when `stop()` says so. */
export type SubOperationSender = (
  files: StoredFile[],
  onOutcome: (ok: boolean, warning: boolean) => void,
  stop: () => boolean,
) => Promise<void>;

/**
 * The common part of C-MOVE and C-GET SCP (PS3.4 C.4.2.3 / C.4.3.3): resolve the identifier to
 * stored files, run the sub-operations with a Pending response after each (remaining, completed,
 * failed, warning counts), then the final status: Success, or 0xB000 when any sub-operation failed
 * or warned, or Cancel (FE00) after a C-CANCEL.
 */
async function serveRetrieve(
  options: QrOptions,
  op: "MOVE" | "GET",
  request: dimseRequests.CMoveRequest | dimseRequests.CGetRequest,
  respond: (r: RetrieveResponse[]) => void,
  callingAeTitle: string,
  cancelled: () => boolean,
  destination: string | null,
  sender: SubOperationSender | { status: number; comment: string },
): Promise<void> {
  const sopClass = request.getAffectedSopClassUid().replace(/\0/g, "").trim();
  const model = QR_SOP_CLASSES[sopClass]?.model ?? "STUDY";
  const make = (status: number, c: SubOperationCounts, comment?: string): RetrieveResponse => {
    const r =
      op === "MOVE"
        ? responses.CMoveResponse.fromRequest(request as dimseRequests.CMoveRequest)
        : responses.CGetResponse.fromRequest(request as dimseRequests.CGetRequest);
    r.setAffectedSopClassUid(sopClass);
    r.setStatus(status);
    // PS3.7 C.4.2.1.6: remaining only on Pending; the others on every response.
    if (status === QR_STATUS.pending) r.setRemaining(c.remaining);
    r.setCompleted(c.completed);
    r.setFailures(c.failed);
    r.setWarnings(c.warnings);
    if (comment) r.setErrorComment(errorComment(comment));
    return r;
  };
  const counts: SubOperationCounts = { remaining: 0, completed: 0, failed: 0, warnings: 0 };
  let level: QrLevel | null = null;
  let status: number = QR_STATUS.success;
  let wasCancelled = false;
  try {
    const parsed = parseIdentifier(model, request.getDataset()?.getElements() ?? {});
    if ("problem" in parsed) {
      status = QR_STATUS.identifierDoesNotMatch;
      respond([make(status, counts, parsed.problem)]);
      return;
    }
    level = parsed.level;
    if (typeof sender !== "function") {
      status = sender.status;
      respond([make(status, counts, sender.comment)]);
      return;
    }
    const files = retrieveFiles(options.registry, parsed);
    if ("problem" in files) {
      status = QR_STATUS.identifierDoesNotMatch;
      respond([make(status, counts, files.problem)]);
      return;
    }
    counts.remaining = files.length;
    await sender(
      files,
      (ok, warning) => {
        counts.remaining -= 1;
        if (!ok) counts.failed += 1;
        else if (warning) counts.warnings += 1;
        else counts.completed += 1;
        if (counts.remaining > 0) respond([make(QR_STATUS.pending, counts)]);
      },
      () => {
        if (cancelled()) wasCancelled = true;
        return wasCancelled;
      },
    );
    // PS3.4 C.4.2.1.5: after a cancel the not-sent remainder is reported as remaining.
    status = wasCancelled
      ? QR_STATUS.cancel
      : counts.failed > 0 || counts.warnings > 0
        ? QR_STATUS.subOperationsFailed
        : QR_STATUS.success;
    const final = make(status, counts);
    if (wasCancelled) final.setRemaining(counts.remaining);
    respond([final]);
  } catch (err) {
    status = QR_STATUS.unableToProcess;
    try {
      respond([make(status, counts, `${op.toLowerCase()}: ${errorMessage(err)}`)]);
    } catch {
      // The association is gone.
    }
  } finally {
    reportQr(options, {
      kind: "retrieve",
      op,
      callingAeTitle,
      destination,
      level,
      completed: counts.completed,
      failed: counts.failed,
      warnings: counts.warnings,
      status,
      cancelled: wasCancelled,
    });
  }
}

/**
 * C-MOVE SCP: the destination AE must be one of the configured nodes (0xA801 otherwise,
 * PS3.4 C.4.2.1.5); the sub-operations are one C-STORE association from our AE to it, each file
 * sent as stored (scu.ts send).
 */
export async function serveMove(
  options: QrOptions,
  request: dimseRequests.CMoveRequest,
  respond: (r: RetrieveResponse[]) => void,
  callingAeTitle: string,
  cancelled: () => boolean,
): Promise<void> {
  const destinationAe = dicomText(request.getCommandDataset().getElement("MoveDestination")).trim();
  let node: RemoteNode | null = null;
  let unknown = `Move destination "${destinationAe}" is not a configured node`;
  try {
    node = destinationAe === "" ? null : options.destination(destinationAe);
  } catch (err) {
    unknown = `Move destinations cannot be read: ${errorMessage(err)}`;
  }
  const sender: SubOperationSender | { status: number; comment: string } = node
    ? async (files, onOutcome, stop) => {
        const outcomes = await send(
          node,
          { callingAeTitle: options.aeTitle },
          files.map((f) => f.path),
          {
            onOutcome: (o: SendOutcome) =>
              onOutcome(o.ok, o.ok && o.status !== null && o.status !== 0),
            stop,
            moveOriginator: { aeTitle: callingAeTitle, messageId: request.getMessageId() },
          },
        );
        // Files that never got a response (association refused, peer gone) are failures too.
        for (const o of outcomes) if (o.status === null && !o.cancelled) onOutcome(false, false);
      }
    : {
        status: QR_STATUS.moveDestinationUnknown,
        comment: unknown,
      };
  await serveRetrieve(
    options,
    "MOVE",
    request,
    respond,
    callingAeTitle,
    cancelled,
    destinationAe,
    sender,
  );
}

/** What C-GET needs from the association it runs on: C-STORE requests back to the requester. */
export interface GetAssociation {
  /**
   * Whether the requester accepted the SCP role for this SOP class in this transfer syntax
   * (SCP/SCU Role Selection, PS3.7 D.3.3.4); without it the file cannot be sent.
   */
  canStore(sopClassUid: string, transferSyntaxUid: string): boolean;
  /** Sends one C-STORE request on this association; resolves with the response status. */
  store(request: dimseRequests.CStoreRequest): Promise<number>;
}

/** C-GET SCP (PS3.4 C.4.3): the C-STORE sub-operations go back on the requester's association. */
export async function serveGet(
  options: QrOptions,
  request: dimseRequests.CGetRequest,
  respond: (r: RetrieveResponse[]) => void,
  callingAeTitle: string,
  cancelled: () => boolean,
  association: GetAssociation,
): Promise<void> {
  const sender: SubOperationSender = async (files, onOutcome, stop) => {
    for (const f of files) {
      if (stop()) return;
      await tick();
      if (stop()) return;
      if (!association.canStore(f.sopClassUid, f.transferSyntaxUid)) {
        onOutcome(false, false);
        continue;
      }
      let status: number | null = null;
      try {
        const { dataset } = rawDataset(new Uint8Array(fs.readFileSync(f.path)));
        status = await association.store(new dimseRequests.CStoreRequest(dataset));
      } catch {
        status = null;
      }
      const ok = status !== null && (status === 0 || statusText(status) === "Warning");
      onOutcome(ok, ok && status !== 0);
    }
  };
  await serveRetrieve(options, "GET", request, respond, callingAeTitle, cancelled, null, sender);
}

/** The Q/R SCP as the receiver's protocol machine calls it (receiver.ts `ReceiverHandlers.qr`). */
export class QrScp {
  constructor(readonly options: QrOptions) {}

  /** A Q/R SOP class we negotiate (PS3.4 C.6): Study Root and Patient Root FIND, MOVE, GET. */
  accepts(abstractSyntaxUid: string): boolean {
    return QR_SOP_CLASSES[abstractSyntaxUid] !== undefined;
  }

  find(
    request: dimseRequests.CFindRequest,
    respond: FindResponder,
    callingAeTitle: string,
    cancelled: () => boolean,
  ): Promise<void> {
    return serveFind(this.options, request, respond, callingAeTitle, cancelled);
  }

  move(
    request: dimseRequests.CMoveRequest,
    respond: (r: RetrieveResponse[]) => void,
    callingAeTitle: string,
    cancelled: () => boolean,
  ): Promise<void> {
    return serveMove(this.options, request, respond, callingAeTitle, cancelled);
  }

  get(
    request: dimseRequests.CGetRequest,
    respond: (r: RetrieveResponse[]) => void,
    callingAeTitle: string,
    cancelled: () => boolean,
    association: GetAssociation,
  ): Promise<void> {
    return serveGet(this.options, request, respond, callingAeTitle, cancelled, association);
  }
}
