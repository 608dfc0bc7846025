// Result objects stored in the registry (issue 15 §1, db/010): the first SR / GSPS export writes
// each object once into the managed store with a row (file readable by dcmdump, valid for
// dciodvfy, sha256 recorded); every later export finds it (no new row, same UIDs, same bytes); a
// lost file is rebuilt only when the rebuild gives the recorded bytes; a newer analysis supersedes
// the previous one's objects (send leaves them out); the study view's list and Export channel.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../../electron/registry";
import { resultObjectsOfStudy } from "../../electron/registry/result-objects";
import { readPart10, str } from "../../electron/services/export/dcm";
import {
  exportCurrentObjects,
  resultFilesForSend,
} from "../../electron/services/export/result-handlers";
import { listResultObjects } from "../../electron/services/export/result-objects";
import { exportStudies } from "../../electron/services/export/service";
import { dataPaths } from "../../electron/services/paths";
import { copyFixture, exportFixture, tempOut } from "./fixture";

const sha = (file: string): string =>
  createHash("sha256").update(fs.readFileSync(file)).digest("hex");

interface Row {
  id: number;
  study_ref: number;
  analysis_ref: number;
  kind: string;
  origin: string;
  sop_instance_uid: string;
  series_instance_uid: string;
  store_path: string;
  sha256: string;
  size_bytes: number;
  created_at: string;
  superseded_at: string | null;
  superseded_by: number | null;
}

