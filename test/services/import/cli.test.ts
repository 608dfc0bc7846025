// `livercad import | list | assign` as a user runs them, and the crash guarantee: an import killed
// with SIGKILL leaves only whole series registered, and importing again completes the registry.
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI, runCli } from "../../helpers/cli";
import { tempDir } from "../../registry/helpers";
import { uids, writeSeries } from "./fixtures";
import { checkConsistency } from "./helpers";

let src: string;
beforeAll(() => {
  src = tempDir("cli-src-");
  writeSeries(src, { study: 11, series: 1, slices: 3, description: "AX T1 PRE" });
  writeSeries(src, { study: 11, series: 2, slices: 3, description: "AX T2" });
  fs.writeFileSync(path.join(src, "junk.dcm"), Buffer.alloc(300, 7));
});

describe("livercad import / list / assign", () => {
  it("imports, writes the JSON report, lists the study and records an audited override", () => {
    const home = tempDir("cli-home-");
    const db = path.join(home, "registry.sqlite");
    const json = path.join(home, "out", "report.json");
    const r = runCli(["import", src, "--db", db, "--json", json]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("imported 6");
    expect(r.stdout).toContain("rejected 1");
    expect(r.stdout).toMatch(/Studies: 1 {2}complete 0 {2}incomplete 1/);
    // Console output names no patient (fixture names are Test^Fixture<n>, IDs FIX<n>).
    expect(r.stdout).not.toMatch(/Fixture|FIX11/);
    const doc = JSON.parse(fs.readFileSync(json, "utf8")) as {
      files: { outcome: string }[];
      studies: { studyInstanceUid: string; missing: string[] }[];
    };
    expect(Object.keys(doc)).toEqual(["files", "studies"]);
    expect(doc.files.filter((f) => f.outcome === "imported")).toHaveLength(6);
    const u = uids({ study: 11, series: 2 });
    expect(doc.studies[0]!.studyInstanceUid).toBe(u.study);

    const list = runCli(["list", "--db", db, "--json"]);
    expect(list.status).toBe(0);
    const studies = (
      JSON.parse(list.stdout) as { studies: { status: string; missing: string[] }[] }
    ).studies;
    expect(studies).toHaveLength(1);
    expect(studies[0]!.status).toBe("incomplete");
    expect(studies[0]!.missing).toEqual(doc.studies[0]!.missing);
    const table = runCli(["list", "--db", db]);
    expect(table.stdout).toContain("Test Fixture11");
    expect(table.stdout).toContain("incomplete");

    const a = runCli(["assign", u.study, "DWI", u.series, "--db", db, "--reason", "test"]);
    expect(a.stderr).toBe("");
    expect(a.stdout).toMatch(new RegExp(`DWI +${u.series.replace(/\./g, "\\.")} +\\(manual`));
    // Running the rules again keeps the override.
    const rerun = runCli(["assign", u.study, "--db", db]);
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toMatch(/DWI +\S+ +\(manual: manual-override\)/);
    const bad = runCli(["assign", u.study, "FLAIR", u.series, "--db", db]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Unknown sequence "FLAIR"');
    const reg = new Database(db, { readonly: true });
    const audit = reg.prepare("SELECT action, details_json FROM audit_log").all() as {
      action: string;
      details_json: string;
    }[];
    reg.close();
    // The import itself is audited too (issue 13 §6: counts, never paths).
    expect(audit.map((a) => a.action)).toEqual(["import", "assignment.override"]);
    expect(audit[0]!.details_json).not.toContain(path.basename(src));
    expect(JSON.parse(audit[1]!.details_json)).toMatchObject({ sequence: "DWI", reason: "test" });
  });

  it("refuses a registry written by a newer version with a message that says what to do", () => {
    const db = path.join(tempDir("cli-newer-"), "registry.sqlite");
    const reg = new Database(db);
    reg.pragma("user_version = 999");
    reg.close();
    const r = runCli(["list", "--db", db]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("[REGISTRY]");
    expect(r.stderr).toContain("newer version of LiverCAD");
    expect(r.stderr).toContain("--db or LIVERCAD_HOME");
  });

  it("leaves no half-registered series when killed mid-import; re-import completes it", async () => {
    const big = tempDir("cli-big-");
    const series = 40;
    const slices = 30;
    for (let k = 1; k <= series; k++) writeSeries(big, { study: 20 + (k % 4), series: k, slices });
    const total = series * slices;
    const home = tempDir("cli-kill-");
    const db = path.join(home, "registry.sqlite");
    const child = spawn(process.execPath, [CLI, "import", big, "--db", db], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    // Kill as soon as the first series is committed: the rest of the import is still to come.
    let seen = 0;
    for (let tries = 0; tries < 3000 && seen === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (!fs.existsSync(db)) continue;
      try {
        const reg = new Database(db, { readonly: true, fileMustExist: true });
        seen = (reg.prepare("SELECT COUNT(*) AS n FROM instances").get() as { n: number }).n;
        reg.close();
      } catch {
        // Schema not created yet: keep polling.
      }
    }
    child.kill("SIGKILL");
    await exited;
    const before = checkConsistency(db);
    expect(before.instances).toBeGreaterThan(0);
    expect(before.instances).toBeLessThan(total);
    expect(before).toMatchObject({ missingFiles: [], emptySeries: 0, emptyStudies: 0 });
    expect(before.orphanPatients).toBe(0);
    // Only whole series: the fixture's series all have `slices` instances.
    expect(before.instances % slices).toBe(0);

    const again = runCli(["import", big, "--db", db]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`imported ${total - before.instances} `);
    expect(again.stdout).toContain(`duplicates ${before.instances} `);
    const after = checkConsistency(db);
    expect(after).toMatchObject({
      instances: total,
      series,
      studies: 4,
      missingFiles: [],
      emptySeries: 0,
      emptyStudies: 0,
      orphanPatients: 0,
    });
  });
});
