// The transfer syntaxes this reader knows (PS3.6 Annex A) and how each one's pixel data is read.
// Which syntaxes are decodable is decided here, once, so the reader and the README agree.

export type PixelCodec =
  | "native"
  | "rle"
  | "jpeg-baseline"
  | "jpeg-extended"
  | "jpeg-lossless"
  | "jpeg-ls"
  | "jpeg-2000"
  | "htj2k"
  | "none";

export interface TransferSyntax {
  uid: string;
  name: string;
  /** Data set encoding (PS3.5 7.1): explicit VR or implicit VR. */
  explicitVr: boolean;
  littleEndian: boolean;
  /** Data set is deflated after the file meta information (PS3.5 A.5). */
  deflated: boolean;
  /** Pixel data is encapsulated in fragments (PS3.5 A.4). */
  encapsulated: boolean;
  codec: PixelCodec;
}

function ts(
  uid: string,
  name: string,
  codec: PixelCodec,
  layout: Partial<Pick<TransferSyntax, "explicitVr" | "littleEndian" | "deflated">> = {},
): TransferSyntax {
  return {
    uid,
    name,
    explicitVr: layout.explicitVr ?? true,
    littleEndian: layout.littleEndian ?? true,
    deflated: layout.deflated ?? false,
    encapsulated: codec !== "native",
    codec,
  };
}

const KNOWN: readonly TransferSyntax[] = [
  ts("1.2.840.10008.1.2", "Implicit VR Little Endian", "native", { explicitVr: false }),
  ts("1.2.840.10008.1.2.1", "Explicit VR Little Endian", "native"),
  ts("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", "native", { deflated: true }),
  ts("1.2.840.10008.1.2.2", "Explicit VR Big Endian", "native", { littleEndian: false }),
  ts("1.2.840.10008.1.2.5", "RLE Lossless", "rle"),
  ts("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", "jpeg-baseline"),
  ts("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 and 4)", "jpeg-extended"),
  ts("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", "jpeg-lossless"),
  ts(
    "1.2.840.10008.1.2.4.70",
    "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)",
    "jpeg-lossless",
  ),
  ts("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", "jpeg-ls"),
  ts("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless", "jpeg-ls"),
  ts("1.2.840.10008.1.2.4.90", "JPEG 2000 (Lossless Only)", "jpeg-2000"),
  ts("1.2.840.10008.1.2.4.91", "JPEG 2000", "jpeg-2000"),
  ts("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)", "htj2k"),
  ts("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL (Lossless Only)", "htj2k"),
  ts("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000", "htj2k"),
  // Known encapsulated syntaxes without a decoder here: files are readable, pixels are not.
  ts("1.2.840.10008.1.2.4.52", "JPEG Extended (Process 3 and 5, retired)", "none"),
  ts("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection (Process 6 and 8, retired)", "none"),
  ts("1.2.840.10008.1.2.4.55", "JPEG Full Progression (Process 10 and 12, retired)", "none"),
  ts("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component (Lossless Only)", "none"),
  ts("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component", "none"),
  ts("1.2.840.10008.1.2.4.94", "JPIP Referenced", "none"),
  ts("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", "none"),
  ts("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile", "none"),
  ts("1.2.840.10008.1.2.4.110", "JPEG XL Lossless", "none"),
  ts("1.2.840.10008.1.2.4.112", "JPEG XL", "none"),
];

const BY_UID = new Map(KNOWN.map((t) => [t.uid, t]));

/** The syntax for `uid`, or null when this reader does not know it at all. */
export function lookupTransferSyntax(uid: string): TransferSyntax | null {
  return BY_UID.get(uid) ?? null;
}

export function knownTransferSyntaxes(): readonly TransferSyntax[] {
  return KNOWN;
}
