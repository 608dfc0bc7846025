// Text decoding per Specific Character Set (0008,0005), PS3.3 C.12.1.1.2 and PS3.5 6.1, with
// TextDecoder (Node's full ICU). ISO 2022 code extensions switch G0/G1 with escape sequences
// (PS3.5 6.1.2.5); those are interpreted here and never reach the decoded string.
import { TextDecoder } from "node:util";

type Designation =
  | { kind: "single"; label: string }
  /** A two-byte set in G0 (JIS X 0208 / 0212): decoded as EUC-JP by setting the high bits. */
  | { kind: "jis"; prefix: number[] }
  /** A two-byte set in G1 (KS X 1001, GB 2312): bytes already have the high bit set. */
  | { kind: "double"; label: string };

interface Term {
  g0?: Designation;
  g1?: Designation;
  /** A character set without code extensions: the whole value goes through one decoder. */
  whole?: string;
}

const ASCII: Designation = { kind: "single", label: "windows-1252" };
const single = (label: string): Designation => ({ kind: "single", label });

// ISO-IR numbers to the sets they designate (PS3.3 Table C.12-2, C.12-3, C.12-4).
const G1_SINGLE: Record<string, string> = {
  "100": "iso-8859-1",
  "101": "iso-8859-2",
  "109": "iso-8859-3",
  "110": "iso-8859-4",
  "144": "iso-8859-5",
  "127": "iso-8859-6",
  "126": "iso-8859-7",
  "138": "iso-8859-8",
  "148": "iso-8859-9",
  "203": "iso-8859-15",
  "166": "windows-874",
};

function termFor(value: string): Term {
  const v = value.trim().toUpperCase();
  if (v === "" || v === "ISO_IR 6" || v === "ISO 2022 IR 6") return { g0: ASCII };
  if (v === "ISO_IR 192") return { whole: "utf-8" };
  if (v === "GB18030") return { whole: "gb18030" };
  if (v === "GBK") return { whole: "gbk" };
  const m = /^ISO(_| 2022 )IR (\d+)$/.exec(v);
  if (!m) return { g0: ASCII };
  const extended = m[1] !== "_";
  const ir = m[2]!;
  if (ir === "13") return { g0: ASCII, g1: single("shift_jis") };
  if (ir === "87") return { g0: { kind: "jis", prefix: [] } };
  if (ir === "159") return { g0: { kind: "jis", prefix: [0x8f] } };
  if (ir === "149") return { g1: { kind: "double", label: "euc-kr" } };
  if (ir === "58") return { g1: { kind: "double", label: "gbk" } };
  const label = G1_SINGLE[ir];
  if (!label) return { g0: ASCII };
  return extended ? { g0: ASCII, g1: single(label) } : { whole: label };
}

/** Designations by the bytes after ESC (PS3.3 Table C.12-3 and C.12-4). */
const ESCAPES: Array<[string, "g0" | "g1", Designation]> = [
  ["(B", "g0", ASCII],
  ["(J", "g0", ASCII],
  [")I", "g1", single("shift_jis")],
  ["$B", "g0", { kind: "jis", prefix: [] }],
  ["$@", "g0", { kind: "jis", prefix: [] }],
  ["$(D", "g0", { kind: "jis", prefix: [0x8f] }],
  ["$)C", "g1", { kind: "double", label: "euc-kr" }],
  ["$)A", "g1", { kind: "double", label: "gbk" }],
  ["-A", "g1", single("iso-8859-1")],
  ["-B", "g1", single("iso-8859-2")],
  ["-C", "g1", single("iso-8859-3")],
  ["-D", "g1", single("iso-8859-4")],
  ["-L", "g1", single("iso-8859-5")],
  ["-G", "g1", single("iso-8859-6")],
  ["-F", "g1", single("iso-8859-7")],
  ["-H", "g1", single("iso-8859-8")],
  ["-M", "g1", single("iso-8859-9")],
  ["-T", "g1", single("windows-874")],
  ["-b", "g1", single("iso-8859-15")],
];

const decoders = new Map<string, TextDecoder>();
function decoder(label: string): TextDecoder {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  return d;
}

/** Splits a raw (0008,0005) value into its defined terms; value 1 may be empty (PS3.3 C.12.1.1.2). */
export function parseSpecificCharacterSet(raw: string): string[] {
  return raw.split("\\").map((v) => v.trim());
}

const DELIMITERS_PN = new Set([0x5e, 0x3d]); // "^", "="
const DELIMITERS_ANY = new Set([0x5c, 0x0a, 0x0d, 0x09, 0x0c]); // "\", LF, CR, TAB, FF

/**
 * Decodes one textual value. `personName` resets the code extensions at "^" and "=" as well as at
 * "\" and control characters (PS3.5 6.1.2.5.3). Trailing padding is removed.
 */
export function decodeText(bytes: Uint8Array, charsets: string[], personName = false): string {
  const terms = (charsets.length === 0 ? [""] : charsets).map(termFor);
  const first = terms[0]!;
  const extended = charsets.some((c) => c.toUpperCase().startsWith("ISO 2022"));
  let text: string;
  if (first.whole && !extended) {
    text = decoder(first.whole).decode(bytes);
  } else {
    text = decodeIso2022(bytes, first, personName);
  }
  // Nothing below U+0020 except line breaks belongs in a name or description.
  const clean = text.replace(/[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/g, "").replace(/[ \0]+$/, "");
  // Trailing empty components and component groups carry nothing (PS3.5 6.2.1.2).
  return personName ? clean.replace(/[\^=]+$/, "") : clean;
}

function decodeIso2022(bytes: Uint8Array, initial: Term, personName: boolean): string {
  const initialG0 = initial.g0 ?? ASCII;
  const initialG1 = initial.g1 ?? (initial.whole ? single(initial.whole) : null);
  let g0: Designation = initialG0;
  let g1: Designation | null = initialG1;
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === 0x1b) {
      const rest = String.fromCharCode(...bytes.subarray(i + 1, i + 4));
      const hit = ESCAPES.find(([seq]) => rest.startsWith(seq));
      if (hit) {
        if (hit[1] === "g0") g0 = hit[2];
        else g1 = hit[2];
        i += 1 + hit[0].length;
      } else {
        i += 1; // An unknown escape: drop ESC so it cannot leak; the rest reads as text.
      }
      continue;
    }
    if (b < 0x80 && g0.kind === "jis") {
      // Two-byte JIS in G0 until the next escape: EUC-JP is the same code with high bits set.
      let j = i;
      const euc: number[] = [];
      while (j + 1 < bytes.length && bytes[j]! >= 0x21 && bytes[j]! < 0x80) {
        euc.push(...g0.prefix, bytes[j]! | 0x80, bytes[j + 1]! | 0x80);
        j += 2;
      }
      if (j === i) {
        out += String.fromCharCode(b);
        i += 1;
      } else {
        out += decoder("euc-jp").decode(new Uint8Array(euc));
        i = j;
      }
      continue;
    }
    if (b < 0x80) {
      out += String.fromCharCode(b);
      if (DELIMITERS_ANY.has(b) || (personName && DELIMITERS_PN.has(b))) {
        g0 = initialG0;
        g1 = initialG1;
      }
      i += 1;
      continue;
    }
    let j = i;
    while (j < bytes.length && bytes[j]! >= 0x80) j++;
    const run = bytes.subarray(i, j);
    out += decoder(g1 && g1.kind !== "jis" ? g1.label : "windows-1252").decode(run);
    i = j;
  }
  return out;
}
