// Runs the built `livercad` CLI (dist/cli.cjs, built by `npm test` / `npm install`) as a child process.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const CLI = path.join(REPO_ROOT, "bin", "livercad.cjs");

export function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 600_000,
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
}
