// Opens the case registry: one SQLite file in the data directory, migrated to the newest schema on
// open. Where that directory is (app userData, LIVERCAD_HOME, --db) is decided by the caller
// (services/paths.ts) and passed in: the registry layer imports no service.
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { RegistryError } from "../contract/errors";
import { migrate } from "./migrate";

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

export function openDatabase(file: string, options: { migrate?: boolean } = {}): Db {
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

/** The registry database plus the managed store beside it. */
export class Registry {
  readonly db: Db;
  readonly paths: DataPaths;

  private constructor(db: Db, paths: DataPaths) {
    this.db = db;
    this.paths = paths;
  }

  static open(paths: DataPaths): Registry {
    return new Registry(openDatabase(paths.database), paths);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
