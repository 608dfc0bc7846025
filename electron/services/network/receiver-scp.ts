// One association of the DICOM listener (receiver.ts): dcmjs-dimse's Scp with our negotiation
// (called AE, allow-list, presentation contexts), the C-STORE way in (the data set kept as the
// sender's bytes and filed through the receiver's store handler), C-ECHO, the Query/Retrieve
// requests handed to qr-scp.ts, and command-only responses encoded by dimse-command.ts. Every
// handler answers from a finally-style path: a handler that throws would give no response.
import type net from "node:net";
import type { Writable } from "node:stream";
import type { association as dimseAssociation } from "dcmjs-dimse";
import { Dataset, Scp, constants, log as dimseLog, responses, type requests } from "dcmjs-dimse";
import { errorMessage } from "../../contract/errors";
import {
  commandPdu,
  encodeCommand,
  errorComment,
  installCommandDecoder,
  STATUS,
  type DimseCommand,
} from "./dimse-command";
import { part10File } from "./part10";
import { RawDatasetSink, type RawDataset } from "./pdu";
import type { GetAssociation, QrScp } from "./qr-scp";
import type { AssociationEnd, DicomReceiver, StoreAnswer } from "./receiver";
import { IMPLICIT_VR_LITTLE_ENDIAN, negotiateContext } from "./sop-classes";

type Association = dimseAssociation.Association;
type CStoreRequest = requests.CStoreRequest;
type CEchoRequest = requests.CEchoRequest;
dimseLog.setLevel("silent");
// Command sets read without dcmjs (dimse-command.ts decodeCommand): ~0.2 ms per C-STORE-RQ.
installCommandDecoder(Dataset);

function trimAe(ae: string | undefined): string {
  return (ae ?? "").trim();
}

/** A-ASSOCIATE-RJ reasons for source "service user" (PS3.8 9.3.4, Table 9-21). */
const RJ = constants.RejectReason;

export class ReceiverScp extends Scp {
  private callingAeTitle = "";
  private accepted = false;
  private end: AssociationEnd = "closed";
  private stored = 0;
  private failed = 0;
  private finished = false;

  constructor(
    private readonly sock: net.Socket,
    private readonly owner: DicomReceiver,
    private readonly remoteAddress: string,
    private readonly associationId: number,
  ) {
    super(sock, {
      // dcmjs-dimse's defaults: 3 min to associate, 1 min between PDUs; kept.
      associationTimeout: 60_000,
      pduTimeout: 60_000,
    });
  }

  finish(): void {
    if (this.finished || !this.accepted) return;
    this.finished = true;
    this.owner.emit({
      kind: "association-ended",
      summary: {
        associationId: this.associationId,
        callingAeTitle: this.callingAeTitle,
        remoteAddress: this.remoteAddress,
        stored: this.stored,
        failed: this.failed,
        end: this.end,
      },
    });
  }

  private reject(reason: number, text: string): void {
    this.owner.emit({
      kind: "association-rejected",
      callingAeTitle: this.callingAeTitle,
      remoteAddress: this.remoteAddress,
      reason: text,
    });
    this.sendAssociationReject(
      constants.RejectResult.Permanent,
      constants.RejectSource.ServiceUser,
      reason,
    );
    // The requester closes the transport after A-ASSOCIATE-RJ (PS3.8 9.2.1); make sure it goes.
    setTimeout(() => this.sock.destroy(), 1000).unref();
  }

  override associationRequested(association: Association): void {
    const cfg = this.owner.config;
    this.callingAeTitle = trimAe(association.getCallingAeTitle());
    const called = trimAe(association.getCalledAeTitle());
    if (called !== cfg.aeTitle) {
      this.reject(RJ.CalledAeNotRecognized, `called AE "${called}" is not ours (${cfg.aeTitle})`);
      return;
    }
    if (cfg.allowed.length > 0) {
      const peer = cfg.allowed.find((p) => p.aeTitle === this.callingAeTitle);
      const fromAllowedAddress =
        peer !== undefined &&
        (!peer.addresses ||
          peer.addresses.length === 0 ||
          peer.addresses.includes(this.remoteAddress) ||
          peer.addresses.includes(this.remoteAddress.replace(/^::ffff:/, "")));
      if (!fromAllowedAddress) {
        this.reject(
          RJ.CallingAeNotRecognized,
          peer
            ? `calling AE "${this.callingAeTitle}" is not allowed from ${this.remoteAddress}`
            : `calling AE "${this.callingAeTitle}" is not on the allow-list`,
        );
        return;
      }
    }
    const R = constants.PresentationContextResult;
    const qr = this.owner.qr;
    for (const { context } of association.getPresentationContexts()) {
      const answer = negotiateContext(
        context.getAbstractSyntaxUid(),
        context.getTransferSyntaxUids(),
        (uid) => qr?.accepts(uid) === true,
      );
      if ("accept" in answer) context.setResult(R.Accept, answer.accept);
      else if (answer.reject === "abstract-syntax") {
        context.setResult(R.RejectAbstractSyntaxNotSupported);
      } else context.setResult(R.RejectTransferSyntaxesNotSupported);
    }
    // 0 means "no limit" (PS3.8 D.1.1): announce ours instead, which the PDU guard enforces.
    const theirs = association.getMaxPduLength();
    if (theirs === 0 || theirs > this.owner.maxPduLength) {
      association.setMaxPduLength(this.owner.maxPduLength);
    }
    this.accepted = true;
    this.sendAssociationAccept();
    this.owner.emit({
      kind: "association-accepted",
      associationId: this.associationId,
      callingAeTitle: this.callingAeTitle,
      remoteAddress: this.remoteAddress,
    });
  }

