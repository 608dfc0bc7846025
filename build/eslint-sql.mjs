// The registry owns its tables (issue 12 §5, STYLE.md "registry/: the case registry on
// better-sqlite3 (queries; schema lives in db/)"): SQL is written in electron/registry (queries)
// and db/ (migrations) only. Everywhere else a query is a function a registry module exports
// through electron/registry/index.ts, so one file per table shows every statement on it.
//
// The local rule `sql/registry-owns-sql` reports, outside those folders:
//  - `x.prepare(...)`, `x.pragma(...)` and `x.backup(...)` on any receiver (better-sqlite3's
//    statement, PRAGMA and online-backup calls; nothing else in this code base has those names);
//  - `x.exec(...)` when the receiver is a database by name (`db`, `database`, `sqlite`,
//    `connection`, a name ending in Db/Database, or such a property: `reg.db`): RegExp#exec has
//    the same name, and without type information the receiver's name is what tells them apart;
//  - a value import or require() of "better-sqlite3" (opening a connection of one's own).
// `db.transaction(() => ...)` stays allowed: a service may wrap several registry calls in one
// transaction (services/analysis/service.ts saves a result and finishes its job in one), which is
// the service's decision and holds no SQL.
//
// SQL_EXCEPTIONS lists the files outside the registry that may still do so, each with why.
// Tests (test/) are not checked: they seed and inspect registries directly.

/** Folders that own SQL: the registry's queries and the migrations. */
export const SQL_OWNERS = ["electron/registry", "db"];

/** Files outside SQL_OWNERS allowed to run SQL, with the reason. */
export const SQL_EXCEPTIONS = [
  {
    path: "bench/ui.ts",
    why: "seeds a synthetic registry of many studies to time the worklist; not shipped",
  },
  {
    path: "bench/ingest.ts",
    why: "opens the registry a CLI run wrote, read-only, to read the last analysis' status; not shipped",
  },
  {
    path: "bench/export.ts",
    why: "clears result_objects between timed export runs so each run writes them again; not shipped",
  },
];

/** Folders the rule checks (the shipped code and the benches); test/ is not among them. */
export const SQL_CHECKED = ["electron", "renderer", "bench", "scripts"];

const SQL_METHODS = new Set(["prepare", "pragma", "backup"]);
// `db`, `database`, `sqlite`, `connection`, and compounds ending in Db / Database (`sourceDb`).
const DATABASE_NAME = /^(db|database|sqlite|connection)$|[a-z](Db|Database)$/i;

function propertyName(member) {
  if (member.computed) {
    return member.property.type === "Literal" ? String(member.property.value) : null;
  }
  return member.property.type === "Identifier" ? member.property.name : null;
}

/** Whether an expression names a database: `db`, `reg.db`, `this.database`, `getDb()`... */
function namesDatabase(node) {
  if (node.type === "Identifier") return DATABASE_NAME.test(node.name);
  if (node.type === "MemberExpression") {
    const name = propertyName(node);
    return name !== null && DATABASE_NAME.test(name);
  }
  if (node.type === "TSNonNullExpression") return namesDatabase(node.expression);
  return false;
}

const WHY =
  "SQL belongs to the registry (issue 12 §5): add a function to a module of electron/registry and export it from electron/registry/index.ts";

const registryOwnsSql = {
  meta: {
    type: "problem",
    docs: { description: "SQL is written in electron/registry and db/ only" },
    schema: [],
  },
  create(context) {
    const report = (node, what) =>
      context.report({ node, message: `${what} outside electron/registry and db/. ${WHY}.` });
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type === "MemberExpression") {
          const name = propertyName(callee);
          if (name !== null && SQL_METHODS.has(name)) report(node, `.${name}()`);
          else if (name === "exec" && namesDatabase(callee.object))
            report(node, ".exec() on a database");
        } else if (
          callee.type === "Identifier" &&
          callee.name === "require" &&
          node.arguments[0]?.type === "Literal" &&
          node.arguments[0].value === "better-sqlite3"
        ) {
          report(node, 'require("better-sqlite3")');
        }
      },
      ImportDeclaration(node) {
        if (node.source.value !== "better-sqlite3" || node.importKind === "type") return;
        const values = node.specifiers.filter(
          (s) => !(s.type === "ImportSpecifier" && s.importKind === "type"),
        );
        if (node.specifiers.length === 0 || values.length > 0) {
          report(node, 'importing "better-sqlite3"');
        }
      },
    };
  },
};

export const sqlPlugin = { rules: { "registry-owns-sql": registryOwnsSql } };

/** Flat-config entries: the rule on SQL_CHECKED, minus SQL_OWNERS and SQL_EXCEPTIONS. */
export function sqlConfigs() {
  return [
    {
      files: SQL_CHECKED.map((f) => `${f}/**/*.{ts,tsx,mts,cts,mjs,cjs,js}`),
      ignores: [...SQL_OWNERS.map((f) => `${f}/**`), ...SQL_EXCEPTIONS.map((e) => e.path)],
      plugins: { sql: sqlPlugin },
      rules: { "sql/registry-owns-sql": "error" },
    },
  ];
}
