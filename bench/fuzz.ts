// `npm run fuzz`: 10,000 seeded mutants of the seed files through the import's reader (issue 12,
// Evidence). The mutants run in a worker thread watched from here, so a hang is caught and named
// instead of stopping the run. Prints key=value lines; exits 1 on any crash, hang, undecodable
// acceptance, 100-file batch over 30 s or peak RSS of 1 GiB or more.
//   FUZZ_COUNT (10000), FUZZ_SEED (12), FUZZ_HANG_S (30)
import os from "node:os";
import { isMainThread } from "node:worker_threads";
import { errorMessage } from "../electron/contract/errors";
import { WorkerExitedError } from "../electron/workers/protocol";
import { WorkerClient } from "../electron/workers/rpc";
import { serve } from "../electron/workers/serve";
import { judge, loadSeeds, mutate } from "./lib/fuzz";

/** One mutant a call, so that the helper's per-call timeout is the per-file hang limit. */
interface FuzzProtocol {
  /** Reads the seed files: a new worker's start-up, kept out of the first mutant's time. */
  load: { args: null; result: number };
  judge: {
    args: { seed: number; index: number };
    result: { verdict: string; ms: number; detail?: string; label: string };
  };
}

let seeds: ReturnType<typeof loadSeeds> | null = null;

async function judgeMutant(seed: number, index: number): Promise<FuzzProtocol["judge"]["result"]> {
  seeds ??= loadSeeds();
  const file = seeds[index % seeds.length]!;
  const mutant = mutate(file.bytes, seed, index);
  const v = await judge(mutant.bytes);
  return {
    verdict: v.kind,
    ms: v.ms,
    detail: "detail" in v ? v.detail : undefined,
    label: `${file.name}: ${mutant.label}`,
  };
}

async function main(): Promise<void> {
  const count = Number(process.env.FUZZ_COUNT ?? 10_000);
  const seed = Number(process.env.FUZZ_SEED ?? 12);
  const hangMs = Number(process.env.FUZZ_HANG_S ?? 30) * 1000;
  const counts = new Map<string, number>();
  const findings: string[] = [];
  const batchMs = new Map<number, number>();
  let slowest = { ms: 0, label: "" };
  let judgeMs = 0;
  const started = performance.now();
  // The machine's load, printed with the result: the batch target is wall time (issue 12).
  const loadStart = os.loadavg()[0]!;
  // A worker thread (this same file) judges the mutants: one that hangs past FUZZ_HANG_S is
  // terminated by the call's timeout, one that dies is named, and the next mutant gets a new one.
  const worker = new WorkerClient<FuzzProtocol>({
    name: "fuzz worker",
    script: __filename,
    kind: "thread",
    timeoutMs: hangMs,
    onStart: async (w) => {
      await w.call("load", null, { timeoutMs: Math.max(hangMs, 120_000) });
    },
  });
  for (let index = 0; index < count; index++) {
    let r: FuzzProtocol["judge"]["result"];
    try {
      r = await worker.call("judge", { seed, index });
    } catch (err) {
      if (err instanceof WorkerExitedError && err.reason === "timeout") {
        findings.push(`hang: mutant ${index} (seed ${seed}) ran over ${hangMs / 1000} s`);
        counts.set("hang", (counts.get("hang") ?? 0) + 1);
      } else {
        findings.push(`crash: worker died at mutant ${index}: ${errorMessage(err)}`);
        counts.set("crash", (counts.get("crash") ?? 0) + 1);
      }
      continue;
    }
    counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
    judgeMs += r.ms;
    const batch = Math.floor(index / 100);
    batchMs.set(batch, (batchMs.get(batch) ?? 0) + r.ms);
    if (r.ms > slowest.ms) slowest = { ms: r.ms, label: `mutant ${index} (${r.label})` };
    if ((index + 1) % 1000 === 0) {
      const c = [...counts].map(([k, v]) => `${k}=${v}`).join(" ");
      const rss = (process.resourceUsage().maxRSS / 1024).toFixed(0);
      console.log(`progress=${index + 1} ${c} peak_rss_mib=${rss}`);
    }
    if (r.verdict === "crash" || r.verdict === "undecodable") {
      findings.push(`${r.verdict}: mutant ${index} (${r.label}): ${r.detail ?? ""}`);
    }
  }
  await worker.close();
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const worstBatchMs = Math.max(0, ...batchMs.values());
  const worstBatchS = worstBatchMs / 1000;
  const worstBatch = [...batchMs].find(([, ms]) => ms === worstBatchMs)?.[0] ?? 0;
  const judged = [...counts].reduce((n, [k, v]) => (k === "hang" ? n : n + v), 0);
  const get = (k: string): number => counts.get(k) ?? 0;
  const lines = [
    `mutants=${count}`,
    `seed=${seed}`,
    `rejected=${get("rejected")}`,
    `skipped=${get("skipped")}`,
    `accepted=${get("accepted")}`,
    `crashes=${get("crash")}`,
    `hangs=${get("hang")}`,
    `accepted_undecodable=${get("undecodable")}`,
    `worst_100_files_s=${worstBatchS.toFixed(2)}`,
    `worst_100_files=${worstBatch * 100}-${Math.min(count, worstBatch * 100 + 100) - 1}`,
    `slowest_file_ms=${slowest.ms.toFixed(1)}`,
    `peak_rss_mib=${peakRssMiB.toFixed(0)}`,
    `read_seconds=${(judgeMs / 1000).toFixed(1)}`,
    `read_ms_per_file=${(judgeMs / Math.max(1, judged)).toFixed(2)}`,
    `seconds=${((performance.now() - started) / 1000).toFixed(1)}`,
    `cpus=${os.cpus().length}`,
    `load_average=${loadStart.toFixed(1)}-${os.loadavg()[0]!.toFixed(1)}`,
  ];
  for (const l of lines) console.log(l);
  console.log(`slowest_file=${slowest.label}`);
  for (const f of findings.slice(0, 50)) console.log(`finding=${f}`);
  const ok =
    get("crash") + get("hang") + get("undecodable") === 0 && worstBatchS <= 30 && peakRssMiB < 1024;
  process.exitCode = ok ? 0 : 1;
}

if (isMainThread) {
  void main();
} else {
  serve<FuzzProtocol>("fuzz worker", {
    load: () => (seeds ??= loadSeeds()).length,
    judge: ({ seed, index }) => judgeMutant(seed, index),
  });
}
