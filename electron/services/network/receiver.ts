// The DICOM listener: C-ECHO and C-STORE SCP (PS3.4 Annex A and B) on dcmjs-dimse's protocol
// machine, with the four traps of ../shared/FIELD-NOTES.md handled here:
// - it binds one address: we create the TCP server ourselves (dcmjs-dimse's Server.listen binds
//   every interface) and hand each socket to our Scp;
// - TCP_NODELAY on every socket (200 x 128 KiB stores: 8.7 s without, 1.8 s with);
// - the data set is received as raw bytes (createStoreWritableStream) and filed as the sender's
//   bytes behind a new File Meta group, so private tags survive (dcmjs-dimse re-encodes through
//   dcmjs and drops undeclared private tags);
// - a handler that throws produces no response at all: every handler here answers in a finally.
// A PDU guard in front of the parser aborts peers that send unknown PDU types or PDUs larger
// than we announced (the parser would otherwise buffer a declared 4 GB PDU in memory).
import net from "node:net";
import { Writable } from "node:stream";
import type { association as dimseAssociation } from "dcmjs-dimse";
import { Scp, constants, log as dimseLog, responses, type requests } from "dcmjs-dimse";
import { errorMessage } from "../../contract/errors";
import { commandPdu, encodeCommand } from "./dimse-command";
import { part10File } from "./part10";
import type { GetAssociation, QrScp } from "./qr-scp";
import {
  ACCEPTED_TRANSFER_SYNTAXES,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  STORAGE_SOP_CLASSES,
  VERIFICATION_SOP_CLASS,
} from "./sop-classes";

type Association = dimseAssociation.Association;
type CStoreRequest = requests.CStoreRequest;
type CEchoRequest = requests.CEchoRequest;
/** What `_sendPDataTF` is given: a request or response of dcmjs-dimse. */
interface DimseCommand {
  getDataset(): unknown;
  getCommandDataset(): { getElements(): Record<string, unknown> };
}

/** dcmjs-dimse's Network method that writes one DIMSE message; not in its type declarations. */
declare module "dcmjs-dimse" {
  interface Scp {
    _sendPDataTF(command: unknown, presentationContextId: number, maxPduLength: number): void;
  }
}

dimseLog.setLevel("silent");

/** DIMSE status codes used by the storage SCP (PS3.4 B.2.3, PS3.7 C). */
export const STATUS = {
  success: 0x0000,
  outOfResources: 0xa700,
  dataSetDoesNotMatchSopClass: 0xa900,
  cannotUnderstand: 0xc000,
  sopClassNotSupported: 0x0122,
} as const;

export interface AllowedPeer {
  /** Calling AE title, compared without the padding spaces. */
  aeTitle: string;
  /** When given, the association must come from one of these addresses. */
  addresses?: string[];
}

export interface ReceiverConfig {
  aeTitle: string;
  port: number;
  /** Address to bind; 127.0.0.1 until a site sets its network interface. */
  bind: string;
  /** Calling AEs allowed to associate; empty: any calling AE. */
  allowed: AllowedPeer[];
  /** Largest P-DATA PDU we accept, announced in A-ASSOCIATE-AC (PS3.8 D.1). */
  maxPduLength?: number;
}

export interface ReceivedInstance {
  associationId: number;
  callingAeTitle: string;
  remoteAddress: string;
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** The instance as a Part 10 file: new File Meta group + the sender's data set bytes. */
  file: Uint8Array;
}

export interface StoreAnswer {
  status: number;
  comment?: string;
}

export type AssociationEnd = "released" | "aborted" | "closed";

export interface AssociationSummary {
  associationId: number;
  callingAeTitle: string;
  remoteAddress: string;
  stored: number;
  failed: number;
  end: AssociationEnd;
}

export type ReceiverEvent =
  | {
      kind: "association-rejected";
      callingAeTitle: string;
      remoteAddress: string;
      reason: string;
    }
  | {
      kind: "association-accepted";
      associationId: number;
      callingAeTitle: string;
      remoteAddress: string;
    }
  | { kind: "association-ended"; summary: AssociationSummary }
  | { kind: "protocol-error"; remoteAddress: string; reason: string };

export interface ReceiverHandlers {
  /** Files one instance; the answer is sent to the peer as the C-STORE response status. */
  store(instance: ReceivedInstance): Promise<StoreAnswer>;
  onEvent?(event: ReceiverEvent): void;
  /**
   * The Query/Retrieve SCP (qr-scp.ts): when given, Study and Patient Root FIND / MOVE / GET are
   * negotiated on the same associations (same called AE and allow-list checks as C-STORE).
   */
  qr?: QrScp;
}

const DEFAULT_MAX_PDU = 262144;
/** Association and release PDUs are small; anything bigger than this is not a real peer. */
const MAX_CONTROL_PDU = 65536;

const PDU_TYPES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);

/**
 * Follows PDU boundaries in the raw byte stream (PS3.8 9.3.1: type, reserved, 32-bit length) and
 * says when a peer breaks the framing, before the parser buffers anything.
 */
export class PduGuard {
  private remaining = 0;
  private header = new Uint8Array(6);
  private headerBytes = 0;

  constructor(private readonly maxDataPdu: number) {}

