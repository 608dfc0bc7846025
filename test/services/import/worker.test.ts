// Import off the main loop (issue 12 §1): the worker process imports what the in-process service
// imports, relays progress, is cancelled mid-file (killed after a grace period, the series
// committed before it kept), skips FIFOs and other non-regular files, and refuses relative paths.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ImportError, UsageError } from "../../../electron/contract/errors";
import { Registry } from "../../../electron/registry";
import { importPaths } from "../../../electron/services/import";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import { collectFiles } from "../../../electron/services/import/walk";
import {
  checkImportInputs,
  findImportWorker,
  ImportWorkers,
} from "../../../electron/services/import/worker-client";
import { dataPaths } from "../../../electron/services/paths";
import { importer } from "../../../electron/services/workstation/index";
import { tempDir } from "../../registry/helpers";
import { writeSeries } from "./fixtures";
import { checkConsistency } from "./helpers";
import { slowDeflatedFile } from "./hostile";

let src: string;
const opened: Registry[] = [];
const open = (): Registry => {
  const r = Registry.open(dataPaths(path.join(tempDir("impw-db-"), "registry.sqlite")));
  opened.push(r);
  return r;
};
afterEach(() => {
  for (const r of opened.splice(0)) r.close();
});

beforeAll(() => {
  src = tempDir("impw-src-");
  writeSeries(path.join(src, "a"), { study: 1, series: 1, slices: 3, description: "AX T1 PRE" });
  writeSeries(path.join(src, "a"), { study: 1, series: 2, slices: 2, description: "AX T2 FSE" });
  execFileSync("mkfifo", [path.join(src, "a", "pipe")]);
  fs.mkdirSync(path.join(src, "b"));
  fs.writeFileSync(path.join(src, "b", "slow.dcm"), slowDeflatedFile(512));
});

function workers(): ImportWorkers {
  const script = findImportWorker();
  if (script === null)
    throw new Error("dist/import-worker.cjs is missing: run node scripts/build.mjs");
  return new ImportWorkers(script);
}

describe("non-regular files and paths", () => {
  it("skips a FIFO with a reason instead of blocking on it", async () => {
    const walk = collectFiles([path.join(src, "a")]);
    expect(walk.files.some((f) => f.endsWith("pipe"))).toBe(false);
    expect(walk.problems).toEqual([
      {
        path: path.join(src, "a", "pipe"),
        reason: "not a regular file: a named pipe (FIFO); skipped",
      },
    ]);
    const direct = collectFiles([path.join(src, "a", "pipe")]);
    expect(direct.files).toEqual([]);
    expect(direct.problems[0]!.reason).toBe("not a regular file: a named pipe (FIFO); skipped");
    const report = await importPaths(open(), [path.join(src, "a")], {
      read: readInstance,
      assign: assignStudySequences,
    });
    expect(report.summary.imported).toBe(5);
    expect(report.files.find((f) => f.path.endsWith("pipe"))?.outcome).toBe("rejected");
  });

  it("refuses relative paths, naming them, before anything is walked", async () => {
    expect(() => checkImportInputs(["../../"])).toThrow(UsageError);
    expect(() => checkImportInputs(["../../"])).toThrow(
      'Import paths must be absolute; "../../" is relative.',
    );
    expect(() => checkImportInputs([])).toThrow("Nothing to import: no paths were given.");
    const run = importer(open());
    await expect(
      run(["a"], { onProgress: () => undefined, signal: new AbortController().signal }),
    ).rejects.toThrow('Import paths must be absolute; "a" is relative.');
  });
});

describe("import worker process", () => {
  it("imports as the in-process service does, with progress", async () => {
    const registry = open();
    const seen: number[] = [];
    const report = await workers().run(registry.paths, [path.join(src, "a")], {
      onProgress: (p) => seen.push(p.done),
    });
    expect(report.summary).toMatchObject({ imported: 5, rejected: 1, studies: 1 });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    // The app's own connection sees the worker's commits.
    const n = registry.db.prepare("SELECT COUNT(*) AS n FROM instances").get() as { n: number };
    expect(n.n).toBe(5);
  });

  it("is cancelled mid-file: killed after the grace period, earlier series kept", async () => {
    const registry = open();
    const controller = new AbortController();
    let cancelledAt = 0;
    const t0 = performance.now();
    const outcome = await workers()
      .run(registry.paths, [src], {
        signal: controller.signal,
        cancelGraceMs: 100,
        onProgress: (p) => {
          // Folder a/ (5 images) is done and committed: the worker is now inside b/slow.dcm.
          if (p.done === 5 && cancelledAt === 0) {
            cancelledAt = -1;
            // Just into b/slow.dcm (512 MiB to inflate: it takes longer than the grace even on an
            // idle machine; half a second in, an idle machine had already finished it).
            setTimeout(() => {
              cancelledAt = performance.now();
              controller.abort();
            }, 20);
          }
        },
      })
      .then(
        () => new Error("import finished"),
        (e: Error) => e,
      );
    const stopped = performance.now();
    expect(cancelledAt).toBeGreaterThan(t0);
    expect(outcome).toBeInstanceOf(ImportError);
    expect(outcome.message).toBe(
      "Import cancelled during a file; the series committed before it are kept.",
    );
    // Reading slow.dcm alone takes seconds; the cancel took the grace period plus the kill.
    expect(stopped - cancelledAt).toBeLessThan(3000);
    const c = checkConsistency(registry.paths.database);
    expect(c).toMatchObject({ missingFiles: [], emptySeries: 0 });
    // Whole series only: a/ is committed per series as the walk leaves each one's folder.
    expect([3, 5]).toContain(c.instances);
  });
});
