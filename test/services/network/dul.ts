// A deliberately small DICOM Upper Layer client (PS3.8 9.3) for tests that need to misbehave in
// ways real peers will not: exact presentation contexts, malformed and oversized PDUs, a
// connection dropped in the middle of a data set.
import net from "node:net";

const APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";

function uidBytes(uid: string): Buffer {
  const b = Buffer.from(uid, "ascii");
  return b.length % 2 === 0 ? b : Buffer.concat([b, Buffer.from([0])]);
}

function item(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = type;
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, body]);
}

function ae(title: string): Buffer {
  return Buffer.from(title.padEnd(16, " ").slice(0, 16), "ascii");
}

export interface ProposedContext {
  id: number;
  abstractSyntax: string;
  transferSyntaxes: string[];
}

export function associateRq(called: string, calling: string, contexts: ProposedContext[]): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(1, 0);
  ae(called).copy(fixed, 4);
  ae(calling).copy(fixed, 20);
  const pcs = contexts.map((c) => {
    const head = Buffer.from([c.id, 0, 0, 0]);
    const subs = [
      item(0x30, uidBytes(c.abstractSyntax)),
      ...c.transferSyntaxes.map((t) => item(0x40, uidBytes(t))),
    ];
    return item(0x20, Buffer.concat([head, ...subs]));
  });
  const maxLen = Buffer.alloc(4);
  maxLen.writeUInt32BE(16384, 0);
  const user = item(0x50, Buffer.concat([item(0x51, maxLen), item(0x52, uidBytes("1.2.3.4"))]));
  const body = Buffer.concat([fixed, item(0x10, uidBytes(APPLICATION_CONTEXT)), ...pcs, user]);
  return pdu(0x01, body);
}

export function pdu(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(6);
  h[0] = type;
  h.writeUInt32BE(body.length, 2);
  return Buffer.concat([h, body]);
}

export function pdata(contextId: number, command: boolean, last: boolean, value: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(value.length + 2, 0);
  const header = Buffer.from([contextId, (command ? 1 : 0) | (last ? 2 : 0)]);
  return pdu(0x04, Buffer.concat([len, header, value]));
}

function element(group: number, el: number, value: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(el, 2);
  h.writeUInt32LE(value.length, 4);
  return Buffer.concat([h, value]);
}

function us(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}

/** A C-STORE-RQ command set, Implicit VR Little Endian (PS3.7 9.3.1.1). */
export function cStoreCommand(sopClass: string, sopInstance: string, messageId: number): Buffer {
  const rest = Buffer.concat([
    element(0x0000, 0x0002, uidBytes(sopClass)),
    element(0x0000, 0x0100, us(0x0001)),
    element(0x0000, 0x0110, us(messageId)),
    element(0x0000, 0x0700, us(0)),
    element(0x0000, 0x0800, us(0x0000)),
    element(0x0000, 0x1000, uidBytes(sopInstance)),
  ]);
  const gl = Buffer.alloc(4);
  gl.writeUInt32LE(rest.length, 0);
  return Buffer.concat([element(0x0000, 0x0000, gl), rest]);
}

/** Presentation context results of an A-ASSOCIATE-AC, by context id (PS3.8 9.3.3.2). */
export function acceptResults(ac: Buffer): Map<number, number> {
  const out = new Map<number, number>();
  let offset = 6 + 68;
  while (offset + 4 <= ac.length) {
    const type = ac[offset]!;
    const len = ac.readUInt16BE(offset + 2);
    if (type === 0x21) out.set(ac[offset + 4]!, ac[offset + 6]!);
    offset += 4 + len;
  }
  return out;
}

export class RawPeer {
  readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => resolve(new RawPeer(s)));
      s.once("error", reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next whole PDU, or null when the connection closed first. */
  async nextPdu(timeoutMs = 5000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffered.length >= 6) {
        const len = this.buffered.readUInt32BE(2);
        if (this.buffered.length >= 6 + len) {
          const p = this.buffered.subarray(0, 6 + len);
          this.buffered = this.buffered.subarray(6 + len);
          return p;
        }
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a PDU");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
