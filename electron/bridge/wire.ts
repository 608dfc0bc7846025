// The bridge's body format: a JSON document whose typed arrays travel as raw bytes after it, so
// slice pixels cross the loopback as float32 bytes (4 bytes a pixel) instead of JSON numbers
// (~10 characters a pixel and a parse). Layout: u32 little-endian JSON length, the JSON (UTF-8),
// zero padding to a multiple of 8, then each array's bytes at the 8-aligned offset the JSON names.
// No Node and no DOM beyond TextEncoder/TextDecoder: the renderer decodes with the same file.

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Int16Array,
  Uint16Array,
  Uint8Array,
} as const;
type TypedName = keyof typeof TYPED;
type Typed = InstanceType<(typeof TYPED)[TypedName]>;

/** What stands in the JSON for one typed array: its type and where its bytes lie after the JSON. */
interface ArrayRef {
  $typed: TypedName;
  offset: number;
  length: number;
}

function typedName(v: unknown): TypedName | null {
  for (const name of Object.keys(TYPED) as TypedName[]) if (v instanceof TYPED[name]) return name;
  return null;
}

const align8 = (n: number): number => (n + 7) & ~7;

export function encodeWire(value: unknown): Uint8Array {
  const chunks: Typed[] = [];
  let binaryLength = 0;
  const json = JSON.stringify(value, (_key, v: unknown) => {
    const name = typedName(v);
    if (name === null) return v;
    const arr = v as Typed;
    const ref: ArrayRef = { $typed: name, offset: binaryLength, length: arr.length };
    chunks.push(arr);
    binaryLength = align8(binaryLength + arr.byteLength);
    return ref;
  });
  const head = new TextEncoder().encode(json ?? "null");
  const start = align8(4 + head.length);
  const out = new Uint8Array(start + binaryLength);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  let offset = 0;
  for (const arr of chunks) {
    out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), start + offset);
    offset = align8(offset + arr.byteLength);
  }
  return out;
}

export function decodeWire(bytes: ArrayBuffer): unknown {
  const view = new DataView(bytes);
  if (bytes.byteLength < 4) throw new Error("Bridge response is shorter than its header.");
  const jsonLength = view.getUint32(0, true);
  if (4 + jsonLength > bytes.byteLength) throw new Error("Bridge response is truncated.");
  const json = new TextDecoder().decode(new Uint8Array(bytes, 4, jsonLength));
  const start = align8(4 + jsonLength);
  return JSON.parse(json, (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || !("$typed" in v)) return v;
    const p = v as ArrayRef;
    const Ctor = TYPED[p.$typed];
    if (Ctor === undefined) throw new Error(`Unknown typed array ${String(p.$typed)}.`);
    const byteOffset = start + p.offset;
    if (byteOffset + p.length * Ctor.BYTES_PER_ELEMENT > bytes.byteLength) {
      throw new Error("Bridge response array runs past the end of the body.");
    }
    // Offsets are 8-aligned, so a view (no copy) is valid for every element size.
    return new Ctor(bytes, byteOffset, p.length);
  });
}
