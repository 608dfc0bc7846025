// `npm run bench:read`: the DICOM reader alone on ../shared/dicom-samples' MR files. Header parse
// (readDicomBytes: structure walk + dcmjs + pixel checks, no decoding) in CPU milliseconds per
// file, and frame decoding per transfer syntax. CPU time (user + system) rather than wall time, so
// a shared machine distorts it less. Prints `key=value` lines.
import fs from "node:fs";
import path from "node:path";
import { readDicomBytes } from "../electron/dicom/read/index";

const SAMPLES = path.resolve(__dirname, "..", "..", "..", "shared", "dicom-samples");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);

function cpuMs(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const manifest = fs.readFileSync(path.join(SAMPLES, "manifest.tsv"), "utf8").trim().split("\n");
  const files = manifest
    .slice(1)
    .map((l) => l.split("\t"))
    .filter((c) => c[6] === "import" && c[1] === "MR")
    .map((c) => ({
      path: c[0]!,
      syntax: c[3]!,
      bytes: new Uint8Array(fs.readFileSync(path.join(SAMPLES, c[0]!))),
    }));
  const groups: Array<[string, (f: (typeof files)[number]) => boolean]> = [
    ["classic 256x256 (mr-series-dwv)", (f) => f.path.startsWith("mr-series-dwv/")],
    ["classic 512x512 (NEMA)", (f) => f.path.startsWith("mr-nema/")],
    ["enhanced multi-frame", (f) => f.path.startsWith("mr-enhanced/")],
    ["all MR files", () => true],
  ];
  for (const [name, keep] of groups) {
    const set = files.filter(keep);
    for (const f of set) readDicomBytes(f.path, f.bytes); // warm up
    const start = process.cpuUsage();
    for (let r = 0; r < ROUNDS; r++) for (const f of set) readDicomBytes(f.path, f.bytes);
    const ms = cpuMs(start) / (ROUNDS * set.length);
    console.log(`parse_ms_per_file[${name}]=${ms.toFixed(3)} files=${set.length}`);
  }
  const bySyntax = new Map<string, { ms: number; frames: number }>();
  for (const f of files) {
    const out = readDicomBytes(f.path, f.bytes);
    if (out.kind !== "instance") continue;
    const start = process.cpuUsage();
    for (let i = 0; i < out.instance.frames.length; i++) await out.instance.decodeFrame(i);
    const entry = bySyntax.get(f.syntax) ?? { ms: 0, frames: 0 };
    entry.ms += cpuMs(start);
    entry.frames += out.instance.frames.length;
    bySyntax.set(f.syntax, entry);
  }
  for (const [syntax, e] of bySyntax) {
    console.log(
      `decode_ms_per_frame[${syntax}]=${(e.ms / e.frames).toFixed(2)} frames=${e.frames}`,
    );
  }
}

void main();
