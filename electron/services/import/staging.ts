// The files of the store's staging folder (store.ts `stage`): where a received instance is
// written and flushed before its folder is known. Creating a file is a journal update that took
// 0.01-0.7 ms on this machine's disk, more than writing 132 KB into it, so a few empty files can
// be made ahead on libuv's thread pool while the listener waits for the network. Names are
// `slot.<pid>.<n>.tmp`, which the store's sweep of a dead process's temporaries removes.
import fs from "node:fs";
import path from "node:path";

export class StagingFiles {
  /** Empty files ready for `open`, made on the thread pool. */
  private readonly ready: string[] = [];
  /** The file being made, or a discarded one being removed: awaited by `release`. */
  private readonly background = new Set<Promise<unknown>>();
  private counter = 0;
  private released = false;
  private refilling = false;

  /** `ahead`: how many empty files to keep made (0: each made when needed). */
  constructor(
    readonly folder: string,
    private readonly ahead: number,
  ) {}

  /** A file made ahead, opened; else a new one (the folder made where missing). */
  open(): { tmp: string; fd: number } {
    for (let slot = this.ready.shift(); slot !== undefined; slot = this.ready.shift()) {
      try {
        return { tmp: slot, fd: fs.openSync(slot, "r+") };
      } catch (err) {
        // Swept by another process meanwhile (an hour-old temporary): take the next.
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    const tmp = this.nextName();
    try {
      return { tmp, fd: fs.openSync(tmp, "wx", 0o600) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      fs.mkdirSync(this.folder, { recursive: true, mode: 0o700 });
      return { tmp, fd: fs.openSync(tmp, "wx", 0o600) };
    }
  }

  /** Makes files on the thread pool, one at a time, until `ahead` are ready. */
  refill(): void {
    if (this.released || this.refilling || this.ready.length >= this.ahead) return;
    this.refilling = true;
    const tmp = this.nextName();
    const made = new Promise<void>((resolve) => {
      fs.open(tmp, "wx", 0o600, (err, fd) => {
        this.refilling = false;
        if (!err) {
          fs.closeSync(fd);
          if (this.released) fs.rmSync(tmp, { force: true });
          else this.ready.push(tmp);
          // A failure (the folder gone, the disk full) stops here: the next `open` makes its own.
          this.refill();
        }
        resolve();
      });
    });
    this.track(made);
  }

  /** Work on these files still under way (a removal), awaited by `release`. */
  track(p: Promise<unknown>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** Stops making files and removes those ready; resolves when nothing is under way. */
  async release(): Promise<void> {
    this.released = true;
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    for (const slot of this.ready.splice(0)) fs.rmSync(slot, { force: true });
  }

  private nextName(): string {
    return path.join(this.folder, `slot.${process.pid}.${this.counter++}.tmp`);
  }
}
