// `livercad import` as a jobs row (issue 13 §5, §7): while it runs, its row is `running` with a
// live lease and a deletion is refused (BUSY) until it ends; it ends `done` with the summary, the
// rejected files and its studies (the app's import panel lists it), or `failed` with why (a
// missing path, a thrown error); a CLI killed mid-way is ended by the next look. Through the
// built CLI: a real import leaves one `done` row. Generated rows and files only (STYLE.md 11).
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StudyBusyError } from "../../../electron/contract/errors";
import {
  ABANDONED_IMPORT,
  endAbandonedImports,
  ImportWriter,
  recentImportJobs,
  Registry,
  type Db,
} from "../../../electron/registry";
import type { ImportReport } from "../../../electron/services/import";
import { importPaths } from "../../../electron/services/import";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import { dataPaths } from "../../../electron/services/paths";
import { asImportJob } from "../../../electron/services/site/cli-import-job";
import { deleteStudy } from "../../../electron/services/site/deletion";
import { runCli } from "../../helpers/cli";
import { batch, tempDir } from "../../registry/helpers";

const uidOf = (n: string): string => `1.2.826.0.1.3680043.10.1.${n}`;
const open: Registry[] = [];
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

function registry(): Registry {
  const r = Registry.open(dataPaths(path.join(tempDir("livercad-cli-job-"), "registry.sqlite")));
  open.push(r);
  return r;
}

const rows = (db: Db) =>
  db
    .prepare<
      [],
      { state: string; owner: string | null; lease: string | null; error: string | null }
    >(
      `SELECT state, owner, lease_expires_at AS lease, error FROM jobs WHERE kind = 'import'
        ORDER BY id`,
    )
    .all();

describe("livercad import as a jobs row", () => {
  it("holds a live lease while it runs, so a deletion waits; ends with its summary and why", async () => {
    const reg = registry();
    new ImportWriter(reg.db).commitSeries(batch("1", "1", 1));
    const folder = tempDir("livercad-cli-job-in-");
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const running = asImportJob(reg.db, [folder], async (onProgress) => {
      onProgress({ done: 0, total: 1, imported: 0, skipped: 0, rejected: 0, duplicates: 0 });
      await gate;
      return importPaths(reg, [folder], { read: readInstance, assign: assignStudySequences });
    });
    const during = rows(reg.db);
    expect(during).toHaveLength(1);
    expect(during[0]!.state).toBe("running");
    expect(Date.parse(during[0]!.lease!)).toBeGreaterThan(Date.now());
    // Another process looking for dead imports leaves a live one alone.
    expect(endAbandonedImports(reg.db)).toBe(0);
    expect(() =>
      deleteStudy(reg, { studyInstanceUid: uidOf("1"), actor: "a", reason: "dup", via: "cli" }),
    ).toThrow(StudyBusyError);
    release();
    await running;
    const [job] = recentImportJobs(reg.db);
    expect(job).toMatchObject({ kind: "import", state: "failed", label: folder });
    expect(job!.error).toBe(`Nothing imported: no files found in ${folder}.`);
    expect(job!.summary).toMatchObject({ files: 0, imported: 0 });
    expect(rows(reg.db)[0]).toMatchObject({ owner: null, lease: null });
    // The import has ended: the deletion goes through.
    expect(
      deleteStudy(reg, { studyInstanceUid: uidOf("1"), actor: "a", reason: "dup", via: "cli" }),
    ).toMatchObject({ instances: 1 });
  });

  it("ends failed with the error when the import throws, and says a killed CLI stopped", async () => {
    const reg = registry();
    const boom = asImportJob(reg.db, ["/no/such/folder"], async (): Promise<ImportReport> => {
      throw new Error("disk unplugged");
    });
    await expect(boom).rejects.toThrow("disk unplugged");
    expect(rows(reg.db)).toEqual([
      { state: "failed", owner: null, lease: null, error: "disk unplugged" },
    ]);
    // A CLI killed mid-import: its lease lapses and the next look ends it with why.
    const never = asImportJob(reg.db, ["/x"], () => new Promise<ImportReport>(() => undefined));
    void never;
    expect(rows(reg.db)[1]!.state).toBe("running");
    expect(endAbandonedImports(reg.db, Date.now() + 120_000)).toBe(1);
    expect(rows(reg.db)[1]).toMatchObject({ state: "failed", error: ABANDONED_IMPORT });
  });

  it("the built CLI's import leaves one done row with the summary and its study", () => {
    const dir = tempDir("livercad-cli-job-cli-");
    const cohort = path.join(dir, "cohort");
    const db = path.join(dir, "registry.sqlite");
    let r = runCli([
      "phantom",
      "--out",
      cohort,
      "--studies",
      "1",
      "--seed",
      "cli-job-1",
      "--preset",
      "small",
    ]);
    expect(r.status, r.stderr).toBe(0);
    r = runCli(["import", cohort, "--db", db]);
    expect(r.status, r.stderr).toBe(0);
    const reg = Registry.open(dataPaths(db));
    open.push(reg);
    const jobs = recentImportJobs(reg.db);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: "done", label: cohort, error: null });
    expect(jobs[0]!.summary).toMatchObject({ rejected: 2, studies: 1, complete: 1 });
    expect(jobs[0]!.summary!.imported).toBeGreaterThan(100);
    expect(jobs[0]!.fileErrors.map((f) => path.basename(f.path)).sort()).toEqual([
      "phantom.json",
      "truth.json",
    ]);
    expect(jobs[0]!.studyInstanceUid).toMatch(/^[\d.]+$/);
    expect(fs.existsSync(path.join(dir, "store"))).toBe(true);
  }, 120_000);
});
