// Migration 012 (issue 13 §6, issue 12 §4): user accounts and added site models, on a database
// that held real rows before (a study, its audit entry, a site setting), whatever ran before it.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../db/index";
import {
  appendAudit,
  configure,
  ImportWriter,
  migrate,
  schemaVersion,
  type Db,
} from "../../electron/registry";
import { insertSiteModel, listSiteModels } from "../../electron/registry/site-models";
import { readSiteSettings, writeSiteSetting } from "../../electron/registry/site-settings";
import { insertUser, listUserRows } from "../../electron/registry/users";
import { batch, tempDir } from "./helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

describe("migration 012: users and site models", () => {
  it("keeps the rows of a v9 database and adds the two tables", () => {
    const db = new Database(path.join(tempDir(), "registry.sqlite"));
    configure(db);
    open.push(db);
    const before = MIGRATIONS.filter((m) => m.version < 12).at(-1)!.version;
    migrate(db, MIGRATIONS, before);
    new ImportWriter(db).commitSeries(batch("12", "1", 3));
    appendAudit(db, { actor: "os", action: "study.open", studyRef: 1, details: {} });
    writeSiteSetting(db, "incompleteSeries", "warn", "os");
    migrate(db, MIGRATIONS);
    expect(schemaVersion(db)).toBe(12);
    expect(db.prepare("SELECT COUNT(*) AS n FROM studies").get()).toEqual({ n: 1 });
    expect(db.prepare("SELECT COUNT(*) AS n FROM audit_log").get()).toEqual({ n: 2 });
    expect(readSiteSettings(db)).toMatchObject({ incompleteSeries: "warn", requireSignIn: false });
    expect(listUserRows(db)).toEqual([]);
    expect(listSiteModels(db)).toEqual([]);

    insertUser(db, {
      username: "Ann",
      displayName: "Ann",
      role: "nurse",
      passwordHash: "scrypt$x",
      by: "os",
    });
    // Names are unique without regard to case; roles are the four of the contract.
    expect(() =>
      insertUser(db, {
        username: "ann",
        displayName: "A",
        role: "admin",
        passwordHash: "h",
        by: "os",
      }),
    ).toThrow(/UNIQUE/);
    expect(() =>
      db
        .prepare(
          `INSERT INTO users (username, display_name, role, password_hash, created_at, created_by,
             password_changed_at) VALUES ('bob', 'Bob', 'surgeon', 'h', 'now', 'os', 'now')`,
        )
        .run(),
    ).toThrow(/CHECK/);
    const m = {
      modelId: "site-cls",
      version: "1",
      task: "classifier",
      folder: "/site/site-cls",
      files: { "b.onnx": "bb", "a.onnx": "aa" },
      manifestSha256: "cc",
      addedBy: "os",
    };
    expect(insertSiteModel(db, m)).toBe(true);
    // The same files in another key order are the same model.
    expect(insertSiteModel(db, { ...m, files: { "a.onnx": "aa", "b.onnx": "bb" } })).toBe(false);
    expect(listSiteModels(db).map((r) => r.files)).toEqual([{ "a.onnx": "aa", "b.onnx": "bb" }]);
  });
});
