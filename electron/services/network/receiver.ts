// The DICOM listener: C-ECHO and C-STORE SCP (PS3.4 Annex A and B) on dcmjs-dimse's protocol
// machine (one ReceiverScp per association, receiver-scp.ts), with the traps of
// ../shared/FIELD-NOTES.md handled:
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
import { DEFAULT_MAX_PDU, PduGuard } from "./pdu";
import type { QrScp } from "./qr-scp";
import { ReceiverScp } from "./receiver-scp";

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
