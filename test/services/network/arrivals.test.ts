// The arrival window on a fake clock: a study settles only after every association that brought
// it has ended and its quiet period has passed without a new instance; once per window.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ArrivalTracker, type StudyArrival } from "../../../electron/services/network/arrivals";

describe("arrival window", () => {
  let settled: StudyArrival[];
  let tracker: ArrivalTracker;

  beforeEach(() => {
    vi.useFakeTimers();
    settled = [];
    tracker = new ArrivalTracker({
      quietMs: 30_000,
      onSettled: (_uid, a) => {
        settled.push(a);
      },
      now: () => Date.now(),
    });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits for the association's end, then the quiet period", () => {
    tracker.instance("1.2.3", 1, "SCANNER");
    tracker.instance("1.2.3", 1, "SCANNER");
    vi.advanceTimersByTime(60_000);
    expect(settled).toEqual([]);
    expect(tracker.get("1.2.3")?.state).toBe("receiving");
    tracker.associationEnded(1);
    expect(tracker.get("1.2.3")?.state).toBe("settling");
    vi.advanceTimersByTime(29_999);
    expect(settled).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(settled.map((s) => [s.studyInstanceUid, s.instances, s.state])).toEqual([
      ["1.2.3", 2, "settled"],
    ]);
  });

  it("waits for every association of the study, and a late instance restarts the wait", () => {
    tracker.instance("1.2.3", 1, "SCANNER");
    tracker.instance("1.2.3", 2, "PACS");
    tracker.associationEnded(1);
    vi.advanceTimersByTime(40_000);
    expect(settled).toEqual([]);
    tracker.associationEnded(2);
    vi.advanceTimersByTime(20_000);
    tracker.instance("1.2.3", 3, "PACS");
    tracker.associationEnded(3);
    vi.advanceTimersByTime(20_000);
    expect(settled).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(settled).toHaveLength(1);
    expect(settled[0]!.instances).toBe(3);
    expect(settled[0]!.callingAeTitles).toEqual(["SCANNER", "PACS"]);
  });

  it("keeps studies of one association apart and opens a new window for a later arrival", () => {
    tracker.instance("A", 1, "X");
    tracker.instance("B", 1, "X");
    tracker.associationEnded(1);
    vi.advanceTimersByTime(30_000);
    expect(settled.map((s) => s.studyInstanceUid).sort()).toEqual(["A", "B"]);
    tracker.instance("A", 2, "X");
    expect(tracker.get("A")?.instances).toBe(1);
    tracker.associationEnded(2);
    vi.advanceTimersByTime(30_000);
    expect(settled).toHaveLength(3);
  });

  it("closes open windows at shutdown, so what was received is still assigned", async () => {
    tracker.instance("A", 1, "X");
    await tracker.flush();
    expect(settled.map((s) => s.studyInstanceUid)).toEqual(["A"]);
  });
});
