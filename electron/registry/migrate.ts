// Applies db/ migrations: one transaction per migration, version tracked by PRAGMA user_version
// (STYLE.md 5). The app and the CLI may open the same database at once, so each step takes the
// write lock first (BEGIN IMMEDIATE) and re-reads the version inside it: the second process then
// finds the work done instead of running a migration twice.
import type { Database } from "better-sqlite3";
import { MIGRATIONS, type Migration } from "../../db/index";
import { RegistryError } from "../contract/errors";

/** The newest version this app knows: the last migration's (versions may skip numbers while
 * parallel branches each add theirs; they only ever increase). */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

export function schemaVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

export interface MigrationResult {
  from: number;
  to: number;
}

/** Migrates `db` up to `target` (default: the newest this app knows). */
export function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  target: number = migrations.at(-1)?.version ?? 0,
): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version <= (i === 0 ? 0 : migrations[i - 1]!.version)) {
      throw new RegistryError(`Migration list is out of order at ${m.name} (v${m.version}).`);
    }
  });
  const known = migrations.at(-1)?.version ?? 0;
  const from = schemaVersion(db);
  if (from > known) {
    throw new RegistryError(
      `This registry (${db.name}) was written by a newer version of LiverCAD ` +
        `(schema v${from}; this version understands up to v${known}). ` +
        "Update LiverCAD, or use a different data directory with --db or LIVERCAD_HOME.",
    );
  }
  for (const m of migrations) {
    if (m.version > target) break;
    const step = db.transaction(() => {
      if (schemaVersion(db) >= m.version) return;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      step.immediate();
    } catch (err) {
      throw new RegistryError(
        `Could not upgrade the registry to schema v${m.version} (${m.name}); ` +
          `it is unchanged at v${schemaVersion(db)}.`,
        { cause: err },
      );
    }
  }
  return { from, to: schemaVersion(db) };
}

/** The schema as SQL, in a stable order: the content of the db/schema.sql snapshot. */
export function dumpSchema(db: Database): string {
  const rows = db
    .prepare<[], { sql: string }>(
      `SELECT sql FROM sqlite_master
        WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
        ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name`,
    )
    .all();
  const header =
    "-- Generated from db/ migrations by test/registry/schema.test.ts " +
    "(UPDATE_SCHEMA_SNAPSHOT=1 rewrites it).\n" +
    `-- PRAGMA user_version = ${schemaVersion(db)};\n\n`;
  return header + rows.map((r) => `${r.sql.replace(/[ \t]+$/gm, "")};\n`).join("\n");
}
