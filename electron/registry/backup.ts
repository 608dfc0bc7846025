// The registry file as a whole (issue 13 §7): a consistent copy through SQLite's online backup API
// (sqlite.org/backup.html: readers and writers keep working during the copy), PRAGMA
// integrity_check on a copy, and opening a restored copy to record the restore in its audit log.
import Database from "better-sqlite3";
import { errorMessage } from "../contract/errors";
import type { Db } from "./open";

/** Copies the live registry to `file` with the online backup API. */
export async function backupDatabase(db: Db, file: string): Promise<void> {
  await db.backup(file);
}

/** "ok", or what PRAGMA integrity_check (or opening the file) reported. */
export function integrityCheck(file: string): string {
  let db: Db | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma("integrity_check") as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join("; ");
  } catch (err) {
    return `cannot be read as a registry: ${errorMessage(err)}`;
  } finally {
    db?.close();
  }
}

/**
 * Opens a restored registry copy as it is, without connection settings or migration (the app
 * configures and migrates it when it next opens it), to record the restore. The caller closes it.
 */
export function openRestoredCopy(file: string): Db {
  return new Database(file);
}
