// `npm run bench:ingest`: network ingest throughput. The same dcmtk `storescu` sends the same
// 1,000 MR instances (256x256x16-bit, ~132 KB each, one association) to our receiver
// (`livercad listen`), to dcmtk `storescp` and to Orthanc (inside `unshare -n`, loopback only),
// one after the other in one run; prints instances/s for each and our ratio to Orthanc. Then the
// arrival -> verdict time: one five-sequence phantom study sent to `livercad listen` with
// auto-analysis on, from storescu's last acknowledged instance to the analyzed row.
// Ends with `ingest_per_s=N storescp_per_s=N orthanc_per_s=N ratio_orthanc=R`.
//
// Every dcmtk process here (storescu, storescp, and Orthanc, whose DICOM layer is dcmtk's) runs
// with TCP_NODELAY=1 in its environment. Debian's dcmtk 3.6.7 leaves Nagle's algorithm on unless
// that variable is set (strace shows no TCP_NODELAY setsockopt without it), so each C-STORE-RSP
// an SCP writes in pieces waits for storescu's delayed ACK: ~40 ms per store, 200 stores to
// storescp in 18.5 s without the variable and 0.17 s with it on this machine. Our receiver sets
// TCP_NODELAY itself (receiver.ts), so without the variable the comparison measured Nagle.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateCohort } from "../electron/phantom/cohort";
import { openServices } from "../electron/services/compose";
import { freePort, waitForPort } from "../test/helpers/ports";
import { mrFile } from "../test/services/import/fixtures";

const COUNT = Number(process.env.BENCH_INSTANCES ?? 1000);
const QUIET_SECONDS = Number(process.env.BENCH_QUIET_SECONDS ?? 1);
const CLI = path.resolve(__dirname, "..", "cli.cjs");
/** dcmtk reads TCP_NODELAY from the environment (dul.cc / dulfsm.cc); see the header. */
const DCMTK_ENV = { ...process.env, TCP_NODELAY: "1" };

function waitForLine(child: ChildProcess, pattern: RegExp, ms = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}: ${text}`)),
      ms,
    );
    child.stdout!.on("data", (d: Buffer) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on("exit", (code) => reject(new Error(`exited ${code} before ${pattern}: ${text}`)));
  });
}

function run(cmd: string, args: string[]): Promise<{ status: number; out: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { env: DCMTK_ENV });
    let out = "";
    c.stdout.on("data", (d: Buffer) => (out += d.toString()));
    c.stderr.on("data", (d: Buffer) => (out += d.toString()));
    c.on("close", (code) => resolve({ status: code ?? -1, out, ms: performance.now() - t0 }));
  });
}

/**
 * CPU time (user + system) a process has used so far, ms, from /proc/<pid>/stat (fields 14 and
 * 15, in clock ticks of 10 ms on Linux); null where there is no /proc. CPU time, unlike wall
 * time, is not stretched by other processes on a loaded machine.
 */
function cpuMsOf(pid: number | undefined): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function rate(ms: number): number {
  return Math.round((COUNT / ms) * 1000);
}

/** Our listener's CPU ms per instance in the last `ours` run (null without /proc). */
let oursCpuMsPerInstance: number | null = null;

async function ours(files: string[], work: string): Promise<number> {
  const port = await freePort();
  const home = path.join(work, "ours-home");
  const child = spawn(process.execPath, [CLI, "listen", "--port", String(port), "--no-analyze"], {
    env: { ...process.env, LIVERCAD_HOME: home },
  });
  await waitForLine(child, /listening .*port=\d+/);
  const cpu0 = cpuMsOf(child.pid);
  const r = await run("storescu", ["-aec", "LIVERCAD", "127.0.0.1", String(port), ...files]);
  const cpu1 = cpuMsOf(child.pid);
  oursCpuMsPerInstance = cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) / files.length;
  child.kill("SIGTERM");
  const summary = await waitForLine(child, /received imported=(\d+)/);
  if (r.status !== 0 || Number(summary[1]) !== files.length) {
    throw new Error(`our receiver: storescu ${r.status}, imported ${summary[1]}: ${r.out}`);
  }
  return r.ms;
}

async function storescp(files: string[], work: string): Promise<number> {
  const port = await freePort();
  const out = path.join(work, "storescp-out");
  fs.mkdirSync(out);
  const child = spawn("storescp", ["-od", out, String(port)], { env: DCMTK_ENV });
  await waitForPort(port, 30_000);
  const r = await run("storescu", ["-aec", "STORESCP", "127.0.0.1", String(port), ...files]);
  child.kill();
  if (r.status !== 0) throw new Error(`storescp: ${r.out}`);
  return r.ms;
}

/** Orthanc in its own network namespace; storescu runs there too. Null when impossible here. */
function orthanc(listFile: string, work: string): number | null {
  if (spawnSync("unshare", ["-n", "true"]).status !== 0) return null;
  if (spawnSync("Orthanc", ["--version"]).status !== 0) return null;
  const cfg = path.join(work, "orthanc.json");
  fs.writeFileSync(
    cfg,
    JSON.stringify({
      StorageDirectory: path.join(work, "orthanc-storage"),
      IndexDirectory: path.join(work, "orthanc-index"),
      DicomAet: "ORTHANC",
      DicomPort: 4242,
      HttpServerEnabled: false,
      DicomAlwaysAllowStore: true,
      DicomCheckCalledAet: false,
      Plugins: [],
    }),
  );
  const script = [
    "ip link set lo up",
    "export TCP_NODELAY=1",
    `Orthanc ${cfg} > ${path.join(work, "orthanc.log")} 2>&1 &`,
    "P=$!",
    "for i in $(seq 1 150); do echoscu -aec ORTHANC 127.0.0.1 4242 2>/dev/null && break; sleep 0.2; done",
    "T0=$(date +%s%N)",
    `xargs -a ${listFile} storescu -aec ORTHANC 127.0.0.1 4242 || echo STORESCU_FAILED`,
    'echo "orthanc_ms=$(( ($(date +%s%N) - T0) / 1000000 ))"',
    "kill $P; wait $P 2>/dev/null",
  ].join("\n");
  const r = spawnSync("unshare", ["-n", "bash", "-c", script], { encoding: "utf8" });
  const m = /orthanc_ms=(\d+)/.exec(r.stdout);
  if (!m || r.stdout.includes("STORESCU_FAILED"))
    throw new Error(`orthanc: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

