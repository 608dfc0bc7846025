// The parent's side of a worker (protocol.ts; the child runs serve.ts): typed calls with ids,
// progress events, a per-call timeout that kills a hung worker, cancellation with a grace period
// after which the worker is killed, and a worker that stops (exit, signal, a kill from here)
// rejecting every pending call with a WorkerExitedError naming it. The inference worker, the
// viewer's volume workers and the import worker all run on it (issue 12 §5).
import { fork, type ChildProcess } from "node:child_process";
import { Worker as ThreadWorker, type TransferListItem } from "node:worker_threads";
import {
  WorkerCallError,
  WorkerExitedError,
  type ArgsOf,
  type ChildMessage,
  type Method,
  type ParentMessage,
  type ProgressOf,
  type ProtocolOf,
  type ResultOf,
  type StopReason,
} from "./protocol";

export interface WorkerOptions {
  /** The worker in messages: "inference worker", "volume worker", "import worker". */
  name: string;
  /** The bundled worker script (scripts/build.mjs, scripts/build-ui.mjs). */
  script: string;
  /**
   * "process": child_process.fork, so that a crash in native code (onnxruntime, a codec) ends
   * the worker, not the app; under Electron fork runs the Electron binary as Node
   * (ELECTRON_RUN_AS_NODE). "thread": a worker thread, whose replies can transfer large buffers
   * (a decoded volume) instead of copying them through a pipe.
   */
  kind: "process" | "thread";
  /** Default per-call timeout in ms; none when absent. */
  timeoutMs?: number;
  /** Code of the WorkerCallError for an error the child threw that was not an AppError. */
  errorCode?: string;
  /** Lets the parent exit while no call is pending (an idle viewer worker must not keep a CLI or
   * a test process alive). */
  unrefWhenIdle?: boolean;
}

export interface CallOptions<G> {
  onProgress?: (event: G) => void;
  /** Overrides WorkerOptions.timeoutMs for this call. */
  timeoutMs?: number;
  /** The call in the timeout message (`did not answer "<label>" within ...`); the method name by
   * default. */
  label?: string;
  /** Cancels the call: the child's handler sees its signal fire; a child that has not answered
   * `cancelGraceMs` later is killed (the call then rejects with reason "cancel"). */
  signal?: AbortSignal;
  cancelGraceMs?: number;
  /** Buffers in `args` to move rather than copy (threads only). */
  transfer?: ArrayBuffer[];
}

/**
 * The environment of every forked worker: the parent's, with onnxruntime's telemetry off.
 * onnxruntime 1.30 otherwise keeps a telemetry database and a device id under
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime (measured; issue 12 §4): off in every session
 * this app opens, whichever worker opens one.
 */
export function workerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ORT_DISABLE_TELEMETRY: "1" };
}

/** The transport under a connection: a forked process or a worker thread. */
interface Endpoint {
  readonly pid: number | undefined;
  send(message: ParentMessage, transfer: ArrayBuffer[], failed: (err: Error) => void): void;
  /** Ends it now (SIGKILL / terminate). */
  kill(): void;
  /** Ends it gently: a forked worker exits when its channel closes (serve.ts). */
  end(): void;
  ref(): void;
  unref(): void;
}

interface EndpointEvents {
  message(message: ChildMessage): void;
  exit(how: string): void;
  error(err: Error): void;
}

