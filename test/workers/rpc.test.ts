// The workers' RPC helper (electron/workers, issue 12 §5) on a tiny fixture worker, forked and as
// a worker thread: a call, progress, a child's error arriving with its code and message, a crash
// rejecting every pending call, a timeout killing a hung worker, cancellation, close, and the
// respawning client. The inference, volume and import workers' own tests run the real workers.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../electron/contract/errors";
import {
  WorkerCallError,
  WorkerExitedError,
  WorkerSetupError,
} from "../../electron/workers/protocol";
import { WorkerClient, WorkerConnection, type WorkerOptions } from "../../electron/workers/rpc";
import { bundleForTest } from "../inference/helpers";
import type { FixtureProtocol } from "./fixture-worker";

let script: string;
let fixture: { path: string; remove: () => void };
beforeAll(async () => {
  fixture = await bundleForTest("test/workers/fixture-worker.ts", "rpc-fixture");
  script = fixture.path;
});
afterAll(() => fixture?.remove());

const open: WorkerConnection<FixtureProtocol>[] = [];
function connect(
  kind: WorkerOptions["kind"],
  extra: Partial<WorkerOptions> = {},
): WorkerConnection<FixtureProtocol> {
  const w = new WorkerConnection<FixtureProtocol>({
    name: "fixture worker",
    script,
    kind,
    ...extra,
  });
  open.push(w);
  return w;
}
afterAll(async () => {
  await Promise.all(open.map((w) => w.kill()));
});

