// `npm run bench:ingest-stages`: where a received instance's time goes, stage by stage, in CPU
// time (user + system of this process) and wall time, without the network: the same per-instance
// way in as the DICOM receiver (node.ts -> importInstance), N instances of 256x256x16-bit
// (~132 KB) into a fresh data directory. CPU milliseconds are what a loaded machine cannot
// inflate (a training job and other sessions share its 2 cores); wall milliseconds include the
// disk's flushes, which cost little CPU but are most of the wait.
// Stages: part10 (File Meta group + the data set bytes, receiver.ts), read (readVerified: the
// reader's parse), dup (the duplicate check), store (the staging write: a staging file made
// ahead, opened and written; then its rename into place), fdatasync (the data flush, on libuv's
// thread pool while the header is read: wall time from the call to the callback), dirfsync (the
// folder's flush) and commit (the row's transaction). Stages overlap, so the wall times of the
// stages add up to more than the total.
// BENCH_CONCURRENCY=k files k instances at a time (as k associations whose data sets arrived
// together): their directory flushes are grouped (store.ts syncDirectory), which
// `dir_flushes_per_instance` shows. The directory flush runs on libuv's thread pool: its wall
// time is counted from the call to the callback, its CPU only in the total.
// Ends with `stages_cpu_ms_per_instance=T read=R store=S commit=C ...` and the same for wall.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readInstance } from "../electron/services/import/defaults";
import { importInstance, type InstanceImportContext } from "../electron/services/import/instance";
import { ManagedStore, type StagedFile } from "../electron/services/import/store";
import { part10File } from "../electron/services/network/part10";
import { ImportWriter, setSynchronous } from "../electron/registry";
import { openServices } from "../electron/services/compose";
import { mrFile } from "../test/services/import/fixtures";

const COUNT = Number(process.env.BENCH_INSTANCES ?? 300);
const CONCURRENCY = Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 1));
/** BENCH_SQLITE_SYNC=FULL: the registry's WAL flushed at every commit (default NORMAL). */
const SQLITE_SYNC = process.env.BENCH_SQLITE_SYNC === "FULL" ? "FULL" : "NORMAL";
const STAGES = ["part10", "read", "dup", "store", "fdatasync", "dirfsync", "commit"] as const;
type Stage = (typeof STAGES)[number];

const cpu: Record<Stage, number> = Object.fromEntries(STAGES.map((s) => [s, 0])) as never;
const wall: Record<Stage, number> = Object.fromEntries(STAGES.map((s) => [s, 0])) as never;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function timed<T>(stage: Stage, f: () => T): T {
  const c0 = cpuMs();
  const w0 = performance.now();
  try {
    return f();
  } finally {
    cpu[stage] += cpuMs() - c0;
    wall[stage] += performance.now() - w0;
  }
}

async function timedAsync<T>(stage: Stage, f: () => Promise<T>): Promise<T> {
  const c0 = cpuMs();
  const w0 = performance.now();
  try {
    return await f();
  } finally {
    cpu[stage] += cpuMs() - c0;
    wall[stage] += performance.now() - w0;
  }
}

