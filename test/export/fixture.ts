// The export tests' data: a 2-study phantom (seed 1515, preset small) imported and analyzed with
// the shipped models by the real `livercad` commands, built once into the temp folder and reused
// (built in a private folder, then renamed into place, so parallel test files never see half of
// it). Tests that change the registry work on a copy (copyFixture).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { Registry } from "../../electron/registry";
import { dataPaths } from "../../electron/services/paths";
import { runCli } from "../helpers/cli";

export const PHANTOM = { studies: 2, seed: 1515, preset: "small" } as const;

export interface ExportFixture {
  dir: string;
  cohort: string;
  dbFile: string;
}

function cli(args: string[]): string {
  const r = runCli(args);
  if (r.status !== 0) throw new Error(`livercad ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

export function exportFixture(): ExportFixture {
  const models = fs.statSync(path.join(__dirname, "../../native-models")).mtimeMs.toFixed(0);
  const dir = path.join(
    os.tmpdir(),
    `livercad-export-fixture-${PHANTOM.seed}-${PHANTOM.studies}-${models}`,
  );
  const fixture = {
    dir,
    cohort: path.join(dir, "cohort"),
    dbFile: path.join(dir, "data", "registry.sqlite"),
  };
  if (fs.existsSync(path.join(dir, "ready"))) return fixture;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-export-build-"));
  const cohort = path.join(work, "cohort");
  const dbFile = path.join(work, "data", "registry.sqlite");
  cli([
    "phantom",
    "--out",
    cohort,
    "--studies",
    String(PHANTOM.studies),
    "--seed",
    String(PHANTOM.seed),
    "--preset",
    PHANTOM.preset,
  ]);
  cli(["import", cohort, "--db", dbFile]);
  cli(["analyze", "--db", dbFile]);
  // The store holds paths relative to its root, so the folder can move as a whole.
  const reg = Registry.open(dataPaths(dbFile));
  reg.db.pragma("wal_checkpoint(TRUNCATE)");
  reg.close();
  fs.writeFileSync(path.join(work, "ready"), "");
  try {
    fs.renameSync(work, dir);
  } catch {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return fixture;
}

/**
 * The folders copyFixture and tempOut made in this test file, removed after it: a copy is ~19 MB,
 * and a CI run makes hundreds of them (they once filled a machine's /tmp).
 */
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A private copy of the fixture's data folder, for tests that write to the registry. */
export function copyFixture(f: ExportFixture): string {
  const to = tempDir("livercad-export-copy-");
  fs.cpSync(path.join(f.dir, "data"), path.join(to, "data"), { recursive: true });
  return path.join(to, "data", "registry.sqlite");
}

export function tempOut(): string {
  return tempDir("livercad-export-out-");
}

/** Debian's python (python3-pydicom) even where another python3 comes first on PATH. */
export const PYTHON = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