  override associationReleaseRequested(): void {
    this.end = "released";
    // Stores still being filed answer first: the release response ends the association.
    void Promise.allSettled([...this.pendingHere]).then(() => {
      try {
        this.sendAssociationReleaseResponse();
      } catch {
        // The peer is gone; nothing to answer.
      }
      this.finish();
    });
  }

  override abort(): void {
    // After A-ABORT either side may close the transport (PS3.8 9.1.8); stores already received
    // still finish filing, but no answer can be sent.
    this.end = "aborted";
    this.sock.destroy();
  }

  /**
   * dcmjs-dimse's way out for every DIMSE message (its `_sendDimse` calls it). A message without
   * a data set (C-STORE-RSP, C-ECHO-RSP, the last C-FIND/C-MOVE/C-GET response) is encoded here
   * in one small buffer (dimse-command.ts); one with a data set, or a command element the table
   * does not know, goes the library's way.
   */
  override _sendPDataTF(
    command: DimseCommand,
    presentationContextId: number,
    maxPduLength: number,
  ): void {
    const encoded = command.getDataset()
      ? null
      : encodeCommand(command.getCommandDataset().getElements());
    if (!encoded) {
      super._sendPDataTF(command, presentationContextId, maxPduLength);
      return;
    }
    this.sock.write(commandPdu(presentationContextId, encoded));
  }

  override cEchoRequest(
    request: CEchoRequest,
    callback: (r: responses.CEchoResponse) => void,
  ): void {
    const response = responses.CEchoResponse.fromRequest(request);
    response.setStatus(STATUS.success);
    callback(response);
  }

  override createStoreWritableStream(): Writable {
    return new RawDatasetSink();
  }

  override createDatasetFromStoreWritableStream(
    writable: Writable,
    context: dimseAssociation.PresentationContext,
    callback: (dataset: never) => void,
  ): void {
    const sink = writable as RawDatasetSink;
    const raw: RawDataset = {
      raw: sink.bytes(),
      transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? IMPLICIT_VR_LITTLE_ENDIAN,
    };
    callback(raw as never);
  }

  private readonly pendingHere = new Set<Promise<unknown>>();

  override cStoreRequest(
    request: CStoreRequest,
    callback: (r: responses.CStoreResponse) => void,
  ): void {
    const work = this.file(request);
    this.pendingHere.add(work);
    void this.owner.track(work).finally(() => this.pendingHere.delete(work));
    void work.then((answer) => {
      const response = responses.CStoreResponse.fromRequest(request);
      response.setStatus(answer.status);
      if (answer.comment) response.setErrorComment(errorComment(answer.comment));
      if (answer.status === STATUS.success) this.stored += 1;
      else this.failed += 1;
      try {
        callback(response);
      } catch {
        // The connection is gone; the instance is filed (or not) all the same.
      }
    });
  }

  /** Never rejects: every path ends in an answer for the peer. */
  private async file(request: CStoreRequest): Promise<StoreAnswer> {
    try {
      const dataset = request.getDataset() as unknown as RawDataset | undefined;
      if (!dataset || !(dataset.raw instanceof Uint8Array) || dataset.raw.length === 0) {
        return { status: STATUS.cannotUnderstand, comment: "empty data set" };
      }
      const sopClassUid = trimAe(request.getAffectedSopClassUid()).replace(/\0/g, "");
      const sopInstanceUid = trimAe(request.getAffectedSopInstanceUid()).replace(/\0/g, "");
      const file = part10File(
        {
          sopClassUid,
          sopInstanceUid,
          transferSyntaxUid: dataset.transferSyntaxUid,
          sourceAeTitle: this.callingAeTitle,
        },
        dataset.raw,
      );
      return await this.owner.handleStore({
        associationId: this.associationId,
        callingAeTitle: this.callingAeTitle,
        remoteAddress: this.remoteAddress,
        sopClassUid,
        sopInstanceUid,
        transferSyntaxUid: dataset.transferSyntaxUid,
        file,
      });
    } catch (err) {
      return { status: STATUS.outOfResources, comment: `receiver: ${errorMessage(err)}` };
    }
  }