/** The rejection of `p`, which must reject. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error("the call was answered");
    },
    (err: Error) => err,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each(["process", "thread"] as const)("a %s worker", (kind) => {
  it("answers a call, with the telemetry switch in its environment", async () => {
    const w = connect(kind);
    const out = await w.call("echo", { text: "hello" });
    expect(out).toMatchObject({ text: "hello", thread: kind === "thread", telemetry: "1" });
    if (kind === "process") {
      expect(out.pid).toBe(w.pid);
      expect(out.pid).not.toBe(process.pid);
    } else {
      expect(w.pid).toBeUndefined();
    }
    // Two calls in flight at once are told apart by their ids.
    const [a, b] = await Promise.all([
      w.call("wait", { ms: 40 }),
      w.call("echo", { text: "second" }),
    ]);
    expect([a, b.text]).toEqual(["done", "second"]);
    await w.close();
  });

  it("relays progress events in order, before the reply", async () => {
    const w = connect(kind);
    const seen: number[] = [];
    const result = await w.call("count", { to: 5 }, { onProgress: (p) => seen.push(p.done) });
    expect(result).toBe(5);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    await w.close();
  });

  it("re-throws an error from the child with its AppError code and message", async () => {
    const w = connect(kind, { errorCode: "FIXTURE" });
    const err = await rejection(w.call("fail", { message: "No such study 1.2.3.", plain: false }));
    expect(err).toBeInstanceOf(WorkerCallError);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "USAGE", name: "UsageError", worker: "fixture worker" });
    expect(err.message).toBe("No such study 1.2.3.");
    // Not an AppError in the child: the worker's default code, the child's name and message.
    const plain = await rejection(w.call("fail", { message: "bad input", plain: true }));
    expect(plain).toMatchObject({ code: "FIXTURE", name: "Error", message: "bad input" });
    // The worker is still there for the next call.
    expect((await w.call("echo", { text: "after" })).text).toBe("after");
    await w.close();
  });

  it("answers a method it does not have with a WorkerSetupError", async () => {
    const w = connect(kind);
    const err = await rejection(
      (w as unknown as WorkerConnection<{ nope: { args: null; result: null } }>).call("nope", null),
    );
    expect(err).toMatchObject({
      code: "WORKER_SETUP",
      message: 'The fixture worker has no method "nope".',
    });
    await w.close();
  });

  it("rejects every pending call when the worker crashes", async () => {
    const w = connect(kind);
    const pending = [w.call("hang", null), w.call("wait", { ms: 60_000 })];
    await w.call("echo", { text: "both calls are in" });
    const crash = w.call("crash", { code: 3, signal: false });
    const errors = await Promise.all([...pending, crash].map(rejection));
    for (const err of errors) {
      expect(err).toBeInstanceOf(WorkerExitedError);
      expect(err).toMatchObject({
        code: "WORKER_EXITED",
        reason: "exit",
        worker: "fixture worker",
      });
      expect(err.message).toBe("The fixture worker exited with code 3 before answering.");
    }
    expect(w.usable).toBe(false);
    const late = await rejection(w.call("echo", { text: "too late" }));
    expect(late.message).toBe("The fixture worker had already stopped before answering.");
  });

  it("kills a worker that does not answer within the call's timeout", async () => {
    const w = connect(kind, { timeoutMs: 60_000 });
    const other = w.call("wait", { ms: 60_000 });
    const t0 = performance.now();
    const err = await rejection(w.call("hang", null, { timeoutMs: 200, label: "Hanging here" }));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err).toMatchObject({ reason: "timeout" });
    expect(err.message).toBe(
      'The fixture worker did not answer "Hanging here" within 0.2 s and was stopped before answering.',
    );
    // The whole worker went: the other call in flight fails the same way, and it is gone.
    expect((await rejection(other)).message).toBe(err.message);
    await w.exited;
    if (kind === "process") expect(alive(w.pid!)).toBe(false);
  });

  it("cancels a call: the handler stops, or is killed after the grace period", async () => {
    const w = connect(kind);
    const polite = new AbortController();
    const waiting = w.call("wait", { ms: 60_000 }, { signal: polite.signal, cancelGraceMs: 5000 });
    setTimeout(() => polite.abort(), 50);
    expect(await waiting).toBe("cancelled");
    expect(w.usable).toBe(true);

    const stuck = new AbortController();
    stuck.abort(); // already cancelled when called: the cancel follows the call at once
    const t0 = performance.now();
    const err = await rejection(
      w.call("spin", { ms: 20_000 }, { signal: stuck.signal, cancelGraceMs: 150 }),
    );
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err).toMatchObject({ reason: "cancel" });
    expect(err.message).toBe(
      "The fixture worker did not stop within 0.15 s of being cancelled and was stopped before answering.",
    );
  });

  it("carries a Float32Array intact (a thread gets its buffer transferred)", async () => {
    const w = connect(kind);
    const out = await w.call("floats", { n: 1000 });
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(1000);
    expect(out[999]).toBe(499.5);
    await w.close();
  });

  it("closes: the worker ends, a call still pending is rejected, none is sent after", async () => {
    const w = connect(kind);
    expect((await w.call("echo", { text: "x" })).text).toBe("x");
    const pending = w.call("hang", null);
    await w.close();
    expect(await rejection(pending)).toBeInstanceOf(WorkerExitedError);
    if (kind === "process") expect(alive(w.pid!)).toBe(false);
    expect((await rejection(w.call("echo", { text: "y" }))).message).toMatch(/had already stopped/);
  });

  it("client: starts on first use and again after a stop", async () => {
    const started: (number | undefined)[] = [];
    let last = 0;
    const client = new WorkerClient<FixtureProtocol>({
      name: "fixture worker",
      script,
      kind,
      onStart: async (worker) => {
        started.push(worker.pid);
        expect((await worker.call("echo", { text: "warm-up" })).text).toBe("warm-up");
      },
    });
    try {
      expect(client.running).toBe(false);
      expect(client.pid).toBeUndefined();
      const [a, b] = await Promise.all([
        client.call("echo", { text: "a" }),
        client.call("echo", { text: "b" }),
      ]);
      expect([a.text, b.text]).toEqual(["a", "b"]);
      expect(started).toHaveLength(1); // one worker for two concurrent first calls
      expect(client.running).toBe(true);
      const err = await rejection(client.call("hang", null, { timeoutMs: 100 }));
      expect(err).toMatchObject({ reason: "timeout" });
      expect(client.running).toBe(false);
      const c = await client.call("echo", { text: "c" });
      expect(c.text).toBe("c");
      expect(started).toHaveLength(2);
      if (kind === "process") expect(c.pid).not.toBe(a.pid);
      last = c.pid;
    } finally {
      await client.close();
    }
    expect(client.running).toBe(false);
    if (kind === "process") expect(alive(last)).toBe(false); // no orphan after close()
  });
});

describe("process workers only", () => {
  it("a worker killed from outside names the signal", async () => {
    const w = connect("process");
    await w.call("echo", { text: "up" });
    const pending = w.call("hang", null);
    process.kill(w.pid!, "SIGKILL");
    expect((await rejection(pending)).message).toBe(
      "The fixture worker was killed by SIGKILL before answering.",
    );
  });

  it("a client whose start-up step fails kills that worker and rejects the call", async () => {
    let pid: number | undefined;
    const client = new WorkerClient<FixtureProtocol>({
      name: "fixture worker",
      script,
      kind: "process",
      onStart: async (worker) => {
        pid = worker.pid;
        await worker.call("fail", { message: "reload failed", plain: false });
      },
    });
    const err = await rejection(client.call("echo", { text: "never" }));
    expect(err.message).toBe("reload failed");
    expect(client.running).toBe(false);
    expect(alive(pid!)).toBe(false);
  });

  it("the worker script run on its own stops with a WorkerSetupError", () => {
    const run = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 20_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("WorkerSetupError");
    expect(run.stderr).toContain(
      "The fixture worker must be started by the application (forked or as a worker thread), not on its own.",
    );
    expect(new WorkerSetupError("x").code).toBe("WORKER_SETUP");
  });
});
