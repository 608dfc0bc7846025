// Execution-provider choice (issue 4 §1): CUDA -> DirectML (Windows) -> CoreML (macOS) -> CPU,
// each tried for real, because onnxruntime-node throws on a missing provider instead of falling
// back (FIELD-NOTES: asking for ['cuda', 'cpu'] throws when CUDA is missing).
import { InferenceError, errorMessage } from "../contract/errors";

/** onnxruntime-node's names for the providers this workstation tries. */
export type ProviderName = "cuda" | "dml" | "coreml" | "cpu";
export const PROVIDER_NAMES: readonly ProviderName[] = ["cuda", "dml", "coreml", "cpu"];

/** The order to try on a platform: accelerators first, the bundled CPU provider last. */
export function providerOrder(platform: string): ProviderName[] {
  return [
    "cuda",
    ...(platform === "win32" ? (["dml"] as const) : []),
    ...(platform === "darwin" ? (["coreml"] as const) : []),
    "cpu",
  ];
}

export interface ProviderAttempt {
  provider: ProviderName;
  error: string;
}

export interface ProviderChoice<S> {
  session: S;
  provider: ProviderName;
  /** Providers tried before the one used, with the reason each was refused. */
  failed: ProviderAttempt[];
}

/**
 * Creates a session with the first provider whose creation succeeds. Each provider is tried alone
 * (never ['cuda', 'cpu'] in one call) so that the provider recorded is the one really used.
 */
export async function createWithFallback<S>(
  providers: readonly ProviderName[],
  create: (provider: ProviderName) => Promise<S>,
): Promise<ProviderChoice<S>> {
  const failed: ProviderAttempt[] = [];
  for (const provider of providers) {
    try {
      return { session: await create(provider), provider, failed };
    } catch (err) {
      failed.push({ provider, error: errorMessage(err) });
    }
  }
  throw new InferenceError(
    `No execution provider could load the model: ${failed
      .map((f) => `${f.provider}: ${f.error}`)
      .join("; ")}`,
  );
}
