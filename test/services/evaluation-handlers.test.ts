// The Analytics channels' handlers on a real registry (issue 16): a rejected truth file stores
// nothing and says why per row; a good one and a reader file store; the cohort's analytics count
// the studies (no analyses: every study "missing"); the report and a figure export write files.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dispatch } from "../../electron/services/workstation/dispatch";
import { ImportWriter, Registry } from "../../electron/registry";
import { dataPaths } from "../../electron/services/paths";
import { evaluationHandlers } from "../../electron/services/evaluation/handlers";
import type { Handlers } from "../../electron/services/workstation/service";
import { batch, tempDir } from "../registry/helpers";

const dir = tempDir("livercad-eval-handlers-");
const registry = Registry.open(dataPaths(path.join(dir, "registry.sqlite")));
afterAll(() => registry.close());
const w = new ImportWriter(registry.db);
for (const s of ["1", "2", "3"]) w.commitSeries(batch(s, "1", 2));
const uid = (n: string): string => `1.2.826.0.1.3680043.10.1.${n}`;
const changed: (string[] | null)[] = [];
const h = evaluationHandlers(() => ({
  registry,
  actor: "coordinator",
  changed: (u) => changed.push(u),
}));
const file = (name: string, text: string): string => {
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};

describe("evaluation handlers", () => {
  it("a rejected file: every bad row, nothing stored", async () => {
    const r = await h["evaluation:import"]({
      kind: "truth",
      path: file("bad.csv", `patient_id;label\nPAT1;HCC\nPAT9;HCC\nPAT2;HCC\nPAT2;ICC\n`),
    });
    expect(r).toEqual({
      fileName: "bad.csv",
      importId: null,
      stored: 0,
      errors: [
        { line: 3, message: 'unknown study: no study with patient_id "PAT9"' },
        { line: 5, message: `duplicate: study ${uid("2")} already given on line 4` },
      ],
    });
    expect(await h["evaluation:imports"]({})).toEqual([]);
    expect(changed).toEqual([]);
  });

  it("good files store; analytics, report and figure export work on the stored cohort", async () => {
    const t = await h["evaluation:import"]({
      kind: "truth",
      path: file(
        "truth.csv",
        `\uFEFFpatient_id,label,largest_lesion_mm\nPAT1,HCC,12\nPAT2,ICC,35\nPAT3,metastasis,\n`,
      ),
    });
    expect(t).toMatchObject({ fileName: "truth.csv", stored: 3, errors: [] });
    const r = await h["evaluation:import"]({
      kind: "readers",
      path: file(
        "readers.csv",
        `reader,patient_id,diagnosis,confidence\nR1,PAT1,HCC,4\nR1,PAT2,HCC,2\n`,
      ),
    });
    expect(r).toMatchObject({ stored: 2, errors: [] });
    expect(changed).toEqual([[uid("1"), uid("2"), uid("3")]]);
    const a = await h["evaluation:analytics"]({ importId: t.importId, search: "", topPercent: 70 });
    expect(a.composition).toMatchObject({ n: 3, bySize: { small: 1, large: 1, unknown: 1 } });
    expect(a.composition.byStatus.missing).toBe(3);
    expect(a.table3.map((c) => [c.name, c.n])).toEqual([
      ["CAD", 3],
      ["R1", 2],
    ]);
    expect(a.table3[1]!.cells.accuracy.value).toBe(0.5);
    expect(a.wrong.map((x) => x.patientId)).toEqual(["PAT1", "PAT2", "PAT3"]);
    const out = path.join(dir, "report");
    const rep = await h["evaluation:report"]({
      importId: null,
      search: "PAT1",
      topPercent: 70,
      dir: out,
    });
    expect(rep.files).toContain(path.join(out, "report.html"));
    expect(fs.readFileSync(path.join(out, "report.html"), "utf8")).toContain(
      "matching &quot;PAT1&quot;",
    );
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    const ex = await h["evaluation:export-figure"]({
      dir: path.join(dir, "fig"),
      id: "fig3-lroc",
      svg,
    });
    expect(ex.files.map((f) => path.basename(f))).toEqual(["fig3-lroc.svg", "fig3-lroc.png"]);
  });

  it("the contract refuses a figure id that could leave the folder; truth:set edits", async () => {
    const res = await dispatch(h as unknown as Handlers, "evaluation:export-figure", {
      dir,
      id: "../x",
      svg: "<svg/>",
    });
    expect(res).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    const set = await h["truth:set"]({
      studyInstanceUid: uid("3"),
      label: "ICC",
      largestLesionMm: 25,
    });
    expect(set).toMatchObject({
      label: "ICC",
      largestLesionMm: 25,
      source: "manual",
      actor: "coordinator",
    });
    expect(await h["truth:get"]({ studyInstanceUid: uid("3") })).toEqual(set);
  });
});
