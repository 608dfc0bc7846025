// Sequential DCT JPEG with Huffman coding, 8- and 12-bit sample precision: baseline (process 1)
// and extended (processes 2 and 4), ITU T.81 Annex F. No npm decoder handles 12-bit lossy JPEG
// (FIELD-NOTES), which DICOM's "JPEG Extended (Process 2 and 4)" syntax carries.
// Progressive, hierarchical, lossless and arithmetic-coded frames are refused with their name.
import { DicomParseError } from "../../../contract/errors";
import { BitReader, buildHuffmanTable, type HuffmanTable } from "./huffman";
import { idct8x8 } from "./idct";

/** Zig-zag order to natural order (T.81 Figure A.6). */
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
  45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  /** Dequantized coefficients, 64 per block, natural order. */
  coefficients: Float64Array;
  pred: number;
  dcTable: HuffmanTable | null;
  acTable: HuffmanTable | null;
}

export interface DctImage {
  width: number;
  height: number;
  precision: number;
  /** One plane per component, each width x height (subsampled planes are upsampled). */
  planes: Int32Array[];
}

const UNSUPPORTED_SOF: Record<number, string> = {
  0xc2: "progressive DCT (process 10/12)",
  0xc3: "lossless (process 14)",
  0xc5: "hierarchical",
  0xc6: "hierarchical",
  0xc7: "hierarchical",
  0xc9: "arithmetic-coded",
  0xca: "arithmetic-coded",
  0xcb: "arithmetic-coded",
  0xcd: "arithmetic-coded",
  0xce: "arithmetic-coded",
  0xcf: "arithmetic-coded",
};

export function decodeDctJpeg(data: Uint8Array): DctImage {
  const u16 = (at: number): number => ((data[at] ?? 0) << 8) | (data[at + 1] ?? 0);
  if (u16(0) !== 0xffd8) throw new DicomParseError("JPEG: the frame does not start with SOI");
  const quant: Array<Float64Array | undefined> = [];
  const dcTables: Array<HuffmanTable | undefined> = [];
  const acTables: Array<HuffmanTable | undefined> = [];
  let components: Component[] = [];
  let precision = 8;
  let width = 0;
  let height = 0;
  let hMax = 1;
  let vMax = 1;
  let restartInterval = 0;
  let pos = 2;
  while (pos + 4 <= data.length) {
    if (data[pos] !== 0xff) {
      pos++; // fill bytes or junk between segments
      continue;
    }
    const marker = data[pos + 1]!;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd9) break; // EOI
    const length = u16(pos + 2);
    const seg = pos + 4;
    const segEnd = pos + 2 + length;
    if (marker === 0xdb) {
      // DQT (B.2.4.1): Pq=1 means 16-bit entries (12-bit processes).
      for (let p = seg; p < segEnd;) {
        const pq = data[p]! >> 4;
        const tq = data[p]! & 15;
        const table = new Float64Array(64);
        for (let i = 0; i < 64; i++) {
          table[ZIGZAG[i]!] = pq ? u16(p + 1 + 2 * i) : data[p + 1 + i]!;
        }
        quant[tq] = table;
        p += 1 + (pq ? 128 : 64);
      }
    } else if (marker === 0xc4) {
      // DHT (B.2.4.2)
      for (let p = seg; p < segEnd;) {
        const tc = data[p]! >> 4;
        const th = data[p]! & 15;
        const counts = data.subarray(p + 1, p + 17);
        const total = counts.reduce((a, b) => a + b, 0);
        const table = buildHuffmanTable(counts, data.subarray(p + 17, p + 17 + total));
        (tc === 0 ? dcTables : acTables)[th] = table;
        p += 17 + total;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      precision = data[seg]!;
      height = u16(seg + 1);
      width = u16(seg + 3);
      const n = data[seg + 5]!;
      components = [];
      for (let i = 0; i < n; i++) {
        const b = seg + 6 + 3 * i;
        components.push({
          id: data[b]!,
          h: data[b + 1]! >> 4,
          v: data[b + 1]! & 15,
          tq: data[b + 2]!,
          blocksPerLine: 0,
          blocksPerColumn: 0,
          coefficients: new Float64Array(0),
          pred: 0,
          dcTable: null,
          acTable: null,
        });
      }
      if (precision !== 8 && precision !== 12) {
        throw new DicomParseError(
          `JPEG: sample precision ${precision} is not 8 or 12 (T.81 B.2.2)`,
        );
      }
      if (height === 0) throw new DicomParseError("JPEG: DNL-defined height is not supported");
      hMax = Math.max(...components.map((c) => c.h));
      vMax = Math.max(...components.map((c) => c.v));
      const mcuX = Math.ceil(width / (8 * hMax));
      const mcuY = Math.ceil(height / (8 * vMax));
      for (const c of components) {
        c.blocksPerLine = mcuX * c.h;
        c.blocksPerColumn = mcuY * c.v;
        c.coefficients = new Float64Array(c.blocksPerLine * c.blocksPerColumn * 64);
      }
    } else if (UNSUPPORTED_SOF[marker]) {
      throw new DicomParseError(`JPEG: ${UNSUPPORTED_SOF[marker]} frames are not supported`);
    } else if (marker === 0xdd) {
      restartInterval = u16(seg);
    } else if (marker === 0xda) {
      // SOS (B.2.3)
      const ns = data[seg]!;
      const scan: Component[] = [];
      for (let i = 0; i < ns; i++) {
        const id = data[seg + 1 + 2 * i]!;
        const sel = data[seg + 2 + 2 * i]!;
        const c = components.find((x) => x.id === id);
        if (!c) throw new DicomParseError(`JPEG: scan refers to unknown component ${id}`);
        c.dcTable = dcTables[sel >> 4] ?? null;
        c.acTable = acTables[sel & 15] ?? null;
        scan.push(c);
      }
      const reader = new BitReader(data, segEnd);
      decodeScan(reader, scan, quant, restartInterval, hMax, vMax, width, height);
      pos = reader.pos;
      continue;
    }
    pos = segEnd;
  }
  if (components.length === 0) throw new DicomParseError("JPEG: no frame header (SOF0/SOF1)");
  return {
    width,
    height,
    precision,
    planes: components.map((c) => toPlane(c, precision, width, height, hMax, vMax)),
  };
}

