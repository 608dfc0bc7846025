// Backup and restore (issue 13 §7): an online SQLite backup checked with integrity_check plus the
// store; a restore that checks first, refuses to overwrite without --force, and refuses a damaged
// backup; both audited.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImportWriter, Registry } from "../../../electron/registry";
import { queryAudit } from "../../../electron/registry/audit-query";
import { dataPaths } from "../../../electron/services/paths";
import { backupDataDir, restoreDataDir } from "../../../electron/services/site/backup";
import { batch } from "../../registry/helpers";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-backup-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("backup and restore", () => {
  it("backs up while open, restores into another data directory, refuses bad cases", async () => {
    const registry = Registry.open(dataPaths(path.join(dir, "live", "registry.sqlite")));
    new ImportWriter(registry.db).commitSeries(batch("3", "1", 4));
    fs.mkdirSync(path.join(registry.paths.store, "s"), { recursive: true });
    fs.writeFileSync(path.join(registry.paths.store, "s", "a.dcm"), "pixels");
    const out = path.join(dir, "backup-1");
    const r = await backupDataDir(registry, out, "it.admin");
    expect(r).toEqual({ dir: out, studies: 1, storeFiles: 1, integrity: "ok" });
    await expect(backupDataDir(registry, out, "it.admin")).rejects.toThrow("is not empty");
    expect(queryAudit(registry.db, { action: "backup" })[0]!.actor).toBe("it.admin");
    registry.close();

    const target = dataPaths(path.join(dir, "restored", "registry.sqlite"));
    const back = restoreDataDir(out, target, "it.admin", false);
    expect([back.studies, back.storeFiles, back.integrity]).toEqual([1, 1, "ok"]);
    expect(fs.readFileSync(path.join(target.store, "s", "a.dcm"), "utf8")).toBe("pixels");
    const reopened = Registry.open(target);
    expect(queryAudit(reopened.db, { action: "restore" })).toHaveLength(1);
    reopened.close();
    expect(() => restoreDataDir(out, target, "it.admin", false)).toThrow(
      "exists: restoring would replace it",
    );
    expect(() => restoreDataDir(path.join(dir, "nothing"), target, "x", true)).toThrow(
      "not a LiverCAD backup folder",
    );
    const damaged = path.join(dir, "damaged");
    fs.mkdirSync(damaged);
    fs.writeFileSync(path.join(damaged, "registry.sqlite"), "SQLite format 3\0 but not really");
    expect(() => restoreDataDir(damaged, target, "x", true)).toThrow(
      /fails its integrity check \(cannot be read as a registry: .*\): not restored/,
    );
    // The damaged backup changed nothing.
    const still = Registry.open(target);
    expect((still.db.prepare("SELECT COUNT(*) AS n FROM studies").get() as { n: number }).n).toBe(
      1,
    );
    still.close();
  });
});
