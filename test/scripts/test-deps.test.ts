// The first step of `npm test` (issue 13 §7): missing Debian packages stop the run with the one
// command that installs them, present ones pass quietly.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cli";

const SCRIPT = path.join(REPO_ROOT, "scripts", "test-deps.mjs");

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [SCRIPT, ...args], {
    encoding: "utf8",
    env: { ...process.env, LIVERCAD_SKIP_TEST_DEPS: "", ...env },
  });
}

describe("scripts/test-deps.mjs", () => {
  it("names a missing package and the apt-get line, and fails", () => {
    const r = run(["--packages", "dpkg,livercad-no-such-package", "--no-install"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("missing Debian packages the tests need: livercad-no-such-package");
    expect(r.stderr).toContain("apt-get install -y livercad-no-such-package");
    expect(r.stderr).not.toMatch(/\bdpkg\b.*livercad/);
  });

  it("passes when every package is installed", () => {
    const r = run(["--packages", "dpkg", "--no-install"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("1 Debian packages present");
  });

  it("can be skipped explicitly", () => {
    const r = run(["--packages", "livercad-no-such-package"], { LIVERCAD_SKIP_TEST_DEPS: "1" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("not checked");
  });
});
