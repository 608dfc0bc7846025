// `npm run bench:import`: import throughput (parse + index + store) and peak memory on phantom
// cohorts of two sizes. Each import runs in a fresh child process with a fresh data directory, so
// its peak RSS (getrusage maxrss) is its own; flat memory means the larger cohort's peak stays
// near the smaller one's. Cohorts come from `livercad phantom` (issue 3 §5) and are cached in the
// temp folder by seed, size and generator version. Prints `key=value` lines; the last one holds every key.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GENERATOR_VERSION, readManifest } from "../electron/phantom/cohort";
import { openServices } from "../electron/services/compose";
import { importPaths } from "../electron/services/import";
import { assignStudySequences, readInstance } from "../electron/services/import/defaults";

const SEED = process.env.BENCH_SEED ?? "bench-import";
const SIZES = (process.env.BENCH_STUDIES ?? "6,24").split(",").map(Number);
// BENCH_TRACE=1: the child prints its memory every 500 files (to see what grows, if anything).
const trace = process.env.BENCH_TRACE === "1";
const CLI = path.resolve(__dirname, "..", "cli.cjs");

interface ChildResult {
  files: number;
  imported: number;
  seconds: number;
  /** User + system CPU time of the import: less sensitive than wall time to a shared machine. */
  cpuSeconds: number;
  peakRssMb: number;
  /** Heap still in use after a full collection at the end: what the import retains. */
  retainedHeapMb: number;
  complete: number;
  studies: number;
}

async function child(cohort: string): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-bench-db-"));
  const services = openServices({ dbFile: path.join(home, "registry.sqlite") });
  const { registry } = services;
  try {
    const cpu0 = process.cpuUsage();
    const report = await importPaths(registry, [cohort], {
      read: readInstance,
      assign: assignStudySequences,
      onProgress: trace
        ? (p) => {
            if (p.done % 500 === 0) {
              // With --expose-gc the heap is measured after a full collection: what is retained.
              (globalThis as { gc?: () => void }).gc?.();
              const m = process.memoryUsage();
              const mb = (n: number) => (n / 2 ** 20).toFixed(0);
              console.error(
                `done=${p.done} rss=${mb(m.rss)} heap=${mb(m.heapUsed)} ext=${mb(m.external)} ab=${mb(m.arrayBuffers)}`,
              );
            }
          }
        : undefined,
    });
    const result: ChildResult = {
      files: report.summary.files,
      imported: report.summary.imported,
      seconds: report.summary.seconds,
      cpuSeconds: (() => {
        const c = process.cpuUsage(cpu0);
        return (c.user + c.system) / 1e6;
      })(),
      // maxRSS is in kilobytes (getrusage(2)).
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      retainedHeapMb: (() => {
        (globalThis as { gc?: () => void }).gc?.();
        return process.memoryUsage().heapUsed / 2 ** 20;
      })(),
      complete: report.summary.complete,
      studies: report.summary.studies,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await services.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function cohortDir(studies: number): string {
  const dir = path.join(os.tmpdir(), `livercad-bench-cohort-${SEED}-${studies}`);
  const manifest = readManifest(dir);
  if (manifest?.version !== GENERATOR_VERSION || manifest.studies !== studies) {
    fs.rmSync(dir, { recursive: true, force: true });
    execFileSync(
      process.execPath,
      [
        CLI,
        "phantom",
        "--out",
        dir,
        "--studies",
        String(studies),
        "--seed",
        SEED,
        "--preset",
        "small",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
  }
  return dir;
}

function run(studies: number): ChildResult {
  const dir = cohortDir(studies);
  const r = spawnSync(process.execPath, ["--expose-gc", __filename, "--child", dir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", trace ? "inherit" : "pipe"],
  });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ChildResult;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--child");
  if (i >= 0) return child(process.argv[i + 1]!);
  const all: Record<string, string> = { node: process.version, cpus: String(os.cpus().length) };
  const results: ChildResult[] = [];
  for (const n of SIZES) {
    const r = run(n);
    results.push(r);
    const rate = r.imported / r.seconds;
    const line = {
      studies: String(n),
      instances: String(r.imported),
      seconds: r.seconds.toFixed(2),
      instances_per_s: rate.toFixed(0),
      instances_per_cpu_s: (r.imported / r.cpuSeconds).toFixed(0),
      peak_rss_mb: r.peakRssMb.toFixed(0),
      retained_heap_mb: r.retainedHeapMb.toFixed(1),
      complete_studies: `${r.complete}/${r.studies}`,
    };
    console.log(
      Object.entries(line)
        .map(([k, v]) => `${k}=${v}`)
        .join(" "),
    );
    all[`instances_per_s_${n}`] = line.instances_per_s;
    all[`instances_per_cpu_s_${n}`] = line.instances_per_cpu_s;
    all[`peak_rss_mb_${n}`] = line.peak_rss_mb;
    all[`retained_heap_mb_${n}`] = line.retained_heap_mb;
  }
  const small = results[0]!;
  const large = results.at(-1)!;
  all.instances_per_s = (
    results.reduce((s, r) => s + r.imported, 0) / results.reduce((s, r) => s + r.seconds, 0)
  ).toFixed(0);
  all.peak_rss_growth = (large.peakRssMb / small.peakRssMb).toFixed(2);
  all.instances_growth = (large.imported / small.imported).toFixed(2);
  console.log(
    Object.entries(all)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