/** Seconds from the last instance's acknowledgement to the study's analysis row. */
async function arrivalToVerdict(
  work: string,
): Promise<{ seconds: number; instances: number; status: string }> {
  const cohort = path.join(work, "cohort");
  generateCohort({ outDir: cohort, studies: 1, seed: "bench-ingest", preset: "small" });
  const files = (fs.readdirSync(cohort, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".dcm"))
    .map((f) => path.join(cohort, f));
  const port = await freePort();
  const home = path.join(work, "verdict-home");
  const child = spawn(
    process.execPath,
    [CLI, "listen", "--port", String(port), "--quiet-seconds", String(QUIET_SECONDS)],
    { env: { ...process.env, LIVERCAD_HOME: home } },
  );
  await waitForLine(child, /listening .*port=\d+/);
  const r = await run("storescu", ["-aec", "LIVERCAD", "127.0.0.1", String(port), ...files]);
  if (r.status !== 0) throw new Error(`storescu to our receiver: ${r.out}`);
  const sent = performance.now();
  // Read-only: the listener owns (and migrated) this registry; the bench only watches it.
  const services = openServices({ dbFile: path.join(home, "registry.sqlite"), readOnly: true });
  const db = services.registry.db;
  let status = "";
  try {
    for (;;) {
      const row = db.prepare("SELECT status FROM analyses ORDER BY id DESC LIMIT 1").get() as
        { status: string } | undefined;
      if (row) {
        status = row.status;
        break;
      }
      if (performance.now() - sent > 300_000) throw new Error("no analysis row within 300 s");
      await new Promise((res) => setTimeout(res, 50));
    }
  } finally {
    await services.close();
  }
  const seconds = (performance.now() - sent) / 1000;
  child.kill("SIGTERM");
  await new Promise((res) => child.on("exit", res));
  return { seconds, instances: files.length, status };
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-bench-ingest-"));
  try {
    const dir = path.join(work, "instances");
    fs.mkdirSync(dir);
    const files: string[] = [];
    for (let k = 0; k < COUNT; k++) {
      const f = path.join(dir, `${String(k).padStart(5, "0")}.dcm`);
      fs.writeFileSync(f, mrFile({ study: 1, series: 1, slices: COUNT, size: 256 }, k));
      files.push(f);
    }
    const listFile = path.join(work, "files.txt");
    fs.writeFileSync(listFile, files.join("\n"));
    const kb = Math.round(fs.statSync(files[0]!).size / 1024);
    console.log(`instances=${COUNT} size_kb=${kb} (one association, storescu defaults)`);
    const oursMs = await ours(files, work);
    console.log(
      `ours: ${(oursMs / 1000).toFixed(2)} s  ${rate(oursMs)} instances/s  ` +
        `cpu_ms_per_instance=${oursCpuMsPerInstance?.toFixed(2) ?? "n/a"} ` +
        `(load ${os.loadavg()[0]!.toFixed(1)})`,
    );
    const scpMs = await storescp(files, work);
    console.log(`storescp: ${(scpMs / 1000).toFixed(2)} s  ${rate(scpMs)} instances/s`);
    const orthancMs = orthanc(listFile, work);
    if (orthancMs === null) console.log("SKIPPED orthanc: unshare -n or Orthanc unavailable");
    else console.log(`orthanc: ${(orthancMs / 1000).toFixed(2)} s  ${rate(orthancMs)} instances/s`);
    const verdict = await arrivalToVerdict(work);
    console.log(
      `arrival_to_verdict_s=${verdict.seconds.toFixed(2)} (${verdict.instances} instances, ` +
        `quiet period ${QUIET_SECONDS} s included, analysis status ${verdict.status})`,
    );
    const ratio = orthancMs === null ? "n/a" : (rate(oursMs) / rate(orthancMs)).toFixed(2);
    console.log(
      `ingest_per_s=${rate(oursMs)} storescp_per_s=${rate(scpMs)} ` +
        `orthanc_per_s=${orthancMs === null ? "n/a" : rate(orthancMs)} ratio_orthanc=${ratio}`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