  /** A reason when `chunk` holds an unknown PDU type or an oversized PDU, else null. */
  check(chunk: Uint8Array): string | null {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset);
        this.remaining -= take;
        offset += take;
        continue;
      }
      const take = Math.min(6 - this.headerBytes, chunk.length - offset);
      this.header.set(chunk.subarray(offset, offset + take), this.headerBytes);
      this.headerBytes += take;
      offset += take;
      if (this.headerBytes < 6) break;
      this.headerBytes = 0;
      const type = this.header[0]!;
      const length = new DataView(this.header.buffer).getUint32(2, false);
      if (!PDU_TYPES.has(type)) return `unknown PDU type 0x${type.toString(16).padStart(2, "0")}`;
      const limit = type === 0x04 ? this.maxDataPdu + 6 : MAX_CONTROL_PDU;
      if (length > limit) {
        return `PDU of ${length} bytes exceeds the ${limit} bytes accepted for type 0x0${type}`;
      }
      this.remaining = length;
    }
    return null;
  }
}

/** Collects the C-STORE data set fragments as they arrive (no parsing). */
export class RawDatasetSink extends Writable {
  readonly chunks: Buffer[] = [];
  size = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    done();
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** What dcmjs-dimse passes to cStoreRequest as "the dataset": our raw bytes, untouched. */
export interface RawDataset {
  raw: Uint8Array;
  transferSyntaxUid: string;
}

function trimAe(ae: string | undefined): string {
  return (ae ?? "").trim();
}

/** A-ASSOCIATE-RJ reasons for source "service user" (PS3.8 9.3.4, Table 9-21). */
const RJ = constants.RejectReason;

export class DicomReceiver {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextAssociationId = 1;
  private boundPort = 0;

  constructor(
    readonly config: ReceiverConfig,
    private readonly handlers: ReceiverHandlers,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  get maxPduLength(): number {
    return this.config.maxPduLength ?? DEFAULT_MAX_PDU;
  }

  /** Starts listening on config.bind:config.port (port 0: any free port); resolves with the port. */
  start(): Promise<number> {
    if (this.server) return Promise.resolve(this.boundPort);
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port: this.config.port, host: this.config.bind, exclusive: true }, () => {
        server.off("error", reject);
        const address = server.address();
        this.boundPort = typeof address === "object" && address ? address.port : this.config.port;
        resolve(this.boundPort);
      });
    });
  }

  /**
   * Stops accepting, lets every store already received finish filing (its sender still gets
   * its answer where the connection allows), then closes the remaining connections.
   */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    // server.close() calls back only once every connection is gone: stop accepting first,
    // finish filing, close the connections, then wait for the callback.
    const closed = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    await Promise.allSettled([...this.inFlight]);
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Stores still being filed (for tests and shutdown). */
  get pendingStores(): number {
    return this.inFlight.size;
  }

  track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  get qr(): QrScp | undefined {
    return this.handlers.qr;
  }

  handleStore(instance: ReceivedInstance): Promise<StoreAnswer> {
    return this.handlers.store(instance);
  }

  emit(event: ReceiverEvent): void {
    try {
      this.handlers.onEvent?.(event);
    } catch {
      // A listener's bug must not take the protocol machine down.
    }
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    const remoteAddress = socket.remoteAddress ?? "";
    const guard = new PduGuard(this.maxPduLength);
    // Runs before dcmjs-dimse's own listener sees the bytes.
    socket.prependListener("data", (chunk: Buffer) => {
      const problem = guard.check(chunk);
      if (problem === null) return;
      this.emit({ kind: "protocol-error", remoteAddress, reason: problem });
      // A-ABORT, source service provider (2), reason: unrecognized PDU (1) / invalid parameter (6).
      const reason = problem.startsWith("unknown") ? 1 : 6;
      socket.end(Buffer.from([0x07, 0, 0, 0, 0, 4, 0, 0, 2, reason]));
      socket.destroy();
    });
    const scp = new ReceiverScp(socket, this, remoteAddress, this.nextAssociationId++);
    scp.on("networkError", (err: Error) => {
      this.emit({ kind: "protocol-error", remoteAddress, reason: err.message });
      socket.destroy();
    });
    scp.on("close", () => scp.finish());
  }
}

class ReceiverScp extends Scp {
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
    for (const { context } of association.getPresentationContexts()) {
      const abstract = context.getAbstractSyntaxUid();
      const proposed = context.getTransferSyntaxUids();
      if (abstract === VERIFICATION_SOP_CLASS) {
        const ts = proposed.find(
          (t) => t === IMPLICIT_VR_LITTLE_ENDIAN || t === EXPLICIT_VR_LITTLE_ENDIAN,
        );
        if (ts) context.setResult(R.Accept, ts);
        else context.setResult(R.RejectTransferSyntaxesNotSupported);
      } else if (STORAGE_SOP_CLASSES[abstract] !== undefined) {
        // The proposer's order is its preference (PS3.8 9.3.2.2); take the first we decode.
        const ts = proposed.find((t) => ACCEPTED_TRANSFER_SYNTAXES.has(t));
        if (ts) context.setResult(R.Accept, ts);
        else context.setResult(R.RejectTransferSyntaxesNotSupported);
      } else if (this.owner.qr?.accepts(abstract)) {
        // Identifiers are small: the two uncompressed Little Endian syntaxes, proposer's order.
        const ts = proposed.find(
          (t) => t === EXPLICIT_VR_LITTLE_ENDIAN || t === IMPLICIT_VR_LITTLE_ENDIAN,
        );
        if (ts) context.setResult(R.Accept, ts);
        else context.setResult(R.RejectTransferSyntaxesNotSupported);
      } else {
        context.setResult(R.RejectAbstractSyntaxNotSupported);
      }
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
      if (answer.comment) response.setErrorComment(answer.comment.slice(0, 64));
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