  /** Message IDs of the C-FIND / C-MOVE / C-GET requests the peer cancelled (PS3.7 9.3.2.3). */
  private readonly cancelledIds = new Set<number>();

  override cCancelRequest(request: requests.CCancelRequest): void {
    this.cancelledIds.add(request.getMessageIdBeingRespondedTo());
  }

  /** Runs one Q/R operation; its responses go out on the request's presentation context. */
  private serveQr(
    request: requests.Request,
    respond: (r: never[]) => void,
    serve: (qr: QrScp, cancelled: () => boolean) => Promise<void>,
  ): void {
    const qr = this.owner.qr;
    if (!qr) {
      // Not negotiated without a Q/R SCP; answer rather than leave the requester waiting.
      const r = new responses.CFindResponse(STATUS.sopClassNotSupported, "Q/R is off");
      r.setMessageIdBeingRespondedTo(request.getMessageId());
      r.setAffectedSopClassUid(request.getAffectedSopClassUid());
      respond([r as never]);
      return;
    }
    const id = request.getMessageId();
    const work = serve(qr, () => this.cancelledIds.has(id)).finally(() =>
      this.cancelledIds.delete(id),
    );
    this.pendingHere.add(work);
    void this.owner.track(work).finally(() => this.pendingHere.delete(work));
  }

  /**
   * Sends a Q/R operation's responses while the connection lasts (a requester may leave
   * mid-operation). dcmjs-dimse's callback may be called once only: the Pending responses go out
   * through sendResponse on the request's context, the final one through the callback.
   */
  private responder<T extends responses.Response>(
    request: requests.Request,
    callback: (r: T[]) => void,
  ): (r: T[]) => void {
    return (list) => {
      for (const r of list) {
        try {
          if (r.getStatus() === 0xff00 || r.getStatus() === 0xff01) this.sendResponse(request, r);
          else callback([r]);
        } catch {
          // The peer is gone; the operation ends at its next step.
        }
      }
    };
  }

  override cFindRequest(
    request: requests.CFindRequest,
    callback: (r: responses.CFindResponse[]) => void,
  ): void {
    const respond = this.responder(request, callback);
    this.serveQr(request, respond as (r: never[]) => void, (qr, cancelled) =>
      qr.find(request, respond, this.callingAeTitle, cancelled),
    );
  }

  override cMoveRequest(
    request: requests.CMoveRequest,
    callback: (r: responses.CMoveResponse[]) => void,
  ): void {
    const respond = this.responder(request, callback);
    this.serveQr(request, respond as (r: never[]) => void, (qr, cancelled) =>
      qr.move(
        request,
        respond as (r: (responses.CMoveResponse | responses.CGetResponse)[]) => void,
        this.callingAeTitle,
        cancelled,
      ),
    );
  }

  override cGetRequest(
    request: requests.CGetRequest,
    callback: (r: responses.CGetResponse[]) => void,
  ): void {
    const respond = this.responder(request, callback);
    this.serveQr(request, respond as (r: never[]) => void, (qr, cancelled) =>
      qr.get(
        request,
        respond as (r: (responses.CMoveResponse | responses.CGetResponse)[]) => void,
        this.callingAeTitle,
        cancelled,
        this.getAssociation(),
      ),
    );
  }

  /** C-STORE sub-operations of a C-GET, sent back on this association (PS3.4 C.4.3.3). */
  private getAssociation(): GetAssociation {
    const association = (this as unknown as { association?: Association }).association;
    return {
      canStore: (sopClassUid, transferSyntaxUid) =>
        (association?.getPresentationContexts() ?? []).some(({ context }) => {
          // The requester must have taken the SCP role for the class (PS3.7 D.3.3.4).
          return (
            context.getAbstractSyntaxUid() === sopClassUid &&
            context.getResult() === constants.PresentationContextResult.Accept &&
            context.getAcceptedTransferSyntaxUid() === transferSyntaxUid &&
            context.getProviderRole() === true
          );
        }),
      store: (request) =>
        new Promise<number>((resolve, reject) => {
          const gone = (): void => reject(new Error("the requester closed the association"));
          // "close" has already fired for a connection that is gone: do not wait for it.
          if (this.sock.destroyed) {
            gone();
            return;
          }
          this.sock.once("close", gone);
          request.on("response", (r: responses.CStoreResponse) => {
            this.sock.off("close", gone);
            resolve(r.getStatus());
          });
          this.sendRequests(request);
        }),
    };
  }
}