function decodeBlock(r: BitReader, c: Component, q: Float64Array, block: number): void {
  const out = c.coefficients;
  const base = block * 64;
  const t = r.decode(c.dcTable!);
  c.pred += r.receiveExtend(t);
  out[base] = c.pred * q[0]!;
  for (let k = 1; k < 64;) {
    const rs = r.decode(c.acTable!);
    const s = rs & 15;
    const run = rs >> 4;
    if (s === 0) {
      if (run !== 15) break; // EOB
      k += 16;
      continue;
    }
    k += run;
    if (k > 63) throw new DicomParseError("JPEG: AC coefficient index out of range");
    const z = ZIGZAG[k]!;
    out[base + z] = r.receiveExtend(s) * q[z]!;
    k++;
  }
}

function decodeScan(
  r: BitReader,
  scan: Component[],
  quant: Array<Float64Array | undefined>,
  restartInterval: number,
  hMax: number,
  vMax: number,
  width: number,
  height: number,
): void {
  for (const c of scan) {
    if (!c.dcTable || !c.acTable)
      throw new DicomParseError("JPEG: scan uses an undefined Huffman table");
    if (!quant[c.tq]) throw new DicomParseError("JPEG: frame uses an undefined quantization table");
    c.pred = 0;
  }
  const single = scan.length === 1;
  // A non-interleaved scan covers only the component's own blocks (T.81 A.2.2).
  const c0 = scan[0]!;
  const units = single
    ? Math.ceil(Math.ceil((width * c0.h) / hMax) / 8) *
      Math.ceil(Math.ceil((height * c0.v) / vMax) / 8)
    : Math.ceil(width / (8 * hMax)) * Math.ceil(height / (8 * vMax));
  const unitsPerLine = single
    ? Math.ceil(Math.ceil((width * c0.h) / hMax) / 8)
    : Math.ceil(width / (8 * hMax));
  for (let n = 0; n < units; n++) {
    if (restartInterval > 0 && n > 0 && n % restartInterval === 0) {
      r.restart();
      for (const c of scan) c.pred = 0;
    }
    const row = Math.floor(n / unitsPerLine);
    const col = n % unitsPerLine;
    if (single) {
      decodeBlock(r, c0, quant[c0.tq]!, row * c0.blocksPerLine + col);
      continue;
    }
    for (const c of scan) {
      for (let v = 0; v < c.v; v++) {
        for (let h = 0; h < c.h; h++) {
          const block = (row * c.v + v) * c.blocksPerLine + col * c.h + h;
          decodeBlock(r, c, quant[c.tq]!, block);
        }
      }
    }
  }
  r.restart();
}

function toPlane(
  c: Component,
  precision: number,
  width: number,
  height: number,
  hMax: number,
  vMax: number,
): Int32Array {
  const stride = c.blocksPerLine * 8;
  const full = new Int32Array(stride * c.blocksPerColumn * 8);
  const shift = 1 << (precision - 1);
  const max = (1 << precision) - 1;
  const coef = new Float64Array(64);
  for (let by = 0; by < c.blocksPerColumn; by++) {
    for (let bx = 0; bx < c.blocksPerLine; bx++) {
      const block = (by * c.blocksPerLine + bx) * 64;
      coef.set(c.coefficients.subarray(block, block + 64));
      idct8x8(coef, full, by * 8 * stride + bx * 8, stride, shift, max);
    }
  }
  const plane = new Int32Array(width * height);
  const sx = hMax / c.h;
  const sy = vMax / c.v;
  for (let y = 0; y < height; y++) {
    const srcRow = Math.floor(y / sy) * stride;
    for (let x = 0; x < width; x++) plane[y * width + x] = full[srcRow + Math.floor(x / sx)]!;
  }
  return plane;
}
