// The main-process side of the inference worker: loads sessions, runs them, re-throws worker
// errors with context, and survives a worker crash (pending calls fail with a clear error; the
// next call starts a new worker and reloads the sessions it had). Issue 4 §1, STYLE.md 6. The
// process, ids, timeout and crash handling are the workers' RPC helper (electron/workers/rpc.ts).
import { join } from "node:path";
import { InferenceError, missingCase, ModelIntegrityError } from "../contract/errors";
import { WorkerCallError, WorkerExitedError } from "../workers/protocol";
import { WorkerClient, type WorkerConnection } from "../workers/rpc";
import type { ResolvedFile } from "./model-store";
import type {
  InferenceProtocol,
  LoadRequest,
  MonteCarloRequest,
  SessionInfo,
  WireTensor,
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

export class InferenceEngine {
  private readonly providers: ProviderName[];
  private readonly worker: WorkerClient<InferenceProtocol>;
  /** Load requests of the open sessions, replayed into a respawned worker. */
  private readonly loads = new Map<string, LoadRequest>();
  private readonly infos = new Map<string, SessionInfo>();

  constructor(options: EngineOptions = {}) {
    const fromEnv = Number(process.env.LIVERCAD_INFERENCE_TIMEOUT_S);
    this.providers = options.providers ?? providerOrder(process.platform);
    this.worker = new WorkerClient<InferenceProtocol>({
      name: "inference worker",
      script: options.workerPath ?? join(__dirname, "inference-worker.cjs"),
      // fork() rather than a worker thread: a native crash in a thread takes the whole process
      // down.
      kind: "process",
      timeoutMs:
        options.callTimeoutMs ??
        (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv * 1000 : DEFAULT_CALL_TIMEOUT_MS),
      // A respawned worker gets back every session the previous one had before it is handed out:
      // the worker handles messages concurrently, so a run must not overtake its session's load.
      onStart: async (worker) => {
        for (const req of this.loads.values()) {
          const info = await this.call(worker, "load", req, `Reloading ${req.modelId}/${req.file}`);
          this.infos.set(req.key, info);
        }
      },
    });
  }

  /** Process id of the running worker, if one is running. */
  get pid(): number | undefined {
    return this.worker.pid;
  }

  /** Session facts (provider used, names) as of its latest load. */
  info(key: string): SessionInfo | undefined {
    return this.infos.get(key);
  }

  /** Opens a session on one model file in the worker; its sha256 is checked on the bytes loaded. */
  async load(key: string, modelId: string, file: ResolvedFile): Promise<SessionInfo> {
    const req: LoadRequest = {
      key,
      modelId,
      path: file.absolutePath,
      file: file.path,
      sha256: file.sha256,
      providers: this.providers,
    };
    const info = await this.call(this.worker, "load", req, `Loading ${modelId}/${file.path}`);
    this.loads.set(key, req);
    this.infos.set(key, info);
    return info;
  }

  async run(key: string, feeds: Record<string, WireTensor>): Promise<Record<string, WireTensor>> {
    if (!this.loads.has(key)) throw new InferenceError(`No model session "${key}" is loaded.`);
    return this.call(this.worker, "run", { key, feeds }, `Running ${key}`);
  }

  /** Backbone + Monte-Carlo head in one round trip (protocol.ts MonteCarloRequest). */
  async monteCarlo(req: MonteCarloRequest): Promise<WireTensor> {
    for (const key of [req.backbone.key, req.head.key]) {
      if (!this.loads.has(key)) throw new InferenceError(`No model session "${key}" is loaded.`);
    }
    return this.call(this.worker, "monteCarlo", req, `Running ${req.head.key} (T=${req.samples})`);
  }

  async unload(key: string): Promise<void> {
    this.loads.delete(key);
    this.infos.delete(key);
    if (this.worker.running) await this.call(this.worker, "unload", { key }, `Unloading ${key}`);
  }

  /** Ends the worker and forgets every session. */
  async close(): Promise<void> {
    this.loads.clear();
    this.infos.clear();
    await this.worker.close(); // the worker exits on disconnect (workers/serve.ts)
  }

  /** One call, its failure re-thrown with `context` (the step the analysis was on). */
  private async call<M extends keyof InferenceProtocol>(
    worker: WorkerClient<InferenceProtocol> | WorkerConnection<InferenceProtocol>,
    method: M,
    args: InferenceProtocol[M]["args"],
    context: string,
  ): Promise<InferenceProtocol[M]["result"]> {
    try {
      return await worker.call(method, args, { label: context });
    } catch (err) {
      throw withContext(err, context);
    }
  }
}

function withContext(err: unknown, context: string): Error {
  if (err instanceof WorkerCallError) {
    return err.code === "MODEL_INTEGRITY"
      ? new ModelIntegrityError(`${context}: ${err.message}`)
      : new InferenceError(`${context}: ${err.name}: ${err.message}`);
  }
  if (err instanceof WorkerExitedError) {
    switch (err.reason) {
      case "unreachable":
        return new WorkerStoppedError(
          `${context}: the inference worker ${err.how}. The next request starts a new worker.`,
          { cause: err },
        );
      case "error":
        return new InferenceError(`${context}: The inference worker ${err.how}`, { cause: err });
      case "exit":
      case "timeout":
      case "cancel":
        return new WorkerStoppedError(
          `${context}: The inference worker ${err.how} before answering; the analysis step was ` +
            "not completed. The next request starts a new worker.",
          { cause: err },
        );
      default:
        return missingCase(err.reason);
    }
  }
  return err instanceof Error ? err : new Error(String(err));
}
