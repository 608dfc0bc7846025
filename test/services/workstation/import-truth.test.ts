// Import that tells the truth (issue 13 §5), with the real import service behind the app's queue:
// a missing path, an empty folder and a single text file each end "failed" with a reason and a
// summary (never an endless "reading files"); a relative path is refused before any job starts.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Registry } from "../../../electron/registry";
import { dataPaths } from "../../../electron/services/paths";
import { checkImportPaths } from "../../../electron/services/site/import-truth";
import { importer } from "../../../electron/services/workstation/index";
import { ImportQueue } from "../../../electron/services/workstation/imports";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-import-truth-"));
const registry = Registry.open(dataPaths(path.join(dir, "data", "registry.sqlite")));
afterAll(() => {
  registry.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(p: string) {
  const q = new ImportQueue(importer(registry), () => undefined);
  q.start([p]);
  await q.idle();
  return q.list()[0]!;
}

describe("import jobs end with the truth", () => {
  it("a missing path fails and says so", async () => {
    const job = await run(path.join(dir, "no-such-folder"));
    expect(job.state).toBe("failed");
    expect(job.error).toBe(
      `Nothing imported: ${path.join(dir, "no-such-folder")} does not exist (check that the disc or drive is mounted and the path is spelled right).`,
    );
    expect(job.summary).toMatchObject({ imported: 0, studies: 0 });
    expect(job.stage).toBeNull();
  });

  it("an empty folder fails: no files found", async () => {
    const empty = path.join(dir, "empty");
    fs.mkdirSync(empty);
    const job = await run(empty);
    expect(job.state).toBe("failed");
    expect(job.error).toBe(`Nothing imported: no files found in ${empty}.`);
  });

  it("a single text file fails with the reader's reason", async () => {
    const txt = path.join(dir, "notes.txt");
    fs.writeFileSync(txt, "not an image\n");
    const job = await run(txt);
    expect(job.state).toBe("failed");
    expect(job.error).toContain("1 file(s) rejected (first: notes.txt:");
    expect(job.summary).toMatchObject({ files: 1, imported: 0, rejected: 1 });
    expect(job.fileErrors.map((f) => f.path)).toEqual([txt]);
  });

  it("a relative path is refused with the reason", () => {
    expect(() => checkImportPaths(["DICOM/study1"])).toThrow(
      '"DICOM/study1" is a relative path: give the full path',
    );
    expect(() => checkImportPaths([dir])).not.toThrow();
  });
});