function forkEndpoint(script: string, on: EndpointEvents): Endpoint {
  const child: ChildProcess = fork(script, [], {
    serialization: "advanced", // structured clone: typed arrays cross without JSON
    execArgv: [],
    env: workerEnv(),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  child.on("message", (message: ChildMessage) => on.message(message));
  child.once("exit", (code, signal) =>
    on.exit(signal ? `was killed by ${signal}` : `exited with code ${code}`),
  );
  child.on("error", (err) => {
    on.error(err);
    // A process that never started (no pid) sends no "exit": report its end here.
    if (child.pid === undefined) on.exit(`could not start (${err.message})`);
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid,
    send: (message, _transfer, failed) => {
      if (!child.connected) {
        failed(new Error("the channel is closed"));
        return;
      }
      child.send(message, (err) => {
        if (err) failed(err);
      });
    },
    kill: () => {
      if (!gone()) child.kill("SIGKILL");
    },
    end: () => {
      if (child.connected) child.disconnect();
      else if (!gone()) child.kill("SIGKILL");
    },
    ref: () => {
      child.ref();
      child.channel?.ref();
    },
    unref: () => {
      child.unref();
      child.channel?.unref();
    },
  };
}

function threadEndpoint(script: string, on: EndpointEvents): Endpoint {
  const worker = new ThreadWorker(script, { env: workerEnv() });
  worker.on("message", (message: ChildMessage) => on.message(message));
  worker.once("exit", (code) => on.exit(`exited with code ${code}`));
  worker.on("error", (err) => on.error(err));
  return {
    pid: undefined,
    send: (message, transfer, failed) => {
      try {
        worker.postMessage(message, transfer as TransferListItem[]);
      } catch (err) {
        failed(err instanceof Error ? err : new Error(String(err)));
      }
    },
    kill: () => void worker.terminate(),
    end: () => void worker.terminate(),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress: ((event: unknown) => void) | undefined;
}

/**
 * One running worker (a process or a thread). When it stops, every pending call is rejected with
 * a WorkerExitedError and the connection is not usable again; WorkerClient starts a new one.
 */
export class WorkerConnection<P extends ProtocolOf<P>> {
  private readonly endpoint: Endpoint;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set when this side kills the worker (timeout, cancel): how the exit is reported. */
  private stopping: { reason: StopReason; how: string } | null = null;
  private stopped = false;
  /** A request could not be delivered: the worker is being killed, new calls go elsewhere. */
  private retired = false;
  /** Resolves when the process or thread has ended. */
  readonly exited: Promise<void>;

  constructor(private readonly options: WorkerOptions) {
    let ended!: () => void;
    this.exited = new Promise<void>((resolve) => (ended = resolve));
    const events: EndpointEvents = {
      message: (message) => this.receive(message),
      exit: (how) => {
        const stop = this.stopping ?? { reason: "exit" as const, how };
        this.stopped = true;
        this.failAll(stop.reason, stop.how);
        ended();
      },
      error: (err) => {
        // The process could not be started or messaged, or the thread threw at top level (its
        // exit follows): either way this worker is finished.
        this.stopping ??= { reason: "error", how: `failed: ${err.message}` };
        this.stopped = true;
        this.failAll(this.stopping.reason, this.stopping.how, err);
        this.endpoint.kill();
      },
    };
    this.endpoint =
      options.kind === "process"
        ? forkEndpoint(options.script, events)
        : threadEndpoint(options.script, events);
    if (options.unrefWhenIdle) this.endpoint.unref();
  }

  /** Process id of a forked worker (undefined for a thread). */
  get pid(): number | undefined {
    return this.endpoint.pid;
  }

  /** Calls not answered yet. */
  get busy(): number {
    return this.pending.size;
  }

  /** False once the worker has stopped or is being killed: new calls need a new worker. */
  get usable(): boolean {
    return !this.stopped && !this.retired && this.stopping === null;
  }

  call<M extends Method<P>>(
    method: M,
    args: ArgsOf<P, M>,
    options: CallOptions<ProgressOf<P, M>> = {},
  ): Promise<ResultOf<P, M>> {
    if (!this.usable) {
      return Promise.reject(
        new WorkerExitedError(this.options.name, "unreachable", "had already stopped"),
      );
    }
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const { signal } = options;
    return new Promise<ResultOf<P, M>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        if (!this.pending.has(id)) return;
        this.endpoint.send({ kind: "cancel", id }, [], () => undefined);
        const graceMs = options.cancelGraceMs ?? 2000;
        graceTimer = setTimeout(
          () =>
            void this.kill(
              "cancel",
              `did not stop within ${graceMs / 1000} s of being cancelled and was stopped`,
            ),
          graceMs,
        );
      };
      const settled = (): void => {
        clearTimeout(timer);
        clearTimeout(graceTimer);
        signal?.removeEventListener("abort", onAbort);
        if (this.options.unrefWhenIdle && this.pending.size === 0) this.endpoint.unref();
      };
      this.pending.set(id, {
        resolve: (value) => {
          settled();
          resolve(value as ResultOf<P, M>);
        },
        reject: (err) => {
          settled();
          reject(err);
        },
        onProgress: options.onProgress as ((event: unknown) => void) | undefined,
      });
      if (timeoutMs !== undefined) {
        // A hung worker is killed: the exit fails every call pending on it, this one included.
        timer = setTimeout(
          () =>
            void this.kill(
              "timeout",
              `did not answer "${options.label ?? method}" within ${timeoutMs / 1000} s and was stopped`,
            ),
          timeoutMs,
        );
        timer.unref();
      }
      if (this.options.unrefWhenIdle) this.endpoint.ref();
      this.endpoint.send(
        { kind: "call", id, method, args },
        options.transfer ?? [],
        (err: Error) => {
          // The channel is gone (the worker died before reading the request): retire this
          // worker now, so that the next call does not write into the same dead pipe.
          this.retired = true;
          this.endpoint.kill();
          this.rejectOne(
            id,
            new WorkerExitedError(
              this.options.name,
              "unreachable",
              `stopped before receiving the request (${err.message})`,
              { cause: err },
            ),
          );
        },
      );
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Ends the worker gently and waits for it; calls still pending are rejected as it exits. */
  async close(): Promise<void> {
    if (!this.stopped) this.endpoint.end();
    await this.exited;
  }

  /** Kills the worker now and waits for it (shutdown). */
  async kill(reason: StopReason = "exit", how?: string): Promise<void> {
    if (!this.stopped) {
      if (how !== undefined) this.stopping ??= { reason, how };
      this.endpoint.kill();
    }
    await this.exited;
  }

  private receive(message: ChildMessage): void {
    const p = this.pending.get(message.id);
    if (p === undefined) return;
    if (message.kind === "progress") {
      p.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    if (message.ok) p.resolve(message.value);
    else p.reject(new WorkerCallError(this.options.name, message.error, this.errorCode));
  }

  private get errorCode(): string {
    return this.options.errorCode ?? "WORKER";
  }

  private rejectOne(id: number, err: Error): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.reject(err);
  }

  private failAll(reason: StopReason, how: string, cause?: Error): void {
    for (const [id] of [...this.pending]) {
      this.rejectOne(
        id,
        new WorkerExitedError(this.options.name, reason, how, cause ? { cause } : undefined),
      );
    }
  }
}

export interface ClientOptions<P extends ProtocolOf<P>> extends WorkerOptions {
  /**
   * Runs on each new worker before any call reaches it (the inference engine reloads its
   * sessions there); a failure kills that worker and fails the call that started it.
   */
  onStart?: (worker: WorkerConnection<P>) => Promise<void>;
}

/**
 * A worker started on first use and started again on the next call after it stopped (crash,
 * kill, timeout): callers see one long-lived worker whose stops fail only the calls in flight.
 */
export class WorkerClient<P extends ProtocolOf<P>> {
  private current: WorkerConnection<P> | null = null;
  private starting: Promise<WorkerConnection<P>> | null = null;
  private inflight = 0;

  constructor(private readonly options: ClientOptions<P>) {}

  /** Process id of the running worker, if one is running. */
  get pid(): number | undefined {
    return this.running ? this.current?.pid : undefined;
  }

  /** Whether a worker is up and usable (no call is needed to start one). */
  get running(): boolean {
    return this.current?.usable === true;
  }

  /** Calls made and not settled yet, those waiting for a worker to start included. */
  get busy(): number {
    return this.inflight;
  }

  async call<M extends Method<P>>(
    method: M,
    args: ArgsOf<P, M>,
    options?: CallOptions<ProgressOf<P, M>>,
  ): Promise<ResultOf<P, M>> {
    this.inflight++;
    try {
      const worker = await this.connection();
      return await worker.call(method, args, options);
    } finally {
      this.inflight--;
    }
  }

  /** Ends the current worker gently; the next call starts a new one. */
  async close(): Promise<void> {
    const worker = this.current;
    this.current = null;
    await worker?.close();
  }

  private async connection(): Promise<WorkerConnection<P>> {
    if (this.current?.usable) return this.current;
    this.current = null;
    this.starting ??= this.start().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async start(): Promise<WorkerConnection<P>> {
    const worker = new WorkerConnection<P>(this.options);
    try {
      await this.options.onStart?.(worker);
    } catch (err) {
      await worker.kill();
      throw err;
    }
    this.current = worker;
    return worker;
  }
}
