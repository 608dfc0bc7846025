// Export failures a user can meet arrive as AppErrors with their code (issue 12 §5), not as
// INTERNAL: through the validating dispatch (the IPC and bridge error shape) for the study view's
// Results export, and from the helpers that used to throw plain Errors (encode, zip-dates, part10,
// the CLI's integer options). Messages are the ones the plain Errors had.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, DicomParseError, ExportError } from "../../electron/contract/errors";
import { Registry, studyRefOf } from "../../electron/registry";
import { encodePart10 } from "../../electron/services/export/encode";
import { resultHandlers } from "../../electron/services/export/result-handlers";
import { fixZipDates } from "../../electron/services/export/zip-dates";
import { splitPart10 } from "../../electron/services/network/part10";
import { dataPaths } from "../../electron/services/paths";
import { dispatch } from "../../electron/services/workstation/dispatch";
import type { Handlers } from "../../electron/services/workstation/service";
import { runCli } from "../helpers/cli";
import { copyFixture, exportFixture, tempOut } from "./fixture";

describe("export failures through the dispatch", () => {
  let reg: Registry;
  let handlers: Handlers;

  beforeAll(() => {
    reg = Registry.open(dataPaths(copyFixture(exportFixture())));
    handlers = resultHandlers(() => ({ registry: reg, actor: () => "tester" })) as Handlers;
  }, 900_000);
  afterAll(() => reg?.close());

  it("an ROI on a slice its series no longer has answers EXPORT with the reason, not INTERNAL", async () => {
    // A study with ROIs; its rank-1 ROI moved past the series' last slice (as if the registry and
    // the store had drifted apart).
    const row = reg.db
      .prepare<[], { uid: string; roi: number }>(
        `SELECT s.study_instance_uid AS uid, r.id AS roi FROM rois r
           JOIN analyses a ON a.id = r.analysis_ref JOIN studies s ON s.id = a.study_ref
          ORDER BY a.id DESC, r.rank LIMIT 1`,
      )
      .get();
    expect(row, "the fixture has an analysis with an ROI").toBeDefined();
    reg.db.prepare("UPDATE rois SET slice_index = 999 WHERE id = ?").run(row!.roi);
    const out = tempOut();
    const r = await dispatch(handlers, "results:export", {
      studyInstanceUid: row!.uid,
      outDir: out,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("EXPORT");
    expect(r.error.message).toMatch(
      new RegExp(
        `^ROI 1 of study ${row!.uid.replace(/\./g, "\\.")} is on slice 999, but series .+ has \\d+ slices\\.$`,
      ),
    );
    expect(fs.readdirSync(out)).toEqual([]);
    // Nothing already stored was lost: the study and its analysis are still there.
    expect(studyRefOf(reg.db, row!.uid)).toBeGreaterThan(0);
  });

  it("a study without an analysis answers EXPORT", async () => {
    const r = await dispatch(handlers, "results:export", {
      studyInstanceUid: "1.2.826.0.1.3680043.10.1.424242",
      outDir: path.join(tempOut(), "x"),
    });
    expect(r).toMatchObject({ ok: false, error: { code: "EXPORT" } });
  });
});

describe("helpers that used to throw plain Errors", () => {
  const codeOf = (f: () => unknown): [string, string] => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      return [(e as AppError).code, (e as AppError).message];
    }
    throw new Error("expected a throw");
  };

  it("encode: a value over its VR's 64 KiB is an ExportError", () => {
    const [code, message] = codeOf(() =>
      encodePart10({}, { StudyDescription: "x".repeat(70_000) }),
    );
    expect(code).toBe("EXPORT");
    expect(message).toBe("encode: StudyDescription is 70000 bytes, over its VR's 64 KiB");
  });

  it("zip-dates: bytes that are not a ZIP archive are an ExportError", () => {
    expect(() => fixZipDates(new Uint8Array(64), new Date(0))).toThrow(ExportError);
    expect(codeOf(() => fixZipDates(new Uint8Array(64), new Date(0)))).toEqual([
      "EXPORT",
      "not a ZIP archive (no end of central directory record)",
    ]);
  });

  it("part10: a file without the DICM prefix or with a cut meta group is a DicomParseError", () => {
    expect(() => splitPart10(new Uint8Array(200))).toThrow(DicomParseError);
    expect(codeOf(() => splitPart10(new Uint8Array(10)))).toEqual([
      "DICOM_PARSE",
      "not a DICOM Part 10 file (no DICM prefix after the 128-byte preamble)",
    ]);
    const cut = new Uint8Array(150);
    cut.set(Buffer.from("DICM", "latin1"), 128);
    // (0002,0010) UI with a length of 64, past the end of the 150 bytes.
    cut.set([0x02, 0x00, 0x10, 0x00, 0x55, 0x49, 64, 0], 132);
    expect(codeOf(() => splitPart10(cut))).toEqual([
      "DICOM_PARSE",
      "file meta information is truncated",
    ]);
  });

  it("the CLI reports a bad integer option as a usage error", () => {
    const r = runCli(["evaluate", "--truth", "t.json", "--results", "r.json", "--top", "many"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error [USAGE]: --top must be an integer, got "many"');
  });
});
