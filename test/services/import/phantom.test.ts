// Issue 3 §5: a phantom cohort imports with all five sequences assigned to the right series in
// every study. The cohort is named by its seed and size (STYLE.md 11): regenerate it with
// `livercad phantom --out DIR --studies 2 --seed import-phantom-1 --preset small`.
import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { SEQUENCES, type SequenceId } from "../../../electron/contract/domain";
import { runCli } from "../../helpers/cli";
import { tempDir } from "../../registry/helpers";

interface Truth {
  studies: { studyInstanceUid: string; series: Record<SequenceId, string> }[];
}
interface Report {
  files: { outcome: string; reason: string | null }[];
  studies: {
    studyInstanceUid: string;
    complete: boolean;
    sequences: Record<SequenceId, string | null>;
    rules: Record<SequenceId, string | null>;
  }[];
}

it("imports a phantom cohort with the five sequences assigned correctly in every study", () => {
  const cohort = tempDir("phantom-cohort-");
  const gen = runCli([
    "phantom",
    "--out",
    cohort,
    "--studies",
    "2",
    "--seed",
    "import-phantom-1",
    "--preset",
    "small",
  ]);
  expect(gen.status, gen.stderr).toBe(0);
  const home = tempDir("phantom-db-");
  const json = path.join(home, "report.json");
  const r = runCli(["import", cohort, "--db", path.join(home, "registry.sqlite"), "--json", json]);
  expect(r.status, r.stderr).toBe(0);
  const report = JSON.parse(fs.readFileSync(json, "utf8")) as Report;
  const truth = JSON.parse(fs.readFileSync(path.join(cohort, "truth.json"), "utf8")) as Truth;
  // Every DICOM file of the cohort is imported; only the generator's JSON side files are not.
  const notImported = report.files.filter((f) => f.outcome !== "imported");
  expect(notImported.map((f) => f.outcome)).toEqual(["rejected", "rejected"]);
  expect(report.studies).toHaveLength(truth.studies.length);
  for (const t of truth.studies) {
    const s = report.studies.find((x) => x.studyInstanceUid === t.studyInstanceUid)!;
    expect(s.complete).toBe(true);
    for (const q of SEQUENCES) {
      expect(s.sequences[q], `${q} (rule ${s.rules[q]})`).toBe(t.series[q]);
    }
  }
});
