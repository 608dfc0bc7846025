// Shared by the inference tests: the worker bundle, and model folders made from the tiny ONNX
// fixtures (test/fixtures/models/make_tiny_models.py) with manifests carrying their real sha256.
import { build } from "esbuild";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO = resolve(__dirname, "../..");
export { FIXTURES, installTinyModels, modelFolder } from "../fixtures/models/tiny-models";

/**
 * Bundles the worker exactly as scripts/build.mjs does, into node_modules/.cache so that the
 * bundle's require("onnxruntime-node") resolves; one file per test process (files run in parallel).
 */
export function buildWorker(): Promise<{ path: string; remove: () => void }> {
  return bundleForTest("electron/inference/worker.ts", "inference-worker");
}

/** Bundles one worker script `entry` (relative to the repository) for a test process. */
export async function bundleForTest(
  entry: string,
  name: string,
): Promise<{ path: string; remove: () => void }> {
  const dir = join(REPO, "node_modules/.cache/livercad-tests");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${process.pid}.cjs`);
  await build({
    entryPoints: [join(REPO, entry)],
    outfile: path,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: ["onnxruntime-node"],
    logLevel: "warning",
  });
  return { path, remove: () => rmSync(path, { force: true }) };
}
