// The receiver's staged durable write (store.ts `stage` / `place` / `discard`, issue 14 round 8):
// the data is written into the store's staging folder and flushed on the thread pool while the
// header is read; only a flushed file is renamed into place; what is not kept is removed; the
// staging files made ahead are used, replaced when swept, and removed on release. Failures of the
// write or of the flush keep nothing, and a resend files the instance.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ImportWriter, Registry } from "../../../electron/registry";
import { readInstance } from "../../../electron/services/import/defaults";
import { importInstance } from "../../../electron/services/import/instance";
import { INCOMING_FOLDER, ManagedStore } from "../../../electron/services/import/store";
import { checkConsistency } from "./helpers";
import { mrFile, uids } from "./fixtures";

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("staged durable write", () => {
  let dir: string;
  let root: string;
  const incoming = () => path.join(root, INCOMING_FOLDER);
  const staged = () => (fs.existsSync(incoming()) ? fs.readdirSync(incoming()).sort() : []);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-staging-"));
    root = path.join(dir, "store");
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("renames a file into place only after its data flush, and leaves no staging file", async () => {
    const store = new ManagedStore(root);
    const order: string[] = [];
    const fdatasync = fs.fdatasync;
    vi.spyOn(fs, "fdatasync").mockImplementation(((fd: number, cb: (e: unknown) => void) => {
      fdatasync(fd, (err) => {
        order.push("flushed");
        cb(err);
      });
    }) as never);
    const renameSync = fs.renameSync;
    vi.spyOn(fs, "renameSync").mockImplementation((a, b) => {
      order.push("renamed");
      renameSync(a, b);
    });
    const s = store.stage(new Uint8Array([1, 2, 3]));
    expect(path.dirname(s.tmp!)).toBe(incoming());
    expect(order).toEqual([]);
    await s.flushed;
    store.place(s, "S/1/a.dcm");
    expect(order).toEqual(["flushed", "renamed"]);
    expect([...fs.readFileSync(path.join(root, "S", "1", "a.dcm"))]).toEqual([1, 2, 3]);
    expect(staged()).toEqual([]);
    // A file not to be kept is removed once its flush is over.
    const other = store.stage(new Uint8Array([4]));
    store.discard(other);
    await store.release();
    expect(staged()).toEqual([]);
  });

  it("makes staging files ahead, uses them, replaces a swept one, and removes them on release", async () => {
    const store = new ManagedStore(root, { stagingSlots: 3 });
    const first = store.stage(new Uint8Array([1]));
    await first.flushed;
    store.place(first, "S/1/a.dcm");
    await until(() => staged().length === 3);
    const ahead = staged().map((f) => path.join(incoming(), f));
    // The next store writes into a file made ahead: no new file is created for it.
    const openSync = vi.spyOn(fs, "openSync");
    const second = store.stage(new Uint8Array([2]));
    expect(ahead).toContain(second.tmp);
    expect(openSync.mock.calls.map((c) => c[1])).toEqual(["r+"]);
    await second.flushed;
    store.place(second, "S/1/b.dcm");
    // One swept by another process's sweep: the next ready one is taken instead.
    await until(() => staged().length === 3);
    const ready = staged().map((f) => path.join(incoming(), f));
    fs.rmSync(ready[0]!);
    const third = store.stage(new Uint8Array([3]));
    expect(third.tmp).not.toBe(ready[0]);
    await third.flushed;
    store.place(third, "S/1/c.dcm");
    await store.release();
    expect(staged()).toEqual([]);
    expect(fs.readdirSync(path.join(root, "S", "1")).sort()).toEqual(["a.dcm", "b.dcm", "c.dcm"]);
    // After release a store still stages, without making files ahead.
    const late = store.stage(new Uint8Array([4]));
    await late.flushed;
    store.discard(late);
    await store.release();
    expect(staged()).toEqual([]);
  });

  it("sweeps the staging files of a process that is gone", () => {
    fs.mkdirSync(incoming(), { recursive: true });
    // No process has pid 2^22 + 1 (above Linux's pid_max limit).
    const dead = path.join(incoming(), `slot.${2 ** 22 + 1}.7.tmp`);
    const mine = path.join(incoming(), `slot.${process.pid}.1.tmp`);
    fs.writeFileSync(dead, "");
    fs.writeFileSync(mine, "");
    expect(new ManagedStore(root).sweepTemporaries()).toBe(1);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(mine)).toBe(true);
  });

  describe("importInstance through the staging folder", () => {
    let registry: Registry;
    let store: ManagedStore;
    const spec = { study: 71, series: 1, slices: 4 };
    const ctx = () => ({ read: readInstance, writer: new ImportWriter(registry.db), store });
    const seriesDir = () => path.join(root, uids(spec).study, uids(spec).series);

    beforeEach(() => {
      registry = Registry.open({
        root: dir,
        database: path.join(dir, "registry.sqlite"),
        store: root,
      });
      store = new ManagedStore(registry.paths.store, { stagingSlots: 2 });
    });
    afterEach(async () => {
      await store.release();
      registry.close();
    });

    it("flushes the data before the rename, and the folder before the row commits", async () => {
      const order: string[] = [];
      const rows = () =>
        (registry.db.prepare("SELECT COUNT(*) AS n FROM instances").get() as { n: number }).n;
      const fdatasync = fs.fdatasync;
      vi.spyOn(fs, "fdatasync").mockImplementation(((fd: number, cb: (e: unknown) => void) => {
        // A slow disk: the header is read long before the data is down.
        setTimeout(() => fdatasync(fd, (err) => (order.push("data flushed"), cb(err))), 30);
      }) as never);
      const renameSync = fs.renameSync;
      vi.spyOn(fs, "renameSync").mockImplementation((a, b) => {
        order.push(`renamed (rows ${rows()})`);
        renameSync(a, b);
      });
      const fsyncSync = fs.fsyncSync;
      vi.spyOn(fs, "fsyncSync").mockImplementation((fd) => {
        order.push(`folder flushed (rows ${rows()})`);
        fsyncSync(fd);
      });
      expect((await importInstance(ctx(), "first", mrFile(spec, 0))).kind).toBe("imported");
      expect(rows()).toBe(1);
      // New folders: the study's and series' names flushed in their parents, then the series'.
      expect(order.filter((o) => !o.startsWith("folder"))).toEqual([
        "data flushed",
        "renamed (rows 0)",
      ]);
      expect(order.at(-1)).toBe("folder flushed (rows 0)");
      expect(order.indexOf("renamed (rows 0)")).toBeLessThan(order.length - 1);
    });

    it("keeps nothing of a rejected or duplicate instance", async () => {
      expect((await importInstance(ctx(), "first", mrFile(spec, 0))).kind).toBe("imported");
      const bad = await importInstance(ctx(), "not dicom", new Uint8Array(300).fill(7));
      expect(bad.kind).toBe("rejected");
      const again = await importInstance(ctx(), "again", mrFile(spec, 0));
      expect(again.kind).toBe("duplicate");
      await store.release();
      expect(staged()).toEqual([]);
      expect(fs.readdirSync(seriesDir())).toEqual([`${uids(spec).sop(0)}.dcm`]);
      expect(checkConsistency(path.join(dir, "registry.sqlite")).instances).toBe(1);
    });

    it("answers cannot-store when the write fails (disk full): no row, no file; a resend files it", async () => {
      expect((await importInstance(ctx(), "first", mrFile(spec, 0))).kind).toBe("imported");
      const writeSync = fs.writeSync;
      vi.spyOn(fs, "writeSync").mockImplementation(((...args: unknown[]) => {
        if (typeof args[1] === "object" && (args[1] as Uint8Array).byteLength > 1000) {
          throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
            code: "ENOSPC",
          });
        }
        return (writeSync as (...a: unknown[]) => number)(...args);
      }) as never);
      const out = await importInstance(ctx(), "second", mrFile(spec, 1));
      expect(out).toMatchObject({ kind: "cannot-store" });
      expect((out as { reason: string }).reason).toMatch(/^store: ENOSPC/);
      vi.restoreAllMocks();
      await store.release();
      expect(staged()).toEqual([]);
      expect(fs.readdirSync(seriesDir())).toEqual([`${uids(spec).sop(0)}.dcm`]);
      const c = checkConsistency(path.join(dir, "registry.sqlite"));
      expect(c.instances).toBe(1);
      expect(c.missingFiles).toEqual([]);
      expect((await importInstance(ctx(), "resend", mrFile(spec, 1))).kind).toBe("imported");
    });

    it("answers cannot-store when the data flush fails (EIO): no row, no file", async () => {
      vi.spyOn(fs, "fdatasync").mockImplementation(((_fd: number, cb: (e: unknown) => void) => {
        setImmediate(() =>
          cb(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" })),
        );
      }) as never);
      const outs = await Promise.all(
        [0, 1].map((k) => importInstance(ctx(), `instance ${k}`, mrFile(spec, k))),
      );
      for (const o of outs) {
        expect(o).toMatchObject({ kind: "cannot-store" });
        expect((o as { reason: string }).reason).toMatch(/^store: EIO: i\/o error, fdatasync/);
      }
      vi.restoreAllMocks();
      await store.release();
      expect(staged()).toEqual([]);
      expect(fs.existsSync(seriesDir())).toBe(false);
      expect(checkConsistency(path.join(dir, "registry.sqlite")).instances).toBe(0);
    });
  });
});
