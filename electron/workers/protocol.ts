// The wire of every worker (STYLE.md 6, after Signal-Desktop's ts/sql worker pool): one protocol
// type per worker maps each method to its arguments, its result and the progress events it may
// send; calls carry ids, and the child answers each with progress events, then exactly one reply
// with the value or the error as {name, message, code}. rpc.ts is the parent's side, serve.ts the
// child's; both are typed from the same protocol type, so a renamed field fails on both sides.
import { AppError } from "../contract/errors";

/** One method of a worker: what it takes, what it answers, what it reports on the way. */
export interface MethodSpec {
  args: unknown;
  result: unknown;
  progress?: unknown;
}

/** A worker's protocol: method name -> MethodSpec (an interface or a type alias). */
export type ProtocolOf<P> = { [M in keyof P]: MethodSpec };

export type Method<P> = keyof P & string;
export type ArgsOf<P extends ProtocolOf<P>, M extends keyof P> = P[M]["args"];
export type ResultOf<P extends ProtocolOf<P>, M extends keyof P> = P[M]["result"];
export type ProgressOf<P, M extends keyof P> = P[M] extends { progress: infer G } ? G : never;

/** An error as it crosses the boundary: the AppError code is kept when there is one. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

/** Parent -> child. A cancel asks the handler of call `id` to stop (its AbortSignal fires). */
export type ParentMessage =
  { kind: "call"; id: number; method: string; args: unknown } | { kind: "cancel"; id: number };

/** Child -> parent. */
export type ChildMessage =
  | { kind: "progress"; id: number; progress: unknown }
  | { kind: "reply"; id: number; ok: true; value: unknown }
  | { kind: "reply"; id: number; ok: false; error: WireError };

export function toWireError(err: unknown): WireError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, ...(e instanceof AppError ? { code: e.code } : {}) };
}

/** How a worker stopped with calls pending; the callers word their own messages from it. */
export type StopReason =
  /** It exited or was killed from outside (a crash in native code, SIGKILL, process.exit). */
  | "exit"
  /** This side killed it: a call did not answer within its timeout. */
  | "timeout"
  /** This side killed it: a cancelled call did not stop within its grace period. */
  | "cancel"
  /** The request could not be delivered (the channel was already closed). */
  | "unreachable"
  /** The process or thread reported an error (it could not start, or threw at top level). */
  | "error";

/**
 * A worker stopped before answering a call: crashed, killed, hung past its timeout, or closed.
 * Every call pending on it is rejected with one of these; the next call starts a new worker
 * (WorkerClient). `how` completes "The <worker> ..." ("was killed by SIGKILL", "exited with
 * code 1", "did not answer "load" within 300 s and was stopped").
 */
export class WorkerExitedError extends AppError {
  constructor(
    readonly worker: string,
    readonly reason: StopReason,
    readonly how: string,
    options?: { cause?: unknown },
  ) {
    super("WORKER_EXITED", `The ${worker} ${how} before answering.`, options);
  }
}

/**
 * An error thrown by a handler in the worker, re-thrown on the calling side with the same code
 * and message (the child's AppError code, else the worker's default code) and the child's
 * error name.
 */
export class WorkerCallError extends AppError {
  constructor(
    readonly worker: string,
    wire: WireError,
    defaultCode: string,
  ) {
    super(wire.code ?? defaultCode, wire.message);
    this.name = wire.name;
  }
}

/** A worker script started the wrong way (not forked, not a worker thread) or sent an unknown
 * method: a build or wiring fault, named with the worker. */
export class WorkerSetupError extends AppError {
  constructor(message: string) {
    super("WORKER_SETUP", message);
  }
}
