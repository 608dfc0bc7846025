// `livercad settings` (issue 13): key=value lines, changes audited, bad input refused by name with
// nothing changed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-settings-"));
const db = path.join(dir, "registry.sqlite");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("livercad settings", () => {
  it("prints the defaults, changes a setting, refuses bad input without changing anything", () => {
    let r = runCli(["settings", "--db", db]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("incompleteSeries=block");
    r = runCli(["settings", "incompleteSeries=warn", "--db", db]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("incompleteSeries=warn");
    r = runCli(["settings", "incompleteSeries=block", "incompleteSeries=maybe", "--db", db]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Site setting incompleteSeries="maybe" refused: block | warn');
    r = runCli(["settings", "colour=red", "--db", db]);
    expect(r.stderr).toContain('Unknown site setting "colour"');
    r = runCli(["settings", "incompleteSeries", "--db", db]);
    expect(r.stderr).toContain('"incompleteSeries" is not key=value');
    expect(runCli(["settings", "--db", db]).stdout).toContain("incompleteSeries=warn");
  });
});
