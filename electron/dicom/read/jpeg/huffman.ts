// Huffman tables and the entropy-coded bit stream of sequential DCT JPEG (ITU T.81 Annex C, F.2).

import { DicomParseError } from "../../../contract/errors";

/** A decoding table in the MAXCODE / VALPTR / MINCODE form of T.81 F.2.2.3. */
export interface HuffmanTable {
  maxCode: Int32Array; // by code length 1..16; -1 when no code of that length
  valPtr: Int32Array;
  minCode: Int32Array;
  values: Uint8Array;
  /** Fast path: (code << (9 - length)) for codes up to 9 bits -> (length << 8) | value. */
  lookup: Uint16Array;
}

const LOOKUP_BITS = 9;

/** Builds a table from the 16 code-length counts and the symbol values (T.81 C.2, Figure C.1-C.3). */
export function buildHuffmanTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(18).fill(-1);
  const valPtr = new Int32Array(17);
  const minCode = new Int32Array(17);
  const lookup = new Uint16Array(1 << LOOKUP_BITS);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1]!;
    if (n > 0) {
      valPtr[length] = k;
      minCode[length] = code;
      for (let i = 0; i < n; i++) {
        if (length <= LOOKUP_BITS) {
          const base = code << (LOOKUP_BITS - length);
          const fill = 1 << (LOOKUP_BITS - length);
          for (let j = 0; j < fill; j++) lookup[base + j] = (length << 8) | values[k]!;
        }
        code++;
        k++;
      }
      maxCode[length] = code - 1;
    }
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff; // sentinel: a corrupt stream ends in an error, not a loop
  return { maxCode, valPtr, minCode, values, lookup };
}

/** Reads entropy-coded bits, removing stuffed zero bytes after 0xFF (T.81 F.1.2.3). */
export class BitReader {
  private bits = 0;
  private count = 0;
  /** A marker was met: from here on zeros are fed (T.81 F.2.2.5 Note). */
  marker: number | null = null;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.count <= 24) {
      let byte = 0;
      if (this.marker === null && this.pos < this.data.length) {
        byte = this.data[this.pos]!;
        if (byte === 0xff) {
          const next = this.data[this.pos + 1] ?? 0;
          if (next === 0) {
            this.pos += 2;
          } else {
            this.marker = next;
            byte = 0;
          }
        } else {
          this.pos += 1;
        }
      }
      this.bits = ((this.bits << 8) | byte) >>> 0;
      this.count += 8;
    }
  }

  peek(n: number): number {
    if (this.count < n) this.fill();
    return (this.bits >>> (this.count - n)) & ((1 << n) - 1);
  }

  skip(n: number): void {
    this.count -= n;
    this.bits &= this.count >= 32 ? 0xffffffff : (1 << this.count) - 1;
  }

  read(n: number): number {
    if (n === 0) return 0;
    const v = this.peek(n);
    this.skip(n);
    return v;
  }

  /** Decodes one Huffman symbol (T.81 F.2.2.3, DECODE). */
  decode(t: HuffmanTable): number {
    const fast = t.lookup[this.peek(LOOKUP_BITS)]!;
    if (fast !== 0) {
      this.skip(fast >>> 8);
      return fast & 0xff;
    }
    let code = this.read(1);
    let length = 1;
    while (code > t.maxCode[length]!) {
      code = (code << 1) | this.read(1);
      length++;
      if (length > 16) throw new DicomParseError("JPEG: invalid Huffman code in the scan");
    }
    return t.values[t.valPtr[length]! + code - t.minCode[length]!]!;
  }

  /** Reads `size` bits and sign-extends them per T.81 F.2.2.1 (EXTEND). */
  receiveExtend(size: number): number {
    if (size === 0) return 0;
    const v = this.read(size);
    return v < 1 << (size - 1) ? v - (1 << size) + 1 : v;
  }

  /** Drops buffered bits and moves past a restart marker (T.81 F.2.2.5). */
  restart(): void {
    this.bits = 0;
    this.count = 0;
    if (this.marker === null) {
      // Find the marker after the remaining bytes of the interval.
      while (this.pos + 1 < this.data.length) {
        if (this.data[this.pos] === 0xff && this.data[this.pos + 1] !== 0) break;
        this.pos++;
      }
      this.marker = this.data[this.pos + 1] ?? null;
    }
    if (this.marker !== null && this.marker >= 0xd0 && this.marker <= 0xd7) {
      this.pos += 2;
      this.marker = null;
    }
  }
}
