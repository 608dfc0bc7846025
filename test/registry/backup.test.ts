// registry/backup.ts (issue 13 §7, issue 12 §5): the online backup copy, PRAGMA integrity_check on
// a file (a good copy, a damaged one, a missing one) and opening a restored copy as it is.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  appendAudit,
  backupDatabase,
  ImportWriter,
  integrityCheck,
  openRestoredCopy,
  schemaVersion,
  SCHEMA_VERSION,
  studyCount,
} from "../../electron/registry";
import { closeLater, freshRegistry } from "./fixture-rows";
import { batch, tempDir } from "./helpers";

describe("registry backup", () => {
  it("copies the live registry, the copy passes integrity_check and holds the same rows", async () => {
    const { db } = freshRegistry();
    const w = new ImportWriter(db);
    w.commitSeries(batch("1", "1", 2));
    w.commitSeries(batch("2", "1", 1));
    const copy = path.join(tempDir(), "registry.sqlite");
    await backupDatabase(db, copy);
    expect(integrityCheck(copy)).toBe("ok");
    const restored = closeLater(openRestoredCopy(copy));
    expect(studyCount(restored)).toBe(2);
    expect(schemaVersion(restored)).toBe(SCHEMA_VERSION);
    // A restored copy takes its audit entry like any registry.
    expect(
      appendAudit(restored, { actor: "t", action: "restore", studyRef: null, details: {} }),
    ).toBeGreaterThan(0);
  });

  it("reports a damaged copy as not ok", async () => {
    const { db } = freshRegistry();
    const w = new ImportWriter(db);
    for (let k = 1; k <= 20; k++) w.commitSeries(batch(String(k), "1", 5));
    const copy = path.join(tempDir(), "registry.sqlite");
    await backupDatabase(db, copy);
    const bytes = fs.readFileSync(copy);
    // Overwrite pages 2-4 (past the 100-byte header of page 1): b-tree pages of the schema.
    bytes.fill(0xa5, 4096, 4 * 4096);
    fs.writeFileSync(copy, bytes);
    expect(integrityCheck(copy)).not.toBe("ok");
  });

  it("reports a file that is not a database, and a missing one, instead of throwing", () => {
    const dir = tempDir();
    const junk = path.join(dir, "junk.sqlite");
    fs.writeFileSync(junk, "this is not an SQLite database, just text long enough".repeat(100));
    expect(integrityCheck(junk)).toMatch(/^cannot be read as a registry: /);
    expect(integrityCheck(path.join(dir, "absent.sqlite"))).toMatch(
      /^cannot be read as a registry: /,
    );
    expect(fs.existsSync(path.join(dir, "absent.sqlite"))).toBe(false);
  });

  it("counts studies: 0 on an empty registry", () => {
    const { db } = freshRegistry();
    expect(studyCount(db)).toBe(0);
  });
});
