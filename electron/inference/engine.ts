// The main-process side of the inference worker: loads sessions, runs them, re-throws worker
// errors with context, and survives a worker crash (pending calls fail with a clear error; the
// next call starts a new worker and reloads the sessions it had). Issue 4 §1, STYLE.md 6.
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { InferenceError, ModelIntegrityError } from "../contract/errors";
import type { ResolvedFile } from "./model-store";
import type {
  Envelope,
  LoadRequest,
  MonteCarloRequest,
  ReplyValues,
  SessionInfo,
  WireTensor,
  WorkerReply,
  WorkerRequest,
} from "./protocol";
import { providerOrder, type ProviderName } from "./providers";

/**
 * The worker process stopped (killed, crashed, or killed here after a call timed out) with calls
 * pending. The analysis service retries a job that met this, a limited number of times.
 */
export class WorkerStoppedError extends InferenceError {}

/** True when `err` or one of its causes is a WorkerStoppedError. */
export function isWorkerStopped(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof WorkerStoppedError) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Longest a single worker call may take before the worker is taken for hung and killed. The
 * shipped models answer in well under a second per call on CPU; a 5-minute ceiling still catches
 * a worker stuck in a provider library. LIVERCAD_INFERENCE_TIMEOUT_S overrides it.
 */
const DEFAULT_CALL_TIMEOUT_MS = 300_000;

export interface EngineOptions {
  /** Per-call timeout (hung worker); default 5 minutes or LIVERCAD_INFERENCE_TIMEOUT_S. */
  callTimeoutMs?: number;
  /** The bundled worker (scripts/build.mjs: dist/inference-worker.cjs, next to the CLI bundle). */
  workerPath?: string;
  /** Providers to try, in order; default providerOrder(process.platform). */
  providers?: ProviderName[];
}

interface Pending {
  resolve: (value: never) => void;
  reject: (err: Error) => void;
  context: string;
}

export class InferenceEngine {
  private readonly workerPath: string;
  private readonly providers: ProviderName[];
  private child: ChildProcess | null = null;
  private starting: Promise<ChildProcess> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Load requests of the open sessions, replayed into a respawned worker. */
  private readonly loads = new Map<string, LoadRequest>();
  private readonly infos = new Map<string, SessionInfo>();
  private readonly callTimeoutMs: number;
  /** Set when this side killed the worker for a call that did not answer in time. */
  private hung: string | null = null;

  constructor(options: EngineOptions = {}) {
    const fromEnv = Number(process.env.LIVERCAD_INFERENCE_TIMEOUT_S);
    this.callTimeoutMs =
      options.callTimeoutMs ??
      (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv * 1000 : DEFAULT_CALL_TIMEOUT_MS);
    this.workerPath = options.workerPath ?? join(__dirname, "inference-worker.cjs");
    this.providers = options.providers ?? providerOrder(process.platform);
  }

  /** Process id of the running worker, if one is running. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Session facts (provider used, names) as of its latest load. */
  info(key: string): SessionInfo | undefined {
    return this.infos.get(key);
  }

  /** Opens a session on one model file in the worker; its sha256 is checked on the bytes loaded. */
  async load(key: string, modelId: string, file: ResolvedFile): Promise<SessionInfo> {
    const req: LoadRequest = {
      type: "load",
      key,
      modelId,
      path: file.absolutePath,
      file: file.path,
      sha256: file.sha256,
      providers: this.providers,
    };
    const child = await this.worker();
    const info = await this.call(child, req, `Loading ${modelId}/${file.path}`);
    this.loads.set(key, req);
    this.infos.set(key, info);
    return info;
  }

  async run(key: string, feeds: Record<string, WireTensor>): Promise<Record<string, WireTensor>> {
    if (!this.loads.has(key)) throw new InferenceError(`No model session "${key}" is loaded.`);
    const child = await this.worker();
    return this.call(child, { type: "run", key, feeds }, `Running ${key}`);
  }

  /** Backbone + Monte-Carlo head in one round trip (protocol.ts MonteCarloRequest). */
  async monteCarlo(req: Omit<MonteCarloRequest, "type">): Promise<WireTensor> {
    for (const key of [req.backbone.key, req.head.key]) {
      if (!this.loads.has(key)) throw new InferenceError(`No model session "${key}" is loaded.`);
    }
    const child = await this.worker();
    return this.call(
      child,
      { type: "monteCarlo", ...req },
      `Running ${req.head.key} (T=${req.samples})`,
    );
  }

