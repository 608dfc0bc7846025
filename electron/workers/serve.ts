// The child's side of a worker (protocol.ts): a table of handlers, one per method of the worker's
// protocol type. Calls are handled concurrently, each with its own progress sender and an
// AbortSignal that a cancel from the parent fires; every call is answered exactly once, errors as
// {name, message, code}. Works in a forked process (the parent closing the channel ends the
// process: no orphans) and in a worker thread (replies may transfer buffers instead of copying).
import { parentPort, type TransferListItem } from "node:worker_threads";
import {
  toWireError,
  WorkerSetupError,
  type ArgsOf,
  type ChildMessage,
  type Method,
  type ParentMessage,
  type ProgressOf,
  type ProtocolOf,
  type ResultOf,
} from "./protocol";

export interface CallContext<G> {
  /** Sends a progress event to the caller's onProgress. */
  progress(event: G): void;
  /** Fires when the caller cancels this call (rpc.ts CallOptions.signal). */
  signal: AbortSignal;
  /** Moves these buffers into the reply instead of copying them (worker threads only). */
  transfer(...buffers: ArrayBuffer[]): void;
}

export type Handlers<P extends ProtocolOf<P>> = {
  [M in Method<P>]: (
    args: ArgsOf<P, M>,
    context: CallContext<ProgressOf<P, M>>,
  ) => ResultOf<P, M> | Promise<ResultOf<P, M>>;
};

/**
 * Answers the parent's calls with `handlers`. `name` ("volume worker") names the worker in the
 * error thrown when the script is started on its own rather than forked or spawned as a thread.
 */
export function serve<P extends ProtocolOf<P>>(name: string, handlers: Handlers<P>): void {
  const port = parentPort;
  let post: (message: ChildMessage, transfer: ArrayBuffer[]) => void;
  let listen: (on: (message: ParentMessage) => void) => void;
  if (port !== null) {
    post = (message, transfer) => port.postMessage(message, transfer as TransferListItem[]);
    listen = (on) => port.on("message", on);
  } else if (process.send !== undefined) {
    post = (message) => {
      // The parent may be gone (its channel closed): the answer has nobody to go to.
      if (process.connected) process.send?.(message);
    };
    listen = (on) => process.on("message", on);
    // The parent closing the channel (app quit, parent crash, close()) ends the worker.
    process.on("disconnect", () => process.exit(0));
  } else {
    throw new WorkerSetupError(
      `The ${name} must be started by the application (forked or as a worker thread), not on its own.`,
    );
  }

  const running = new Map<number, AbortController>();
  const table = handlers as unknown as Record<
    string,
    ((args: unknown, context: CallContext<unknown>) => unknown) | undefined
  >;
  listen((message) => {
    if (message.kind === "cancel") {
      running.get(message.id)?.abort();
      return;
    }
    const { id, method } = message;
    const handler = Object.hasOwn(table, method) ? table[method] : undefined;
    if (handler === undefined) {
      post(
        {
          kind: "reply",
          id,
          ok: false,
          error: toWireError(new WorkerSetupError(`The ${name} has no method "${method}".`)),
        },
        [],
      );
      return;
    }
    const controller = new AbortController();
    const transfer: ArrayBuffer[] = [];
    running.set(id, controller);
    const context: CallContext<unknown> = {
      progress: (progress) => post({ kind: "progress", id, progress }, []),
      signal: controller.signal,
      transfer: (...buffers) => transfer.push(...buffers),
    };
    // The handler starts in this very event, so it watches its signal before a cancel (the next
    // message) can arrive; one that throws synchronously is answered like one that rejects.
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(handler(message.args, context));
    } catch (err) {
      result = Promise.reject(err);
    }
    result
      .then(
        (value) => {
          try {
            post({ kind: "reply", id, ok: true, value }, transfer);
          } catch (err) {
            // A value that cannot be cloned (a function, a detached buffer) is the call's error,
            // not a call left without an answer.
            post({ kind: "reply", id, ok: false, error: toWireError(err) }, []);
          }
        },
        (err: unknown) => post({ kind: "reply", id, ok: false, error: toWireError(err) }, []),
      )
      .finally(() => running.delete(id));
  });
}
