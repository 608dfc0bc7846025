// The Export dialog's channels (issue 15 §4) through the validating dispatch: a relative output
// folder, an unknown study and a key without deid are refused with clear client errors; a CSV
// export runs in the background, reports its per-file progress (total known), writes the case
// sheet and is audited.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExportJobView } from "../../electron/contract/ipc";
import { Registry } from "../../electron/registry";
import { dataPaths } from "../../electron/services/paths";
import { ExportJobs } from "../../electron/services/export/jobs";
import { dispatch } from "../../electron/services/workstation/dispatch";
import type { Handlers } from "../../electron/services/workstation/service";
import { copyFixture, exportFixture, tempOut } from "./fixture";

describe("export:start / export:status", () => {
  let reg: Registry;
  let jobs: ExportJobs;
  let handlers: Handlers;
  let uids: string[];

  beforeAll(() => {
    reg = Registry.open(dataPaths(copyFixture(exportFixture())));
    jobs = new ExportJobs(reg, () => "tester");
    handlers = {
      "export:start": async (req) => jobs.start(req),
      "export:status": async (req) => jobs.status(req.id),
      "export:cancel": async (req) => jobs.cancel(req.id),
    } as Partial<Handlers> as Handlers;
    uids = reg.db
      .prepare<[], { uid: string }>("SELECT study_instance_uid AS uid FROM studies ORDER BY id")
      .all()
      .map((r) => r.uid);
  }, 600_000);

  afterAll(() => reg?.close());

  const start = (req: unknown) => dispatch(handlers, "export:start", req);

  it("refuses a relative output folder", async () => {
    const r = await start({ format: "csv", outDir: "exports/today", studyInstanceUids: [] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("USAGE");
    expect(r.error.message).toMatch(/absolute path/);
    expect(fs.existsSync(path.resolve("exports/today"))).toBe(false);
  });

  it("refuses an unknown study, a bad format and a key without deid", async () => {
    const unknown = await start({
      format: "csv",
      outDir: tempOut(),
      studyInstanceUids: ["1.2.3.999"],
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: "EXPORT" } });
    if (!unknown.ok) expect(unknown.error.message).toContain("1.2.3.999");
    const format = await start({ format: "docx", outDir: tempOut(), studyInstanceUids: [] });
    expect(format).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    const key = await start({ format: "csv", outDir: tempOut(), studyInstanceUids: [], key: true });
    expect(key).toMatchObject({ ok: false, error: { code: "USAGE" } });
    const status = await dispatch(handlers, "export:status", { id: 999 });
    expect(status).toMatchObject({ ok: false, error: { code: "USAGE" } });
    // export:cancel: an id is checked by the contract, an unknown one named by the service.
    const badId = await dispatch(handlers, "export:cancel", { id: 0 });
    expect(badId).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    const unknownJob = await dispatch(handlers, "export:cancel", { id: 999 });
    expect(unknownJob).toMatchObject({ ok: false, error: { code: "USAGE" } });
  });

  it("exports the selection's CSV in the background, with progress and an audit entry", async () => {
    const out = path.join(tempOut(), "nested", "sheets");
    const r = await start({ format: "csv", outDir: out, studyInstanceUids: uids });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const job = r.value as ExportJobView;
    expect(job).toMatchObject({ state: "running", format: "csv", studies: uids.length, done: 0 });
    await jobs.idle();
    const s = await dispatch(handlers, "export:status", { id: job.id });
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    const done = s.value as ExportJobView;
    expect(done).toMatchObject({
      state: "done",
      done: 1,
      total: 1,
      written: 1,
      files: ["case-sheet.csv"],
      fileErrors: [],
      error: null,
    });
    const csv = fs.readFileSync(path.join(out, "case-sheet.csv"));
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(
      csv
        .toString("utf8")
        .split(/\r?\n/)
        .filter((l) => l.length > 0).length,
    ).toBe(uids.length + 1);
    const audit = reg.db
      .prepare<[], { actor: string; details_json: string }>(
        "SELECT actor, details_json FROM audit_log WHERE action = 'export' ORDER BY id DESC",
      )
      .get();
    expect(audit?.actor).toBe("tester");
    expect(JSON.parse(audit!.details_json)).toMatchObject({
      format: "csv",
      state: "done",
      studies: uids.length,
      written: 1,
      errors: 0,
    });
    expect(audit!.details_json).not.toContain(out);
  });

  it("lists a file that cannot be written as a per-file error", async () => {
    const out = tempOut();
    fs.mkdirSync(path.join(out, "case-sheet.xlsx"));
    const r = await start({ format: "xlsx", outDir: out, studyInstanceUids: [] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    await jobs.idle();
    const s = jobs.status((r.value as ExportJobView).id);
    expect(s).toMatchObject({ state: "done", done: 1, total: 1, written: 0, files: [] });
    expect(s.fileErrors).toHaveLength(1);
    expect(s.fileErrors[0]).toMatchObject({ file: "case-sheet.xlsx", studyInstanceUid: null });
    expect(s.fileErrors[0]!.reason).toMatch(/EISDIR|directory/i);
  });

  it("exports one study's SR with per-file progress", async () => {
    const out = tempOut();
    const seen: number[] = [];
    const r = await start({ format: "sr", outDir: out, studyInstanceUids: [uids[0]] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const id = (r.value as ExportJobView).id;
    for (;;) {
      const s = jobs.status(id);
      seen.push(s.done);
      if (s.state !== "running") {
        expect(s).toMatchObject({ state: "done", done: 1, total: 1, studies: 1 });
        break;
      }
      await new Promise((res) => setTimeout(res, 5));
    }
    expect(fs.existsSync(path.join(out, `${uids[0]}.sr.dcm`))).toBe(true);
  });
});
