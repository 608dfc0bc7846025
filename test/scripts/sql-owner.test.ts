// The registry owns its tables (issue 12 §5): `sql/registry-owns-sql` (build/eslint-sql.mjs), run
// through the project's own eslint.config.mjs on files that exist only in memory (lintText), refuses
// SQL outside electron/registry and db/; and the tree itself holds none outside the listed
// exceptions (a text scan, so the check does not depend on lint having run).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const REPO = path.resolve(__dirname, "../..");

interface SqlRules {
  SQL_OWNERS: string[];
  SQL_EXCEPTIONS: { path: string; why: string }[];
  SQL_CHECKED: string[];
}

let eslint: ESLint;
let rules: SqlRules;

beforeAll(async () => {
  eslint = new ESLint({ cwd: REPO });
  // A variable specifier: the .mjs is loaded at run time, not typed by tsc.
  const file = pathToFileURL(path.join(REPO, "build/eslint-sql.mjs")).href;
  rules = (await import(file)) as SqlRules;
});

/** Messages of the SQL rule for `code` as if it were the file `rel`. */
async function sqlMessages(rel: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO, rel) });
  return result!.messages.filter((m) => m.ruleId === "sql/registry-owns-sql").map((m) => m.message);
}

const SERVICE = "electron/services/probe/x.ts";

describe("sql/registry-owns-sql", () => {
  it("refuses prepare, pragma, backup and exec on a database in a service", async () => {
    const code = [
      'import type { Db, Registry } from "../../registry";',
      'export const a = (db: Db) => db.prepare("SELECT id FROM studies").all();',
      'export const b = (reg: Registry) => reg.db.prepare<[], { n: number }>("SELECT 1").get();',
      'export const c = (db: Db) => db.pragma("integrity_check");',
      'export const d = (reg: Registry) => reg.db.exec("DELETE FROM jobs");',
      'export const e = (db: Db) => db.backup("/tmp/copy.sqlite");',
      'export const f = (database: Db) => database.exec("VACUUM");',
      'export const g = (sourceDb: Db) => sourceDb.exec("VACUUM");',
      "",
    ].join("\n");
    const messages = await sqlMessages(SERVICE, code);
    expect(messages.map((m) => m.split(" outside")[0])).toEqual([
      ".prepare()",
      ".prepare()",
      ".pragma()",
      ".exec() on a database",
      ".backup()",
      ".exec() on a database",
      ".exec() on a database",
    ]);
    expect(messages[0]).toContain("electron/registry/index.ts");
  });

  it("refuses opening a connection with better-sqlite3 outside the registry", async () => {
    const esm =
      'import Database from "better-sqlite3";\nexport const db = new Database(":memory:");\n';
    expect(await sqlMessages("electron/services/site/probe.ts", esm)).toHaveLength(1);
    const cjs = 'const Database = require("better-sqlite3");\nexport default Database;\n';
    expect(await sqlMessages("electron/cli/commands/probe.ts", cjs)).toHaveLength(1);
    const typeOnly =
      'import type Database from "better-sqlite3";\nexport type D = Database.Database;\n';
    expect(await sqlMessages(SERVICE, typeOnly)).toEqual([]);
  });

  it("allows RegExp#exec, transactions and calling registry functions", async () => {
    const code = [
      'import { studyRefOf, type Db } from "../../registry";',
      "const PATTERN = /^(\\d{4})(\\d{2})$/;",
      "export const a = (s: string) => /^x(\\d+)$/.exec(s) ?? PATTERN.exec(s);",
      "export const b = (db: Db, uid: string) => db.transaction(() => studyRefOf(db, uid)).immediate();",
      "",
    ].join("\n");
    expect(await sqlMessages(SERVICE, code)).toEqual([]);
  });

  it("leaves the registry, the migrations and the listed bench files alone", async () => {
    const code =
      'import Database from "better-sqlite3";\nexport const n = (db: Database.Database) => db.prepare("SELECT 1").get();\n';
    expect(await sqlMessages("electron/registry/probe.ts", code)).toEqual([]);
    expect(await sqlMessages("db/999-probe.ts", code)).toEqual([]);
    expect(await sqlMessages("bench/ui.ts", code)).toEqual([]);
    // Any other bench file is checked.
    expect(await sqlMessages("bench/probe.ts", code)).toHaveLength(2);
    // So is the renderer, should it ever be handed a connection.
    expect(
      await sqlMessages(
        "renderer/probe.ts",
        "export const f = (db: { prepare(s: string): void }) => db.prepare('x');\n",
      ),
    ).toHaveLength(1);
  });

  it("lists every exception with a reason, and each one exists", () => {
    expect(rules.SQL_OWNERS).toEqual(["electron/registry", "db"]);
    for (const e of rules.SQL_EXCEPTIONS) {
      expect(fs.existsSync(path.join(REPO, e.path)), e.path).toBe(true);
      expect(e.why.length).toBeGreaterThan(20);
    }
  });

  it("finds no SQL in the tree outside the registry, db/ and the exceptions", () => {
    const allowed = (rel: string) =>
      rules.SQL_OWNERS.some((f) => rel.startsWith(f + "/")) ||
      rules.SQL_EXCEPTIONS.some((e) => e.path === rel);
    const sql =
      /\.(prepare|pragma|backup)\s*[<(]|(\b(db|database|sqlite|connection)|[a-z](Db|Database))\s*!?\s*\.\s*exec\s*\(|(from|require\()\s*["']better-sqlite3["']/;
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else if (/\.(ts|tsx|mts|mjs)$/.test(e.name) && !allowed(rel)) {
          const text = fs.readFileSync(path.join(REPO, rel), "utf8");
          const lines = text.split("\n");
          lines.forEach((line, i) => {
            // `import type` of the Db type is not a connection.
            if (sql.test(line) && !/^import type /.test(line)) found.push(`${rel}:${i + 1}`);
          });
        }
      }
    };
    for (const top of rules.SQL_CHECKED) walk(top);
    expect(found).toEqual([]);
  });
});