/** The data set of a Part 10 file: what arrives on the wire (after the File Meta group). */
function datasetOf(file: Uint8Array): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const groupLength = view.getUint32(132 + 8, true);
  return file.subarray(132 + 12 + groupLength);
}

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-bench-stages-"));
  const services = openServices({ dbFile: path.join(home, "registry.sqlite") });
  const { registry } = services;
  setSynchronous(registry.db, SQLITE_SYNC);
  // As the DICOM node's store: a few staging files made ahead.
  const store = new ManagedStore(registry.paths.store, { stagingSlots: 4 });
  // Count the flushes of the staged write: the data's (thread pool) and the folder's.
  const fdatasyncAsync = fs.fdatasync;
  (fs as { fdatasync: unknown }).fdatasync = (
    fd: number,
    cb: (err: NodeJS.ErrnoException | null) => void,
  ) => {
    const w0 = performance.now();
    fdatasyncAsync(fd, (err) => {
      wall.fdatasync += performance.now() - w0;
      cb(err);
    });
  };
  const fdatasync = fs.fdatasyncSync;
  const fsync = fs.fsyncSync;
  const fsyncAsync = fs.fsync;
  let dirFlushes = 0;
  fs.fdatasyncSync = (fd) => timed("fdatasync", () => fdatasync(fd));
  fs.fsyncSync = (fd) => {
    dirFlushes += 1;
    timed("dirfsync", () => fsync(fd));
  };
  (fs as { fsync: unknown }).fsync = (
    fd: number,
    cb: (err: NodeJS.ErrnoException | null) => void,
  ) => {
    dirFlushes += 1;
    const w0 = performance.now();
    fsyncAsync(fd, (err) => {
      wall.dirfsync += performance.now() - w0;
      cb(err);
    });
  };
  try {
    const spec = { study: 1, series: 1, slices: COUNT, size: 256 };
    const wire = Array.from({ length: COUNT }, (_, k) => datasetOf(mrFile(spec, k)));
    const writer = new ImportWriter(registry.db);
    const ctx: InstanceImportContext = {
      read: (label, data) => timedAsync("read", () => readInstance(label, data)),
      writer: {
        hasInstance: (uid: string) => timed("dup", () => writer.hasInstance(uid)),
        commitSeries: (batch) => timed("commit", () => writer.commitSeries(batch)),
      } as ImportWriter,
      store: Object.assign(Object.create(store) as ManagedStore, {
        stage: (data: Uint8Array) => timed("store", () => store.stage(data)),
        place: (staged: StagedFile, rel: string) => timed("store", () => store.place(staged, rel)),
      }),
    };
    const c0 = cpuMs();
    const w0 = performance.now();
    const one = async (k: number): Promise<void> => {
      const file = timed("part10", () =>
        part10File(
          {
            sopClassUid: "1.2.840.10008.5.1.4.1.1.4",
            sopInstanceUid: `1.2.826.0.1.3680043.10.999.1.1.${k + 1}`,
            transferSyntaxUid: "1.2.840.10008.1.2.1",
            sourceAeTitle: "BENCH",
          },
          wire[k]!,
        ),
      );
      const out = await importInstance(ctx, `instance ${k}`, file);
      if (out.kind !== "imported") throw new Error(`instance ${k}: ${out.kind}`);
    };
    for (let k = 0; k < COUNT; k += CONCURRENCY) {
      const batch: Promise<void>[] = [];
      for (let j = k; j < Math.min(COUNT, k + CONCURRENCY); j++) batch.push(one(j));
      await Promise.all(batch);
    }
    const totalCpu = (cpuMs() - c0) / COUNT;
    const totalWall = (performance.now() - w0) / COUNT;
    const kb = Math.round((wire[0]!.byteLength + 300) / 1024);
    console.log(
      `instances=${COUNT} concurrency=${CONCURRENCY} sqlite_sync=${SQLITE_SYNC} size_kb=${kb} ` +
        `data_dir=${home} ` +
        `load=${os.loadavg()[0]!.toFixed(1)} ` +
        `dir_flushes_per_instance=${(dirFlushes / COUNT).toFixed(2)}`,
    );
    const line = (what: string, per: Record<Stage, number>, total: number) =>
      `stages_${what}_ms_per_instance=${total.toFixed(3)} ` +
      STAGES.map((s) => `${s}=${(per[s] / COUNT).toFixed(3)}`).join(" ");
    console.log(line("cpu", cpu, totalCpu));
    console.log(line("wall", wall, totalWall));
  } finally {
    await store.release();
    (fs as { fdatasync: unknown }).fdatasync = fdatasyncAsync;
    fs.fdatasyncSync = fdatasync;
    fs.fsyncSync = fsync;
    (fs as { fsync: unknown }).fsync = fsyncAsync;
    await services.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
