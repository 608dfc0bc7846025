// Opens the case registry: one SQLite file in the data directory, migrated to the newest schema on
// open. Where that directory is (app userData, LIVERCAD_HOME, --db) is decided by the caller
// (services/paths.ts) and passed in: the registry layer imports no service.
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { RegistryError } from "../contract/errors";
import { migrate, schemaVersion, SCHEMA_VERSION } from "./migrate";

export type Db = Database.Database;

/** The data directory, its registry database file and the managed DICOM store beside it. */
export interface DataPaths {
  root: string;
  database: string;
  store: string;
}

/** Connection settings every registry connection needs, applied before any statement. */
export function configure(db: Db): void {
  // WAL lets the worklist read while an import writes; synchronous=NORMAL is durable across
  // process crashes in WAL mode and loses at most the last commits on power loss
  // (sqlite.org/pragma.html#pragma_synchronous), which re-importing repairs.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // The CLI and the app share the file: wait for the other's write lock instead of failing.
  db.pragma("busy_timeout = 10000");
}

/**
 * SQLite's commit durability for this connection: NORMAL (configure's default: durable across
 * process crashes in WAL mode) or FULL (the WAL is flushed at every commit, so a commit also
 * survives a power cut; sqlite.org/pragma.html#pragma_synchronous).
 */
export function setSynchronous(db: Db, mode: "NORMAL" | "FULL" | "OFF"): void {
  db.pragma(`synchronous = ${mode}`);
}

export function openDatabase(
  file: string,
  options: { migrate?: boolean; readOnly?: boolean } = {},
): Db {
  if (options.readOnly === true) return openReadOnly(file);
  let db: Db;
  try {
    // The registry holds patient names and IDs: owner-only from creation (issue 12 §4). SQLite
    // gives the -wal and -shm files the database file's permissions.
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, "a", 0o600));
    db = new Database(file);
    configure(db);
  } catch (err) {
    throw new RegistryError(
      `Cannot open the registry database ${file}: ${err instanceof Error ? err.message : err}`,
      { cause: err },
    );
  }
  if (options.migrate !== false) {
    try {
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }
  return db;
}

/**
 * A connection that never writes (a bench watching another process' registry): the file must
 * exist at this app's schema, since a read-only connection cannot migrate it.
 */
function openReadOnly(file: string): Db {
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    // journal_mode is the writer's to set; the rest is per connection (configure above).
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 10000");
  } catch (err) {
    throw new RegistryError(
      `Cannot open the registry database ${file} read-only: ${err instanceof Error ? err.message : err}`,
      { cause: err },
    );
  }
  const version = schemaVersion(db);
  if (version !== SCHEMA_VERSION) {
    db.close();
    throw new RegistryError(
      `The registry ${file} is at schema v${version} and this version of LiverCAD reads v${SCHEMA_VERSION}: ` +
        "a read-only connection cannot migrate it (open it once with any livercad command).",
    );
  }
  return db;
}

/** The registry database plus the managed store beside it. */
export class Registry {
  readonly db: Db;
  readonly paths: DataPaths;

  private constructor(db: Db, paths: DataPaths) {
    this.db = db;
    this.paths = paths;
  }

  /** readOnly: no migration, no write (openReadOnly above); the default migrates on open. */
  static open(paths: DataPaths, options: { readOnly?: boolean } = {}): Registry {
    return new Registry(openDatabase(paths.database, options), paths);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
