// `livercad listen` as a site runs it (the built CLI, data directory from $LIVERCAD_HOME, port 0
// so the system picks a free one): echoscu and storescu against it, a refused caller, bad
// options, then SIGTERM: it finishes, prints its summary line and exits 0.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, runCli } from "../../helpers/cli";
import { checkConsistency } from "../import/helpers";
import { writeSeries } from "../import/fixtures";

const HAS_DCMTK = spawnSync("storescu", ["--version"]).status === 0;

function peer(cmd: string, args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args);
    let out = "";
    c.stdout.on("data", (d: Buffer) => (out += d.toString()));
    c.stderr.on("data", (d: Buffer) => (out += d.toString()));
    c.on("close", (code) => resolve({ status: code ?? -1, out }));
  });
}

describe.skipIf(!HAS_DCMTK)("livercad listen", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-listen-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("refuses bad options with the reason", () => {
    const long = runCli(["listen", "--aet", "A_VERY_LONG_AE_TITLE_X"], { LIVERCAD_HOME: dir });
    expect(long.status).not.toBe(0);
    expect(long.stderr).toMatch(/--aet "A_VERY_LONG_AE_TITLE_X" is 22 characters; DICOM allows 16/);
    const port = runCli(["listen", "--port", "70000"], { LIVERCAD_HOME: dir });
    expect(port.stderr).toMatch(/--port must be an integer from 0 to 65535, got "70000"/);
  });

  it("receives, refuses strangers, and stops cleanly on SIGTERM", async () => {
    const home = path.join(dir, "home");
    const files = writeSeries(path.join(dir, "in"), { study: 1, series: 1, slices: 5 });
    const child = spawn(
      process.execPath,
      [
        CLI,
        "listen",
        "--port",
        "0",
        "--allow",
        "STORESCU",
        "--allow",
        "ECHOSCU",
        "--no-analyze",
        "--quiet-seconds",
        "0.2",
      ],
      { env: { ...process.env, LIVERCAD_HOME: home } },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 60_000;
    while (
      !/listening aet=LIVERCAD bind=127\.0\.0\.1 port=\d+/.test(out) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const port = /port=(\d+)/.exec(out)?.[1];
    expect(port, out).toBeDefined();
    expect((await peer("echoscu", ["-aec", "LIVERCAD", "127.0.0.1", port!])).status).toBe(0);
    const stranger = await peer("echoscu", [
      "-aet",
      "STRANGER",
      "-aec",
      "LIVERCAD",
      "127.0.0.1",
      port!,
    ]);
    expect(stranger.out).toMatch(/Calling AE Title Not Recognized/);
    const store = await peer("storescu", ["-aec", "LIVERCAD", "127.0.0.1", port!, ...files]);
    expect(store.status, store.out).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /association rejected from 127\.0\.0\.1: calling AE "STRANGER" is not on the allow-list/,
    );
    expect(out).toMatch(
      /study 1\.2\.826\.0\.1\.3680043\.10\.999\.1 arrived: 5 instances from STORESCU; incomplete: missing/,
    );
    expect(out).toMatch(
      /received imported=5 duplicates=0 objects=0 failed=0 associations=2 rejected=1\n$/,
    );
    const c = checkConsistency(path.join(home, "registry.sqlite"));
    expect(c.instances).toBe(5);
    expect(c.missingFiles).toEqual([]);
  });
});
