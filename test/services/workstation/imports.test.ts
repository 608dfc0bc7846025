// The import queue: one job at a time in request order, progress relayed, per-file errors kept,
// cancel of a queued and of a running job. The importer here is a scripted function (the real
// import service is exercised by the e2e import test).
import { describe, expect, it } from "vitest";
import type { JobView } from "../../../electron/contract/ipc";
import { ImportQueue, type Importer } from "../../../electron/services/workstation/imports";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("ImportQueue", () => {
  it("runs jobs one at a time and keeps the report's per-file errors", async () => {
    const order: string[] = [];
    const importer: Importer = async (paths, hooks) => {
      order.push(`start ${paths[0]}`);
      for (let i = 1; i <= 3; i++) {
        await tick();
        hooks.onProgress({ done: i, total: 3 });
      }
      order.push(`end ${paths[0]}`);
      return {
        studyInstanceUids: ["1.2.3"],
        fileErrors: [{ path: `${paths[0]}/x.txt`, reason: "not a DICOM file" }],
      };
    };
    const events: JobView[] = [];
    const q = new ImportQueue(importer, (j) => events.push(j));
    const a = q.start(["/a"]);
    const b = q.start(["/b"]);
    expect(a.id).not.toBe(b.id);
    await q.idle();
    expect(order).toEqual(["start /a", "end /a", "start /b", "end /b"]);
    const done = q.list();
    expect(done.map((j) => [j.state, j.progress, j.studyInstanceUid])).toEqual([
      ["done", 1, "1.2.3"],
      ["done", 1, "1.2.3"],
    ]);
    expect(done[0]!.fileErrors).toEqual([{ path: "/a/x.txt", reason: "not a DICOM file" }]);
    expect(events.some((e) => e.state === "running" && e.progress > 0 && e.progress < 1)).toBe(
      true,
    );
  });

  it("cancels a queued job before it starts and a running one through its signal", async () => {
    let sawAbort = false;
    const importer: Importer = async (_paths, hooks) => {
      while (!hooks.signal.aborted) await tick();
      sawAbort = true;
      return { studyInstanceUids: [], fileErrors: [] };
    };
    const q = new ImportQueue(importer, () => undefined);
    const running = q.start(["/slow"]);
    const queued = q.start(["/later"]);
    await tick();
    expect(q.cancel(queued.id)?.state).toBe("cancelled");
    q.cancel(running.id);
    await q.idle();
    expect(sawAbort).toBe(true);
    expect(q.list().map((j) => j.state)).toEqual(["cancelled", "cancelled"]);
  });
});