describe("SR and GSPS stored in the registry (2-study phantom, shipped models)", () => {
  let reg: Registry;
  let uids: string[];
  const rows = (): Row[] =>
    reg.db.prepare<[], Row>("SELECT * FROM result_objects ORDER BY id").all();
  const abs = (r: Row): string => path.join(reg.paths.store, ...r.store_path.split("/"));

  beforeAll(() => {
    reg = Registry.open(dataPaths(copyFixture(exportFixture())));
    uids = reg.db
      .prepare<[], { uid: string }>("SELECT study_instance_uid AS uid FROM studies ORDER BY id")
      .all()
      .map((r) => r.uid);
  }, 900_000);
  afterAll(() => reg?.close());

  it("before any export the study view lists the current analysis' objects as pending", () => {
    expect(rows()).toEqual([]);
    for (const uid of uids) {
      const list = listResultObjects(reg, uid);
      expect(list.length).toBeGreaterThanOrEqual(1);
      expect(list.every((v) => v.state === "pending" && v.sopInstanceUid === null)).toBe(true);
      expect(list[0]!.kind).toBe("sr");
    }
  });

  it("the first export stores each object once: a row, a file dcmdump reads and dciodvfy passes", async () => {
    const out = tempOut();
    const sr = await exportStudies(reg, { format: "sr", out });
    const gsps = await exportStudies(reg, { format: "gsps", out });
    const written = [...sr.files, ...gsps.files].filter((f) => f.outcome === "written");
    expect(sr.files.every((f) => f.outcome === "written")).toBe(true);
    const stored = rows();
    expect(stored).toHaveLength(written.length);
    for (const r of stored) {
      expect(r.origin).toBe("written");
      expect(r.superseded_at).toBeNull();
      const file = abs(r);
      expect(sha(file)).toBe(r.sha256);
      expect(fs.statSync(file).size).toBe(r.size_bytes);
      // The exported copy is the stored object, byte for byte.
      const uid = reg.db
        .prepare<[number], { u: string }>(
          "SELECT study_instance_uid AS u FROM studies WHERE id = ?",
        )
        .get(r.study_ref)!.u;
      expect(fs.readFileSync(path.join(out, `${uid}.${r.kind}.dcm`))).toEqual(
        fs.readFileSync(file),
      );
      const { dataset } = readPart10(new Uint8Array(fs.readFileSync(file)));
      expect(str(dataset.SOPInstanceUID)).toBe(r.sop_instance_uid);
      expect(str(dataset.SeriesInstanceUID)).toBe(r.series_instance_uid);
      const dump = spawnSync("dcmdump", [file], { encoding: "utf8" });
      expect(dump.status).toBe(0);
      expect(dump.stdout).toContain(r.sop_instance_uid);
      const v = spawnSync("dciodvfy", [file], { encoding: "utf8" });
      const text = `${v.stdout}${v.stderr}`;
      expect(text).toMatch(/ComprehensiveSR|GrayscaleSoftcopyPresentationState/);
      expect(text.split("\n").filter((l) => l.startsWith("Error"))).toEqual([]);
    }
    for (const uid of uids) {
      expect(listResultObjects(reg, uid).every((v) => v.state === "stored")).toBe(true);
    }
  });

  it("a re-export finds them: no new row, the same UIDs, bytes and creation time", async () => {
    const before = rows();
    const out = tempOut();
    const again = await exportStudies(reg, { format: "sr", out });
    expect(again.files.every((f) => f.outcome === "written")).toBe(true);
    await exportStudies(reg, { format: "gsps", out });
    expect(rows()).toEqual(before);
    for (const r of before) {
      const uid = reg.db
        .prepare<[number], { u: string }>(
          "SELECT study_instance_uid AS u FROM studies WHERE id = ?",
        )
        .get(r.study_ref)!.u;
      expect(sha(path.join(out, `${uid}.${r.kind}.dcm`))).toBe(r.sha256);
    }
  });

  it("a lost file is rebuilt with the recorded bytes; one that cannot be rebuilt the same is reported, not replaced, and the other study goes on", async () => {
    const [first] = rows().filter((r) => r.kind === "sr");
    const file = abs(first!);
    fs.rmSync(file);
    const r1 = await exportStudies(reg, { format: "sr", out: tempOut() });
    expect(r1.files.every((f) => f.outcome === "written")).toBe(true);
    expect(sha(file)).toBe(first!.sha256);
    // A row recorded by another app version: the rebuild no longer matches it.
    fs.writeFileSync(file, "altered");
    reg.db
      .prepare("UPDATE result_objects SET sha256 = ? WHERE id = ?")
      .run("0".repeat(64), first!.id);
    const r2 = await exportStudies(reg, { format: "sr", out: tempOut() });
    const failed = r2.files.filter((f) => f.outcome === "error");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toMatch(
      /changed on disk, and rebuilding it does not give the recorded bytes.*not replaced/,
    );
    expect(r2.files.filter((f) => f.outcome === "written")).toHaveLength(uids.length - 1);
    expect(fs.readFileSync(file, "utf8")).toBe("altered");
    // Put it right again for the next tests.
    fs.rmSync(file);
    reg.db
      .prepare("UPDATE result_objects SET sha256 = ? WHERE id = ?")
      .run(first!.sha256, first!.id);
    await exportStudies(reg, { format: "sr", out: tempOut() });
    expect(sha(file)).toBe(first!.sha256);
  });

  it("a newer analysis supersedes the previous objects: listed superseded, new UIDs on export, left out of a send", async () => {
    const uid = uids[0]!;
    const studyRef = reg.db
      .prepare<[string], { id: number }>("SELECT id FROM studies WHERE study_instance_uid = ?")
      .get(uid)!.id;
    const old = rows().filter((r) => r.study_ref === studyRef);
    expect(old.length).toBeGreaterThanOrEqual(1);
    // Re-analysis: the same result saved again as a new analysis row (with its ROIs).
    const cols = (t: string, skip: string[]) =>
      reg.db
        .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${t}')`)
        .all()
        .map((c) => c.name)
        .filter((c) => !skip.includes(c));
    const a = cols("analyses", ["id"]);
    const newId = Number(
      reg.db
        .prepare(
          `INSERT INTO analyses (${a.join(",")}) SELECT ${a.join(",")} FROM analyses WHERE id = ?`,
        )
        .run(old[0]!.analysis_ref).lastInsertRowid,
    );
    const rc = cols("rois", ["id", "analysis_ref"]);
    reg.db
      .prepare(
        `INSERT INTO rois (analysis_ref, ${rc.join(",")}) SELECT ?, ${rc.join(",")} FROM rois WHERE analysis_ref = ?`,
      )
      .run(newId, old[0]!.analysis_ref);

    const list = listResultObjects(reg, uid);
    expect(list.filter((v) => v.state === "pending").map((v) => v.analysisId)).toEqual(
      old.map(() => newId),
    );
    expect(list.filter((v) => v.state === "superseded")).toHaveLength(old.length);
    const marked = resultObjectsOfStudy(reg.db, studyRef).filter((r) => r.analysisId !== newId);
    expect(marked.every((r) => r.supersededBy === newId && r.supersededAt !== null)).toBe(true);

    const send = await resultFilesForSend(reg, uid);
    expect(send.problem).toBeNull();
    const now = resultObjectsOfStudy(reg.db, studyRef).filter((r) => r.analysisId === newId);
    expect(now).toHaveLength(old.length);
    for (const r of now) {
      expect(old.map((o) => o.sop_instance_uid)).not.toContain(r.sopInstanceUid);
      expect(r.supersededAt).toBeNull();
    }
    expect(send.current.sort()).toEqual(
      now.map((r) => path.join(reg.paths.store, ...r.storePath.split("/"))).sort(),
    );
    expect([...send.superseded].sort()).toEqual(old.map(abs).sort());
    // Superseded files stay in the store (a PACS may hold them already).
    for (const o of old) expect(fs.existsSync(abs(o))).toBe(true);
  });

  it("the study view's Export copies the current objects; a relative folder is refused", async () => {
    const uid = uids[1]!;
    const out = tempOut();
    const r = await exportCurrentObjects(reg, uid, out);
    expect(r.failed).toEqual([]);
    expect(r.done.length).toBeGreaterThanOrEqual(1);
    expect(r.done.every((f) => /^[0-9.]+\.(sr|gsps)\.dcm$/.test(f))).toBe(true);
    for (const f of r.done) expect(fs.existsSync(path.join(out, f))).toBe(true);
    await expect(exportCurrentObjects(reg, uid, "relative/dir")).rejects.toThrow(/absolute path/);
  });
});
