// One list of study statuses (issue 12 §5): the registry's study_status view, the IPC schema of
// the worklist query, the worklist's filter and the labels all follow contract/domain.ts.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { STUDY_STATUSES } from "../../electron/contract/domain";
import { CHANNELS } from "../../electron/contract/ipc";
import { statusLabel } from "../../renderer/format";

const REPO = path.resolve(__dirname, "../..");

function tsSources(dir: string): string[] {
  return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return tsSources(rel);
    return /\.ts$/.test(e.name) ? [fs.readFileSync(path.join(REPO, rel), "utf8")] : [];
  });
}

const query = {
  queue: "all",
  topPercent: 100,
  sort: "studyDate",
  descending: false,
  search: "",
  offset: 0,
  limit: 50,
};

describe("study statuses", () => {
  it("are what the study_status view can produce, less its unreachable 'importing' branch", () => {
    const schema = fs.readFileSync(path.join(REPO, "db/schema.sql"), "utf8");
    const view = schema.slice(schema.indexOf("CREATE VIEW study_status"));
    const body = view.slice(0, view.indexOf("AS status"));
    const produced = new Set([...body.matchAll(/(?:THEN|ELSE) '([a-z-]+)'/g)].map((m) => m[1]!));
    const passedThrough = /la\.status IN \(([^)]*)\) THEN la\.status/.exec(body)![1]!;
    for (const m of passedThrough.matchAll(/'([a-z-]+)'/g)) produced.add(m[1]!);
    // The branch needs a running 'import' job on the study; import jobs (issue 13 §5) span
    // folders and are written with study_ref NULL, so no study ever shows 'importing'.
    expect(produced.delete("importing")).toBe(true);
    expect([...produced].sort()).toEqual([...STUDY_STATUSES].sort());
    const sources = ["electron", "db"].flatMap(tsSources);
    const imports = sources.flatMap((s) => [
      ...s.matchAll(/INSERT INTO jobs[\s\S]{0,200}?VALUES \('import', ([^,]+),/g),
    ]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.map((m) => m[1])).toEqual(imports.map(() => "NULL"));
  });

  it("feed the worklist query's schema: every status and '' pass, others are refused", () => {
    const schema = CHANNELS["worklist:page"].request;
    for (const status of ["", ...STUDY_STATUSES]) {
      expect(schema.safeParse({ ...query, status }).success).toBe(true);
    }
    for (const status of ["importing", "Analyzed", "done"]) {
      expect(schema.safeParse({ ...query, status }).success).toBe(false);
    }
  });

  it("each have a label", () => {
    const labels = STUDY_STATUSES.map(statusLabel);
    expect(labels.every((l) => typeof l === "string" && l.length > 0)).toBe(true);
    expect(new Set(labels).size).toBe(STUDY_STATUSES.length);
  });
});
