// The managed store: every imported instance is copied to
// <dataDir>/store/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm, so the source
// media can be removed after import. Files are written to a temporary name and renamed into place
// (rename is atomic within a filesystem, POSIX rename(2)): a reader never sees half a file, and a
// killed import leaves at worst an unregistered complete file or a *.tmp that the next write of
// the same instance replaces.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { StagingFiles } from "./staging";

/** PS3.5 §9.1: a UID is dot-separated decimal components, at most 64 characters. */
const UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * A UID as a path component. Valid UIDs are used as they are (readable, and what PACS staff
 * expect); anything else is hashed so a malformed UID can never name "..", a separator or a
 * reserved Windows name.
 */
export function uidSegment(uid: string): string {
  if (UID.test(uid) && uid.length <= 64) return uid;
  return `x${createHash("sha256").update(uid).digest("hex").slice(0, 32)}`;
}

export function storeRelativePath(study: string, series: string, sop: string): string {
  // Always "/" so the registry row is the same on every platform.
  return [uidSegment(study), uidSegment(series), `${uidSegment(sop)}.dcm`].join("/");
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** How `write` makes a file durable: its data always; its directory entry now or later. */
export interface WriteOptions {
  /**
   * Flush the data (fdatasync) before the rename, and the directory after it. With
   * `directory: "deferred"` the directory is not flushed here: the caller must await
   * `syncDirectory(relative)` before it treats the file as durable (group commit).
   */
  durable?: boolean;
  directory?: "now" | "deferred";
}

/**
 * A file `stage` wrote into the staging folder, its data flush under way. `tmp` is null when
 * not even the file could be made; `flushed` then rejects with why.
 */
export interface StagedFile {
  readonly tmp: string | null;
  /** Resolves once the data is on disk (fdatasync) and the file closed; rejects on failure. */
  readonly flushed: Promise<void>;
}

/** A staged file that failed before its flush (its rejection is marked handled). */
export function failedStage(tmp: string | null, err: unknown): StagedFile {
  const flushed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
  flushed.catch(() => undefined);
  return { tmp, flushed };
}

/** The staging folder of `stage`, inside the store so a rename moves a file into place. */
export const INCOMING_FOLDER = ".incoming";

export interface ManagedStoreOptions {
  /**
   * Empty files `stage` keeps made ahead of time (0: made when needed). Creating a file is a
   * journal update that took 0.01-0.7 ms on this machine's disk, more than writing 132 KB, so
   * the DICOM listener makes the next few on the thread pool while it waits for the network.
   */
  stagingSlots?: number;
}

export class ManagedStore {
  readonly root: string;
  private readonly madeDirs = new Set<string>();
  private counter = 0;
  /** Per directory, the next group flush: scheduled, not started, so a new name can join it. */
  private readonly pendingDirSync = new Map<string, Promise<void>>();
  /** The staging folder's files, some made ahead (staging.ts). */
  private readonly staging: StagingFiles;

  constructor(root: string, options: ManagedStoreOptions = {}) {
    this.root = root;
    this.staging = new StagingFiles(path.join(root, INCOMING_FOLDER), options.stagingSlots ?? 0);
  }

  absolute(relative: string): string {
    return path.join(this.root, ...relative.split("/"));
  }

  /**
   * Removes *.tmp copies left by killed imports (write() names them <file>.<pid>.<n>.tmp): those
   * of processes no longer running, or older than an hour whatever their pid. Returns how many.
   */
  sweepTemporaries(nowMs = Date.now()): number {
    let removed = 0;
    const visit = (dir: string, depth: number): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory() && depth < 3) visit(full, depth + 1);
        const m = /\.(\d+)\.\d+\.tmp$/.exec(e.name);
        if (!e.isFile() || !m) continue;
        let stale = !processAlive(Number(m[1]));
        try {
          stale ||= nowMs - fs.statSync(full).mtimeMs > 3_600_000;
        } catch {
          continue;
        }
        if (stale) {
          fs.rmSync(full, { force: true });
          removed += 1;
        }
      }
    };
    visit(this.root, 0);
    return removed;
  }

  /** Removes a file this import wrote but must not keep. */
  remove(relative: string): void {
    fs.rmSync(this.absolute(relative), { force: true });
  }

  /**
   * Writes `data` at `relative` atomically (tmp + rename); replaces an existing file.
   * Synchronous on purpose: the import is sequential, and for files of tens of kilobytes the
   * thread-pool round trips of fs.promises cost ~3x the write itself (525 phantom files:
   * 76 ms sync vs 224 ms async on the 2-core build machine).
   */
  write(relative: string, data: Uint8Array, options: WriteOptions = {}): void {
    const target = this.absolute(relative);
    const dir = path.dirname(target);
    this.makeDir(dir, options.durable === true);
    const tmp = `${target}.${process.pid}.${this.counter++}.tmp`;
    try {
      this.writeIn(dir, tmp, target, data, options);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      if (!this.forgetDeletedDir(dir, err)) throw err;
      this.makeDir(dir, options.durable === true);
      try {
        this.writeIn(dir, tmp, target, data, options);
      } catch (again) {
        fs.rmSync(tmp, { force: true });
        throw again;
      }
    }
  }

  /**
   * The first half of a durable write whose place is not known yet: the DICOM receiver reads
   * the UIDs that name the folder while the disk flushes. Writes `data` into a file of the
   * staging folder and starts its data flush (fdatasync) on the thread pool; then `place`
   * renames it where it belongs, or `discard` removes it. Never throws: a failure (the
   * disk full, an I/O error) rejects `flushed` with the system's error.
   */
  stage(data: Uint8Array): StagedFile {
    let tmp: string | null = null;
    let fd: number;
    try {
      ({ tmp, fd } = this.staging.open());
    } catch (err) {
      return failedStage(tmp, err);
    }
    try {
      writeAll(fd, data);
    } catch (err) {
      fs.closeSync(fd);
      return failedStage(tmp, err);
    }
    const flushed = new Promise<void>((resolve, reject) => {
      fs.fdatasync(fd, (err) => {
        try {
          fs.closeSync(fd);
        } catch (closeErr) {
          err ??= closeErr as NodeJS.ErrnoException;
        }
        if (err) reject(err);
        else resolve();
      });
    });
    flushed.catch(() => undefined);
    this.staging.refill();
    return { tmp, flushed };
  }

  /**
   * Renames a staged file, whose `flushed` resolved, to `relative` (replacing an existing file).
   * Its directory entry is flushed by `syncDirectory`, as after `write` with "deferred".
   */
  place(staged: StagedFile, relative: string): void {
    if (staged.tmp === null) throw new Error("nothing was staged");
    const target = this.absolute(relative);
    const dir = path.dirname(target);
    this.makeDir(dir, true);
    try {
      fs.renameSync(staged.tmp, target);
    } catch (err) {
      if (!this.forgetDeletedDir(dir, err)) throw err;
      this.makeDir(dir, true);
      fs.renameSync(staged.tmp, target);
    }
  }

  /** Removes a staged file that is not to be kept, once its flush is over. */
  discard(staged: StagedFile): void {
    const tmp = staged.tmp;
    if (tmp === null) return;
    const removal = staged.flushed
      .catch(() => undefined)
      .then(() => fs.promises.rm(tmp, { force: true }))
      .catch(() => undefined);
    this.staging.track(removal);
  }

  /** Stops making staging files and removes those made; resolves when none is left. */
  release(): Promise<void> {
    return this.staging.release();
  }

  /** Makes `dir` once; a folder mkdir creates is flushed in its parent for a durable write. */
  private makeDir(dir: string, durable: boolean): void {
    if (this.madeDirs.has(dir)) return;
    // Images carry patient data: owner-only folders and files (issue 12 §4).
    const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined && durable) syncNewDirectories(created, dir);
    this.madeDirs.add(dir);
  }

  /**
   * A deleted study's folders are removed (services/site/deletion.ts): a long-lived store (the
   * DICOM listener) that made the folder before must make it again. True when that is the case.
   */
  private forgetDeletedDir(dir: string, err: unknown): boolean {
    return (err as NodeJS.ErrnoException).code === "ENOENT" && this.madeDirs.delete(dir);
  }

  /**
   * Flushes the directory of `relative` (a file `write` renamed there with `directory:
   * "deferred"`) so its new name survives a power cut. Group commit: every caller whose rename
   * happened before the flush starts shares one fsync of the directory. The flush starts on the
   * next turn of the event loop (setImmediate), after the socket reads already waiting in this
   * one, so concurrent associations filing into one series directory pay for one flush, not one
   * each (measured in the README, issue 14 round 7). A caller never resolves before a flush that
   * started after its own rename.
   */
  syncDirectory(relative: string): Promise<void> {
    // Windows cannot open a directory for flushing; NTFS journals the rename itself.
    if (process.platform === "win32") return Promise.resolve();
    const dir = path.dirname(this.absolute(relative));
    const pending = this.pendingDirSync.get(dir);
    if (pending) return pending;
    const flush = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        // From here on, a new rename needs the next flush.
        this.pendingDirSync.delete(dir);
        // Synchronous on purpose: the thread pool's round trips (open, fsync, close) each wait
        // for this thread to be scheduled again, which on a loaded machine cost more than the
        // flush (bench:ingest under load ~9: 55/s with them); setImmediate itself does not sleep.
        try {
          const fd = fs.openSync(dir, "r");
          try {
            fs.fsyncSync(fd);
          } finally {
            fs.closeSync(fd);
          }
          resolve();
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    this.pendingDirSync.set(dir, flush);
    return flush;
  }

  private writeIn(
    dir: string,
    tmp: string,
    target: string,
    data: Uint8Array,
    options: WriteOptions,
  ): void {
    if (options.durable) writeDurably(tmp, target, dir, data, options.directory !== "deferred");
    else {
      fs.writeFileSync(tmp, data, { mode: 0o600 });
      fs.renameSync(tmp, target);
    }
  }
}

