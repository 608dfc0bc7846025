// The receiver's durable write with the directory flush grouped (issue 14 round 7): every
// instance's data is flushed before its rename; the directory of a series is flushed once for
// all the stores of one event-loop turn, before any of their rows commit; a flush that fails
// fails each store that waited on it, and nothing of those is kept.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Registry } from "../../../electron/registry";
import { ImportWriter } from "../../../electron/registry";
import { readInstance } from "../../../electron/services/import/defaults";
import { importInstance } from "../../../electron/services/import/instance";
import { ManagedStore } from "../../../electron/services/import/store";
import { checkConsistency } from "./helpers";
import { mrFile, uids } from "./fixtures";

describe("grouped directory flush", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-group-"));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("stores of one turn share one directory flush; a later store gets its own", async () => {
    const store = new ManagedStore(path.join(dir, "store"));
    // The series folders exist (a new folder's parents are flushed once: checked below).
    fs.mkdirSync(path.join(dir, "store", "S", "1"), { recursive: true });
    fs.mkdirSync(path.join(dir, "store", "S", "2"), { recursive: true });
    const fdatasync = vi.spyOn(fs, "fdatasyncSync");
    const fsync = vi.spyOn(fs, "fsyncSync");
    const names = ["a", "b", "c", "d", "e"].map((n) => `S/1/${n}.dcm`);
    const waits = names.map((n) => {
      store.write(n, new Uint8Array([1, 2, 3]), { durable: true, directory: "deferred" });
      return store.syncDirectory(n);
    });
    // Every file's data is flushed before its rename, none of their directories yet.
    expect(fdatasync).toHaveBeenCalledTimes(5);
    expect(fsync).not.toHaveBeenCalled();
    await Promise.all(waits);
    expect(fsync).toHaveBeenCalledTimes(1);
    // Another series directory, and the same one again later: a flush each.
    store.write("S/2/f.dcm", new Uint8Array([4]), { durable: true, directory: "deferred" });
    store.write("S/1/g.dcm", new Uint8Array([5]), { durable: true, directory: "deferred" });
    await Promise.all([store.syncDirectory("S/2/f.dcm"), store.syncDirectory("S/1/g.dcm")]);
    expect(fsync).toHaveBeenCalledTimes(3);
    expect(fs.readdirSync(path.join(dir, "store", "S", "1")).sort()).toEqual(
      ["a", "b", "c", "d", "e", "g"].map((n) => `${n}.dcm`),
    );
  });

  it("a new series folder's name is flushed in its parents before the first file is", () => {
    fs.mkdirSync(path.join(dir, "store"));
    const store = new ManagedStore(path.join(dir, "store"));
    const opened: string[] = [];
    const openSync = fs.openSync;
    vi.spyOn(fs, "openSync").mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
      opened.push(String(p));
      return (openSync as (...a: unknown[]) => number)(p, ...rest);
    }) as never);
    const fsync = vi.spyOn(fs, "fsyncSync");
    store.write("S/1/a.dcm", new Uint8Array([1]), { durable: true, directory: "deferred" });
    // store/S and store/S/1 are new: their names live in store and store/S.
    const root = path.join(dir, "store");
    expect(opened.filter((p) => !p.endsWith(".tmp"))).toEqual([path.join(root, "S"), root]);
    expect(fsync).toHaveBeenCalledTimes(2);
    // The folder exists now: the next file in it flushes no parent.
    store.write("S/1/b.dcm", new Uint8Array([2]), { durable: true, directory: "deferred" });
    expect(fsync).toHaveBeenCalledTimes(2);
  });

  it("a store renamed after a flush started waits for the next flush", async () => {
    const store = new ManagedStore(path.join(dir, "store"));
    fs.mkdirSync(path.join(dir, "store", "S", "1"), { recursive: true });
    const fsync = vi.spyOn(fs, "fsyncSync");
    store.write("S/1/a.dcm", new Uint8Array([1]), { durable: true, directory: "deferred" });
    const first = store.syncDirectory("S/1/a.dcm");
    // The first flush starts on the next turn; this store comes after it started.
    await new Promise((r) => setImmediate(r));
    store.write("S/1/b.dcm", new Uint8Array([2]), { durable: true, directory: "deferred" });
    const second = store.syncDirectory("S/1/b.dcm");
    expect(second).not.toBe(first);
    await Promise.all([first, second]);
    expect(fsync).toHaveBeenCalledTimes(2);
  });

  it("a failed directory flush fails every instance that waited on it: no row, no file", async () => {
    const registry = Registry.open({
      root: dir,
      database: path.join(dir, "registry.sqlite"),
      store: path.join(dir, "store"),
    });
    try {
      const ctx = {
        read: readInstance,
        writer: new ImportWriter(registry.db),
        store: new ManagedStore(registry.paths.store),
      };
      const spec = { study: 61, series: 1, slices: 4 };
      // The first instance files normally.
      const ok = await importInstance(ctx, "first", mrFile(spec, 0));
      expect(ok.kind).toBe("imported");
      vi.spyOn(fs, "fsyncSync").mockImplementation(() => {
        throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
      });
      const outs = await Promise.all(
        [1, 2, 3].map((k) => importInstance(ctx, `instance ${k}`, mrFile(spec, k))),
      );
      for (const o of outs) {
        expect(o).toMatchObject({ kind: "cannot-store" });
        expect((o as { reason: string }).reason).toMatch(/^store: EIO: i\/o error, fsync/);
      }
      vi.restoreAllMocks();
      const c = checkConsistency(path.join(dir, "registry.sqlite"));
      expect(c.instances).toBe(1);
      expect(c.missingFiles).toEqual([]);
      const series = path.join(registry.paths.store, uids(spec).study, uids(spec).series);
      expect(fs.readdirSync(series)).toEqual([`${uids(spec).sop(0)}.dcm`]);
      // A resend once the disk is back files them.
      const again = await importInstance(ctx, "again", mrFile(spec, 1));
      expect(again.kind).toBe("imported");
    } finally {
      registry.close();
    }
  });
});
