// Backup and restore of a data directory (issue 13 §7): the registry through SQLite's online
// backup API (consistent while the app and the CLI keep working on it), checked on the copy with
// PRAGMA integrity_check, and the managed DICOM store copied beside it. A restore checks the
// backup first and refuses to overwrite a registry that exists unless asked to; both are audited.
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../contract/errors";
import {
  appendAudit,
  backupDatabase,
  integrityCheck,
  openRestoredCopy,
  studyCount,
  type Registry,
} from "../../registry";
import type { DataPaths } from "../paths";

export interface BackupResult {
  dir: string;
  studies: number;
  storeFiles: number;
  integrity: string;
}

function copyTree(from: string, to: string): number {
  if (!fs.existsSync(from)) return 0;
  let n = 0;
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) n += copyTree(a, b);
    else if (e.isFile() && !e.name.endsWith(".tmp")) {
      fs.copyFileSync(a, b);
      n++;
    }
  }
  return n;
}

export async function backupDataDir(
  registry: Registry,
  out: string,
  actor: string,
): Promise<BackupResult> {
  const dir = path.resolve(out);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new UsageError(`Backup folder ${dir} is not empty: choose a new folder.`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "registry.sqlite");
  await backupDatabase(registry.db, file);
  const check = integrityCheck(file);
  if (check !== "ok") {
    throw new UsageError(
      `The backup copy failed its integrity check (${check}); nothing is wrong with the registry itself until checked: run the backup again.`,
    );
  }
  // Files first registered, then the registry rows: a store file without a row is harmless, the
  // reverse would not be, so the store is copied after the registry snapshot.
  const storeFiles = copyTree(registry.paths.store, path.join(dir, "store"));
  const studies = studyCount(registry.db);
  appendAudit(registry.db, {
    actor,
    action: "backup",
    studyRef: null,
    details: { studies, storeFiles, integrity: check },
  });
  return { dir, studies, storeFiles, integrity: check };
}

export function restoreDataDir(
  from: string,
  target: DataPaths,
  actor: string,
  force: boolean,
): BackupResult {
  const dir = path.resolve(from);
  const file = path.join(dir, "registry.sqlite");
  if (!fs.existsSync(file)) {
    throw new UsageError(`${dir} holds no registry.sqlite: not a LiverCAD backup folder.`);
  }
  const check = integrityCheck(file);
  if (check !== "ok") {
    throw new UsageError(
      `The backup in ${dir} fails its integrity check (${check}): not restored.`,
    );
  }
  if (fs.existsSync(target.database) && !force) {
    throw new UsageError(
      `${target.database} exists: restoring would replace it. Close the app, back it up, then run again with --force.`,
    );
  }
  fs.mkdirSync(path.dirname(target.database), { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(target.database + suffix, { force: true });
  fs.copyFileSync(file, target.database);
  const storeFiles = copyTree(path.join(dir, "store"), target.store);
  const db = openRestoredCopy(target.database);
  try {
    const studies = studyCount(db);
    appendAudit(db, {
      actor,
      action: "restore",
      studyRef: null,
      details: { studies, storeFiles, integrity: check },
    });
    return { dir, studies, storeFiles, integrity: check };
  } finally {
    db.close();
  }
}
