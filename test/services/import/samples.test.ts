// ../shared/dicom-samples end to end through the import service: each of the files listed in
// manifest.tsv must come out as its `expected` column says (import / skip / reject), with a reason
// for every skip and reject, and one bad file must never stop the rest.
import fs from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { Registry } from "../../../electron/registry";
import { DUPLICATE_REASON, importPaths } from "../../../electron/services/import";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import { dataPaths } from "../../../electron/services/paths";
import { REPO_ROOT } from "../../helpers/cli";
import { tempDir } from "../../registry/helpers";
import { checkConsistency } from "./helpers";

const SAMPLES = path.resolve(REPO_ROOT, "../shared/dicom-samples");
const registry = Registry.open(dataPaths(path.join(tempDir("samples-db-"), "registry.sqlite")));
afterAll(() => registry.close());

it("imports ../shared/dicom-samples with every file's outcome as manifest.tsv expects", async () => {
  const manifest = fs
    .readFileSync(path.join(SAMPLES, "manifest.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const cols = line.split("\t");
      return { file: cols[0]!, modality: cols[1]!, expected: cols[6]!.split(":")[0]! };
    });
  expect(manifest).toHaveLength(111);
  const report = await importPaths(registry, [SAMPLES], {
    read: readInstance,
    assign: assignStudySequences,
  });
  const byPath = new Map(report.files.map((f) => [path.relative(SAMPLES, f.path), f]));
  const imported = new Set(
    report.files.filter((f) => f.outcome === "imported").map((f) => f.sopInstanceUid),
  );
  const wrong: string[] = [];
  for (const m of manifest) {
    const f = byPath.get(m.file);
    if (!f) {
      wrong.push(`${m.file}: not in the report`);
      continue;
    }
    // NEMA's compressed variants of MR1..MR4 share the SOP Instance UID of the `_UNC` original:
    // the first one read is stored, the others are the same instance and are stored once.
    // The manifest also marks two non-MR files `import` (an XA and an RGB secondary capture in
    // mr-classic/, there for their JPEG lossless coding). This workstation stores MR only, so they
    // are skipped as not MR like every other non-MR file; test/dicom/read checks their pixels.
    const ok =
      m.expected === "import" && m.modality !== "MR"
        ? f.outcome === "skipped" && f.reason!.startsWith("not an MR image")
        : m.expected === "import"
          ? f.outcome === "imported" ||
            (f.reason === DUPLICATE_REASON && imported.has(f.sopInstanceUid))
          : f.outcome === (m.expected === "skip" ? "skipped" : "rejected") && !!f.reason;
    if (!ok) wrong.push(`${m.file}: expected ${m.expected}, got ${f.outcome} (${f.reason})`);
  }
  expect(wrong).toEqual([]);
  const c = checkConsistency(registry.paths.database);
  expect(c.missingFiles).toEqual([]);
  expect(c.instances).toBe(imported.size);
});
