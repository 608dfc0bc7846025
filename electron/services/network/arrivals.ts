// When has a study finished arriving? DICOM has no "end of study" message over C-STORE (PS3.4
// Annex B), so the arrival window closes when every association that brought instances of the
// study has ended (released, aborted or dropped) and no new instance came for a quiet period.
// Then the study's sequences are assigned once, and a study with all five is handed on (queued
// for analysis when auto-analysis is on).
// In: instance arrivals and association ends, with a clock. Out: one "settled" call per window.

export type ArrivalState = "receiving" | "settling" | "settled";

export interface StudyArrival {
  studyInstanceUid: string;
  state: ArrivalState;
  instances: number;
  /** Calling AE titles that sent instances of this study in the current window. */
  callingAeTitles: string[];
  firstAt: number;
  lastAt: number;
  settledAt: number | null;
}

export interface ArrivalOptions {
  /** Quiet period after the last association ended, in ms (e.g. 30 000 at a site). */
  quietMs: number;
  /** Called once per window; errors are reported through onError and do not stop the tracker. */
  onSettled(studyInstanceUid: string, arrival: StudyArrival): void | Promise<void>;
  onError?(studyInstanceUid: string, err: unknown): void;
  now?: () => number;
}

interface Tracked {
  arrival: StudyArrival;
  associations: Set<number>;
  timer: ReturnType<typeof setTimeout> | null;
}

export class ArrivalTracker {
  private readonly studies = new Map<string, Tracked>();
  private readonly now: () => number;
  private readonly settling = new Set<Promise<void>>();

  constructor(private readonly options: ArrivalOptions) {
    this.now = options.now ?? Date.now;
  }

  /** An instance of the study was filed on association `associationId`. */
  instance(studyInstanceUid: string, associationId: number, callingAeTitle: string): void {
    const t = this.now();
    let tracked = this.studies.get(studyInstanceUid);
    if (!tracked || tracked.arrival.state === "settled") {
      tracked = {
        arrival: {
          studyInstanceUid,
          state: "receiving",
          instances: 0,
          callingAeTitles: [],
          firstAt: t,
          lastAt: t,
          settledAt: null,
        },
        associations: new Set(),
        timer: null,
      };
      this.studies.set(studyInstanceUid, tracked);
    }
    if (tracked.timer) clearTimeout(tracked.timer);
    tracked.timer = null;
    tracked.arrival.state = "receiving";
    tracked.arrival.instances += 1;
    tracked.arrival.lastAt = t;
    if (!tracked.arrival.callingAeTitles.includes(callingAeTitle)) {
      tracked.arrival.callingAeTitles.push(callingAeTitle);
    }
    tracked.associations.add(associationId);
  }

  /** The association ended, however it ended: its studies start their quiet period. */
  associationEnded(associationId: number): void {
    for (const tracked of this.studies.values()) {
      if (!tracked.associations.delete(associationId)) continue;
      if (tracked.associations.size === 0 && tracked.arrival.state === "receiving") {
        this.startQuietPeriod(tracked);
      }
    }
  }

  private startQuietPeriod(tracked: Tracked): void {
    tracked.arrival.state = "settling";
    // The quiet period counts from the end of the last association, not from the last instance:
    // a sender that holds its association open while it prepares more is still sending.
    tracked.timer = setTimeout(() => this.settle(tracked), this.options.quietMs);
    tracked.timer.unref?.();
  }

  private settle(tracked: Tracked): void {
    tracked.timer = null;
    if (tracked.arrival.state !== "settling") return;
    tracked.arrival.state = "settled";
    tracked.arrival.settledAt = this.now();
    const uid = tracked.arrival.studyInstanceUid;
    const run = (async () => {
      try {
        await this.options.onSettled(uid, { ...tracked.arrival });
      } catch (err) {
        this.options.onError?.(uid, err);
      }
    })();
    this.settling.add(run);
    void run.finally(() => this.settling.delete(run));
  }

  /** Every study seen since start, newest first (the worklist's "receiving" column). */
  list(): StudyArrival[] {
    return [...this.studies.values()]
      .map((t) => ({ ...t.arrival, callingAeTitles: [...t.arrival.callingAeTitles] }))
      .sort((a, b) => b.lastAt - a.lastAt);
  }

  get(studyInstanceUid: string): StudyArrival | null {
    const t = this.studies.get(studyInstanceUid);
    return t ? { ...t.arrival } : null;
  }

  /**
   * Shutdown: windows still open are closed now (their instances are all committed), so a
   * headless listener stopped by SIGTERM still assigns what it received; then waits for them.
   */
  async flush(): Promise<void> {
    for (const tracked of this.studies.values()) {
      if (tracked.arrival.state === "settled") continue;
      if (tracked.timer) clearTimeout(tracked.timer);
      tracked.arrival.state = "settling";
      this.settle(tracked);
    }
    await Promise.allSettled([...this.settling]);
  }
}
