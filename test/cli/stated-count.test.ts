// "Count vs stated" end to end through the built CLI (issue 13 §3): a 1-study phantom (seed
// "stated-count-1", preset small) whose T1 arterial files are rewritten by pydicom (an
// independent writer) to state 2 images more than the series holds (ORIGINAL, one acquisition),
// so no position or instance-number gap shows it: only the stated count does. `livercad analyze
// --json` with the shipped models: under the default `block` the study is stored refused with the
// finding and out.json carries it; under `warn` the CAD runs and the flag is stored with the
// result. Its DWI and ADC series state 3x their images and are not flagged. ~45 s (31 s of it the
// phantom and pydicom).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QualityFlag } from "../../electron/contract/quality";
import { REPO_ROOT, runCli } from "../helpers/cli";

const SEED = "stated-count-1";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-stated-"));
const db = path.join(dir, "registry.sqlite");
const cohort = path.join(dir, "cohort");
let arterialImages = 0;

function seriesDir(suffix: string): string {
  const patient = fs
    .readdirSync(cohort)
    .find((d) => fs.statSync(path.join(cohort, d)).isDirectory())!;
  const found = fs.readdirSync(path.join(cohort, patient)).find((d) => d.endsWith(suffix));
  if (!found) throw new Error(`no ${suffix} series in the phantom`);
  return path.join(cohort, patient, found);
}

function pydicom(files: string[], python: string): void {
  const script = `import sys, pydicom\nfor p in sys.argv[1:]:\n  ds = pydicom.dcmread(p)\n  ${python}\n  ds.save_as(p)\n`;
  const r = spawnSync("/usr/bin/python3", ["-c", script, ...files], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
}

beforeAll(() => {
  const r = runCli([
    "phantom",
    "--out",
    cohort,
    "--studies",
    "1",
    "--seed",
    SEED,
    "--preset",
    "small",
  ]);
  expect(r.status, r.stderr).toBe(0);
  const arterial = seriesDir("T1_arterial");
  const files = fs.readdirSync(arterial).map((f) => path.join(arterial, f));
  arterialImages = files.length;
  pydicom(
    files,
    `ds.ImageType = ['ORIGINAL', 'PRIMARY', 'OTHER']; ds.AcquisitionNumber = 1; ds.ImagesInAcquisition = ${files.length + 2}`,
  );
  // The DWI series states three times its images: counted for the whole acquisition.
  for (const dwi of fs.readdirSync(path.dirname(arterial)).filter((d) => /DWI|ADC/i.test(d))) {
    const all = fs.readdirSync(path.join(path.dirname(arterial), dwi));
    pydicom(
      all.map((f) => path.join(path.dirname(arterial), dwi, f)),
      `ds.AcquisitionNumber = 1; ds.ImagesInAcquisition = ${all.length * 3 + 1}`,
    );
  }
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe(`count vs stated through livercad analyze, phantom seed=${SEED}`, () => {
  it("refuses the study under block, naming the arterial series and its count, in out.json too", () => {
    const out = path.join(dir, "out.json");
    const models = path.join(REPO_ROOT, "native-models");
    const r = runCli(["analyze", cohort, "--db", db, "--models", models, "--json", out]);
    expect(r.stderr).not.toContain("TypeError");
    const said = `${arterialImages} of ${arterialImages + 2} images stated by the scanner arrived; 2 missing.`;
    expect(r.stdout).toMatch(/^quality refused: [\d.]+: T1 arterial \(series \d+ '[^']*'\): /m);
    expect(r.stdout).toContain(said);
    const json = JSON.parse(fs.readFileSync(out, "utf8")) as {
      studies: {
        studyInstanceUid: string;
        status: string;
        error: string | null;
        quality?: QualityFlag;
      }[];
    };
    expect(json.studies).toHaveLength(1);
    const study = json.studies[0]!;
    expect(study.status).toBe("error");
    expect(study.error).toContain(said);
    expect(study.quality?.status).toBe("refused");
    expect(study.quality?.policy).toBe("block");
    expect(study.quality?.findings.map((f) => `${f.sequence}:${f.severity}:${f.code}`)).toEqual([
      "T1_arterial:incomplete:stated-count",
    ]);

    // warn: the CAD runs on the incomplete series and the flag is stored with the result.
    expect(runCli(["settings", "incompleteSeries=warn", "--db", db]).status).toBe(0);
    const uid = study.studyInstanceUid;
    const again = runCli([
      "analyze",
      "--db",
      db,
      "--models",
      models,
      "--study",
      uid,
      "--json",
      out,
    ]);
    expect(again.stdout).toContain(`quality incomplete: ${uid}: T1 arterial (series`);
    const warned = (JSON.parse(fs.readFileSync(out, "utf8")) as typeof json).studies[0]!;
    expect(["analyzed", "no-roi"]).toContain(warned.status);
    expect(warned.quality?.status).toBe("incomplete");
    expect(warned.quality?.policy).toBe("warn");
    expect(warned.quality?.findings[0]?.message).toContain(said);
  }, 300_000);
});
