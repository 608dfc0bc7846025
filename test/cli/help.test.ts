import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";

describe("livercad CLI", () => {
  it("prints usage with --help and exits 0", () => {
    const r = runCli(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: livercad <command>");
  });

  it("rejects an unknown command with exit code 2", () => {
    const r = runCli(["no-such-command"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "no-such-command"');
  });
});
