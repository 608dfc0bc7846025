// The typed protocol between the main process and the inference worker (STYLE.md 6): one method
// map carried by the workers' RPC helper (electron/workers: ids, replies, errors as
// {name, message, code}); the caller re-throws worker errors with context (engine.ts).
import type { ProviderAttempt, ProviderName } from "./providers";

/** A float32 tensor on the wire (child_process "advanced" serialization keeps typed arrays). */
export interface WireTensor {
  dims: number[];
  data: Float32Array;
}

export interface LoadRequest {
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
  key: string;
  feeds: Record<string, WireTensor>;
}
/**
 * A classifier's backbone once and its dropout head T times in one round trip (classify.ts): the
 * worker tiles the features and draws the masks (classify.ts chunkMasks) while the backbone runs on
 * onnxruntime's threads, so only crops in and [R * T, C] logits out cross the process boundary.
 */
export interface MonteCarloRequest {
  backbone: { key: string; input: string; output: string };
  head: { key: string; features: string; mask: string; logits: string };
  crops: WireTensor;
  featureSize: number;
  samples: number;
  dropoutP: number;
  seed: number;
}

export interface SessionInfo {
  key: string;
  provider: ProviderName;
  failedProviders: ProviderAttempt[];
  inputNames: string[];
  outputNames: string[];
}

/** The inference worker's methods (workers/protocol.ts): arguments and the value each answers. */
export interface InferenceProtocol {
  load: { args: LoadRequest; result: SessionInfo };
  run: { args: RunRequest; result: Record<string, WireTensor> };
  monteCarlo: { args: MonteCarloRequest; result: WireTensor };
  unload: { args: { key: string }; result: null };
}
