// The import service in-process, on generated files: outcomes, the managed store, de-duplication,
// and the report.
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../../../electron/registry";
import { importPaths, reportDocument, type ImportReport } from "../../../electron/services/import";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import { dataPaths } from "../../../electron/services/paths";
import { tempDir } from "../../registry/helpers";
import { mrFile, uids, writeSeries } from "./fixtures";
import { checkConsistency } from "./helpers";

let src: string;
let registry: Registry | null = null;
const open = (): Registry => {
  registry = Registry.open(dataPaths(path.join(tempDir("imp-db-"), "registry.sqlite")));
  return registry;
};
const run = (r: Registry, inputs: string[]): Promise<ImportReport> =>
  importPaths(r, inputs, { read: readInstance, assign: assignStudySequences });

beforeAll(() => {
  src = tempDir("imp-src-");
  writeSeries(src, { study: 1, series: 1, slices: 4, description: "AX T1 PRE" });
  writeSeries(src, { study: 1, series: 2, slices: 3, description: "AX T2 FSE" });
  writeSeries(src, { study: 2, series: 1, slices: 2 });
  writeSeries(src, { study: 3, series: 1, slices: 2, modality: "OT" });
  // The same instance again under another name (a second copy of the CD, say).
  fs.mkdirSync(path.join(src, "zcopy"));
  fs.writeFileSync(
    path.join(src, "zcopy", "again.dcm"),
    mrFile({ study: 1, series: 1, slices: 4 }, 0),
  );
  fs.writeFileSync(path.join(src, "notes.txt"), "not dicom at all");
});
afterEach(() => registry?.close());

describe("import service", () => {
  it("stores, registers and reports every file, and never stops on a bad one", async () => {
    const r = open();
    const progress: number[] = [];
    const report = await importPaths(r, [src], {
      read: readInstance,
      assign: assignStudySequences,
      onProgress: (p) => progress.push(p.done),
    });
    expect(report.summary).toMatchObject({
      files: 13,
      imported: 9,
      duplicates: 1,
      skipped: 2,
      rejected: 1,
      studies: 2,
    });
    expect(progress).toEqual(Array.from({ length: 13 }, (_, k) => k + 1));
    const byName = new Map(report.files.map((f) => [path.relative(src, f.path), f]));
    expect(byName.get("notes.txt")).toMatchObject({ outcome: "rejected", sopInstanceUid: null });
    expect(byName.get("notes.txt")!.reason).toBeTruthy();
    expect(byName.get(path.join("zcopy", "again.dcm"))).toMatchObject({
      outcome: "skipped",
      sopInstanceUid: uids({ study: 1, series: 1 }).sop(0),
    });
    expect(byName.get(path.join("s3", "1", "0001.dcm"))!.outcome).toBe("skipped");
    // The store holds byte-identical copies at <study>/<series>/<sop>.dcm.
    const u = uids({ study: 1, series: 2 });
    const stored = path.join(r.paths.store, u.study, u.series, `${u.sop(2)}.dcm`);
    expect(fs.readFileSync(stored)).toEqual(fs.readFileSync(path.join(src, "s1", "2", "0003.dcm")));
    const c = checkConsistency(r.paths.database);
    expect(c).toMatchObject({ instances: 9, series: 3, studies: 2, missingFiles: [] });
    // Every study ran through sequence assignment and says what it lacks.
    for (const s of report.studies) {
      expect(s.status).toMatch(/^(incomplete|ready)$/);
      expect(s.complete).toBe(s.missing.length === 0);
    }
    expect(report.studies.find((s) => s.studyInstanceUid === u.study)).toMatchObject({
      seriesCount: 2,
      instanceCount: 7,
      importedInstances: 7,
    });
    const doc = JSON.parse(JSON.stringify(reportDocument(report))) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["files", "studies"]);
    expect(Object.keys(report.files[0]!).sort()).toEqual([
      "outcome",
      "path",
      "reason",
      "seriesInstanceUid",
      "sopInstanceUid",
      "studyInstanceUid",
    ]);
  });

  it("stores the same SOP Instance UID once when imported again", async () => {
    const r = open();
    await run(r, [src]);
    const again = await run(r, [src, path.join(src, "s1")]);
    expect(again.summary).toMatchObject({ imported: 0, duplicates: 10, rejected: 1 });
    expect(checkConsistency(r.paths.database).instances).toBe(9);
    // Studies seen again are re-assigned and reported even when nothing new arrived.
    expect(again.studies.map((s) => s.importedInstances)).toEqual([0, 0]);
  });

  it("commits a series in parts when it outgrows the pending limit, still consistent", async () => {
    const r = open();
    const report = await importPaths(r, [path.join(src, "s1")], {
      read: readInstance,
      assign: assignStudySequences,
      maxPendingPerSeries: 2,
    });
    expect(report.summary.imported).toBe(7);
    expect(checkConsistency(r.paths.database)).toMatchObject({
      instances: 7,
      series: 2,
      missingFiles: [],
    });
  });

  it("refuses a series that is already registered under another study", async () => {
    const r = open();
    await run(r, [path.join(src, "s1", "1")]);
    const file = path.join(src, "s1", "1", "0001.dcm");
    const other = `${uids({ study: 99, series: 1 }).study}`;
    const report = await importPaths(r, [path.join(src, "s1", "2"), file], {
      read: async (p, d) => {
        const out = await readInstance(p, d);
        // The same series filed under a new study UID, sop made new so it is not a duplicate.
        if (out.kind === "instance" && p === file) {
          out.instance.study.studyInstanceUid = other;
          out.instance.sopInstanceUid += ".9";
        }
        return out;
      },
      assign: assignStudySequences,
    });
    const moved = report.files.find((f) => f.path === file)!;
    expect(moved.outcome).toBe("rejected");
    expect(moved.reason).toMatch(/^Series Instance UID already registered in study /);
    expect(report.summary).toMatchObject({ imported: 3, rejected: 1 });
    expect(fs.existsSync(path.join(r.paths.store, other))).toBe(true);
    expect(fs.readdirSync(path.join(r.paths.store, other), { recursive: true })).toEqual([
      uids({ study: 1, series: 1 }).series,
    ]);
    expect(checkConsistency(r.paths.database)).toMatchObject({
      instances: 7,
      studies: 1,
      missingFiles: [],
      emptyStudies: 0,
      orphanPatients: 0,
    });
  });

  it("rejects an instance without the UIDs that file it", async () => {
    const r = open();
    const file = path.join(src, "s1", "1", "0001.dcm");
    const report = await importPaths(r, [file], {
      read: async (p, d) => {
        const out = await readInstance(p, d);
        if (out.kind === "instance") out.instance.sopInstanceUid = "";
        return out;
      },
      assign: assignStudySequences,
    });
    expect(report.files[0]).toMatchObject({
      outcome: "rejected",
      reason: "missing SOP Instance UID",
    });
    expect(checkConsistency(r.paths.database).instances).toBe(0);
  });

  it("commits what it read when cancelled", async () => {
    const r = open();
    const ctl = new AbortController();
    const report = await importPaths(r, [src], {
      read: readInstance,
      assign: assignStudySequences,
      onProgress: (p) => {
        if (p.done === 3) ctl.abort();
      },
      signal: ctl.signal,
    });
    expect(report.summary.imported).toBe(2); // the first file, notes.txt, is rejected
    expect(checkConsistency(r.paths.database)).toMatchObject({ instances: 2, missingFiles: [] });
  });
});
