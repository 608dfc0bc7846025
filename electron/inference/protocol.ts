// The typed protocol between the main process and the inference worker (STYLE.md 6): a
// discriminated union of requests with ids; every reply carries the id and either a value or an
// error as {name, message}, re-thrown with context by the caller (engine.ts).
import type { ProviderAttempt, ProviderName } from "./providers";

/** A float32 tensor on the wire (child_process "advanced" serialization keeps typed arrays). */
export interface WireTensor {
  dims: number[];
  data: Float32Array;
}

export interface LoadRequest {
  type: "load";
  /** The caller's name for the session (e.g. "classifier-densenet/head"). */
  key: string;
  modelId: string;
  path: string;
  /** Displayed path of the file within its model folder, for messages. */
  file: string;
  sha256: string;
  providers: ProviderName[];
}
export interface RunRequest {
  type: "run";
  key: string;
  feeds: Record<string, WireTensor>;
}
/**
 * A classifier's backbone once and its dropout head T times in one round trip (classify.ts): the
 * worker tiles the features and draws the masks (classify.ts chunkMasks) while the backbone runs on
 * onnxruntime's threads, so only crops in and [R * T, C] logits out cross the process boundary.
 */
export interface MonteCarloRequest {
  type: "monteCarlo";
  backbone: { key: string; input: string; output: string };
  head: { key: string; features: string; mask: string; logits: string };
  crops: WireTensor;
  featureSize: number;
  samples: number;
  dropoutP: number;
  seed: number;
}
export interface UnloadRequest {
  type: "unload";
  key: string;
}

export interface SessionInfo {
  key: string;
  provider: ProviderName;
  failedProviders: ProviderAttempt[];
  inputNames: string[];
  outputNames: string[];
}

/** Request type -> the value its successful reply carries. */
export interface ReplyValues {
  load: SessionInfo;
  run: Record<string, WireTensor>;
  monteCarlo: WireTensor;
  unload: null;
}

export type WorkerRequest = LoadRequest | RunRequest | MonteCarloRequest | UnloadRequest;
export type Envelope<R extends WorkerRequest = WorkerRequest> = R & { id: number };

export interface WireError {
  name: string;
  message: string;
  code?: string;
}

export type WorkerReply =
  | { id: number; ok: true; value: ReplyValues[keyof ReplyValues] }
  | { id: number; ok: false; error: WireError };