/**
 * A folder mkdir made is itself a new name in its parent: flushed like a file's (fsync(2) on the
 * parent), or a power cut could take the series folder, and every file in it, away. `first` is
 * the first folder mkdir created (its parent existed), `leaf` the file's folder, which the
 * caller flushes after the rename. Once per new series folder, so its cost does not count.
 */
function syncNewDirectories(first: string, leaf: string): void {
  if (process.platform === "win32") return;
  for (let d = leaf; ; d = path.dirname(d)) {
    const parent = path.dirname(d);
    const fd = fs.openSync(parent, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (d === first || parent === d) break;
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.byteLength) {
    offset += fs.writeSync(fd, data, offset, data.byteLength - offset);
  }
}

/**
 * For a network sender the file must survive a power cut before it hears Success (PS3.4 B.2.3:
 * after Success the SCU may delete its copy): the data is flushed (fdatasync) before the rename,
 * and the directory after it so the new name is on disk too. ~0.8 ms a 132 KB file here.
 */
function writeDurably(
  tmp: string,
  target: string,
  dir: string,
  data: Uint8Array,
  syncDirectory: boolean,
): void {
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    writeAll(fd, data);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
  // Windows cannot open a directory for flushing; NTFS journals the rename itself.
  if (process.platform === "win32" || !syncDirectory) return;
  const dirFd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}