  async unload(key: string): Promise<void> {
    this.loads.delete(key);
    this.infos.delete(key);
    if (this.child) await this.call(this.child, { type: "unload", key }, `Unloading ${key}`);
  }

  /** Ends the worker and forgets every session. */
  async close(): Promise<void> {
    this.loads.clear();
    this.infos.clear();
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      child.once("exit", () => done());
      child.disconnect(); // the worker exits on disconnect (worker.ts)
    });
  }

  private async worker(): Promise<ChildProcess> {
    if (this.child) return this.child;
    this.starting ??= this.spawn().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async spawn(): Promise<ChildProcess> {
    // fork() rather than a worker thread: a native crash in a thread takes the whole process
    // down. Under Electron, fork runs the Electron binary as Node (ELECTRON_RUN_AS_NODE).
    const child = fork(this.workerPath, [], {
      serialization: "advanced", // structured clone: Float32Array crosses without JSON
      execArgv: [],
      // onnxruntime 1.30 otherwise keeps a telemetry database and a device id under
      // ~/.cache/Microsoft/DeveloperTools/.onnxruntime (measured; issue 12 §4): off in every
      // session this app opens.
      env: { ...process.env, ORT_DISABLE_TELEMETRY: "1" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", (msg: WorkerReply) => this.settle(msg));
    child.once("exit", (code, signal) => {
      if (this.child === child) this.child = null;
      const how =
        this.hung !== null
          ? `did not answer ${this.hung} within ${this.callTimeoutMs / 1000} s and was stopped`
          : signal
            ? `was killed by ${signal}`
            : `exited with code ${code}`;
      this.hung = null;
      this.failAll(
        new WorkerStoppedError(
          `The inference worker ${how} before answering; the analysis step was not completed. ` +
            "The next request starts a new worker.",
        ),
      );
    });
    child.once("error", (err) => {
      if (this.child === child) this.child = null;
      this.failAll(
        new InferenceError(`The inference worker failed: ${err.message}`, { cause: err }),
      );
    });
    // A respawned worker gets back every session the previous one had before it is handed out:
    // the worker handles messages concurrently, so a run must not overtake its session's load.
    for (const req of this.loads.values()) {
      const info = await this.call(child, req, `Reloading ${req.modelId}/${req.file}`);
      this.infos.set(req.key, info);
    }
    this.child = child;
    return child;
  }

  private call<R extends WorkerRequest>(
    child: ChildProcess,
    req: R,
    context: string,
  ): Promise<ReplyValues[R["type"]]> {
    const id = this.nextId++;
    return new Promise<ReplyValues[R["type"]]>((resolve, reject) => {
      // A hung worker (no reply in time) is killed: the exit handler fails every pending call.
      const timer = setTimeout(() => {
        if (!this.pending.has(id)) return;
        this.hung = `"${context}"`;
        if (this.child === child) this.child = null;
        child.kill("SIGKILL");
      }, this.callTimeoutMs);
      timer.unref();
      const done =
        <T>(f: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          f(v);
        };
      this.pending.set(id, {
        resolve: done(resolve) as (v: never) => void,
        reject: done(reject),
        context,
      });
      const envelope: Envelope = { ...req, id };
      child.send(envelope, (err) => {
        if (!err) return;
        // The channel is gone (the worker died before reading the request): retire this worker
        // now, so that the next call does not write into the same dead pipe.
        if (this.child === child) this.child = null;
        child.kill("SIGKILL");
        this.reject(
          id,
          new WorkerStoppedError(
            `${context}: the inference worker stopped before receiving the request (${err.message}). ` +
              "The next request starts a new worker.",
            { cause: err },
          ),
        );
      });
    });
  }

  private settle(msg: WorkerReply): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) {
      p.resolve(msg.value as never);
      return;
    }
    const text = `${p.context}: ${msg.error.name}: ${msg.error.message}`;
    p.reject(
      msg.error.code === "MODEL_INTEGRITY"
        ? new ModelIntegrityError(`${p.context}: ${msg.error.message}`)
        : new InferenceError(text),
    );
  }

  private reject(id: number, err: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.reject(err);
  }

  private failAll(err: InferenceError): void {
    for (const [id, p] of [...this.pending]) {
      this.pending.delete(id);
      const Kind = err instanceof WorkerStoppedError ? WorkerStoppedError : InferenceError;
      p.reject(new Kind(`${p.context}: ${err.message}`, { cause: err }));
    }
  }
}
