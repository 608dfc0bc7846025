// The receiving side's view of the Upper Layer (PS3.8 9): a guard that follows PDU boundaries in
// front of dcmjs-dimse's parser, and the sink that keeps a C-STORE data set as the sender's bytes.
import { Writable } from "node:stream";

/** The largest P-DATA PDU the receiver announces unless configured (PS3.8 D.1). */
export const DEFAULT_MAX_PDU = 262144;
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
