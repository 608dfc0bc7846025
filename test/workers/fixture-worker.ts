// A tiny worker for test/workers/rpc.test.ts: each method exercises one path of the RPC helper
// (a reply, progress, errors, a crash, a hang, cancellation, a transferred buffer). The same
// script runs forked and as a worker thread.
import { isMainThread } from "node:worker_threads";
import { UsageError } from "../../electron/contract/errors";
import { serve } from "../../electron/workers/serve";

export interface FixtureProtocol {
  echo: {
    args: { text: string };
    result: { text: string; pid: number; thread: boolean; telemetry: string | null };
  };
  count: { args: { to: number }; result: number; progress: { done: number } };
  /** Throws a UsageError (code USAGE) or, with plain, a plain Error. */
  fail: { args: { message: string; plain: boolean }; result: null };
  /** Never answers. */
  hang: { args: null; result: null };
  /** Ends the worker: process.exit(code), or SIGKILL on itself. */
  crash: { args: { code: number; signal: boolean }; result: null };
  /** Waits `ms`, answering early with "cancelled" when the caller cancels. */
  wait: { args: { ms: number }; result: "done" | "cancelled" };
  /** Busy for `ms` without looking at cancellation (a file stuck in a decoder). */
  spin: { args: { ms: number }; result: "done" };
  /** A Float32Array of n values, its buffer transferred where the transport allows. */
  floats: { args: { n: number }; result: Float32Array };
}

serve<FixtureProtocol>("fixture worker", {
  echo: ({ text }) => ({
    text,
    pid: process.pid,
    thread: !isMainThread,
    telemetry: process.env.ORT_DISABLE_TELEMETRY ?? null,
  }),
  count: async ({ to }, call) => {
    for (let done = 1; done <= to; done++) {
      call.progress({ done });
      await new Promise((r) => setTimeout(r, 1));
    }
    return to;
  },
  fail: ({ message, plain }) => {
    if (plain) throw new Error(message);
    throw new UsageError(message);
  },
  hang: () => new Promise<null>(() => undefined),
  crash: ({ code, signal }) => {
    if (signal) process.kill(process.pid, "SIGKILL");
    else process.exit(code);
    return null;
  },
  wait: ({ ms }, call) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve("done"), ms);
      call.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve("cancelled");
      });
    }),
  spin: ({ ms }) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      // blocks the worker's event loop, as a hostile file in a decoder does
    }
    return "done";
  },
  floats: ({ n }, call) => {
    const data = new Float32Array(n).map((_, i) => i / 2);
    call.transfer(data.buffer);
    return data;
  },
});
