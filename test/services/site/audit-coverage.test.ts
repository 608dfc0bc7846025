// Audit coverage beyond the app's clicks (issue 13 §6): an analysis job's end is recorded for the
// app's and the CLI's analysis service (state, status, analysis id, never the error text), and an
// import run by the CLI is recorded with its counts and never its paths.
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../db/index";
import { configure, ImportWriter, migrate, Registry, type Db } from "../../../electron/registry";
import { queryAudit } from "../../../electron/registry/audit-query";
import type { AnalysisEvent } from "../../../electron/services/analysis/types";
import { dataPaths } from "../../../electron/services/paths";
import { auditAnalysisResults } from "../../../electron/services/site/audit-events";
import { runCli } from "../../helpers/cli";
import { batch, tempDir } from "../../registry/helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});
const STUDY = "1.2.826.0.1.3680043.10.1.5";

describe("analysis results in the audit log", () => {
  it("records each finished job with the acting user, not the error text", () => {
    const db = new Database(path.join(tempDir(), "registry.sqlite"));
    configure(db);
    open.push(db);
    migrate(db, MIGRATIONS);
    new ImportWriter(db).commitSeries(batch("5", "1", 3));
    let listener: (e: AnalysisEvent) => void = () => undefined;
    let user = "rad1";
    auditAnalysisResults(db, () => user, { on: (l) => (listener = l) });
    listener({ type: "started", jobId: 4, studyInstanceUid: STUDY });
    listener({
      type: "finished",
      jobId: 4,
      studyInstanceUid: STUDY,
      state: "done",
      status: "analyzed",
      analysisId: 9,
      error: null,
    });
    user = "rad2";
    listener({
      type: "finished",
      jobId: 5,
      studyInstanceUid: STUDY,
      state: "failed",
      status: "error",
      analysisId: 10,
      error: "T2 (series 3 'AX T2 SMITH'): no images",
    });
    const rows = queryAudit(db, { action: "analysis.result" }).reverse();
    expect(rows.map((r) => [r.actor, r.studyInstanceUid, r.details])).toEqual([
      ["rad1", STUDY, { job: 4, state: "done", status: "analyzed", analysis: 9, error: null }],
      [
        "rad2",
        STUDY,
        { job: 5, state: "failed", status: "error", analysis: 10, error: "see the analysis job" },
      ],
    ]);
    expect(JSON.stringify(rows)).not.toContain("SMITH");
  });
});

describe("CLI imports in the audit log", () => {
  it("livercad import records the counts and the user, not the paths", () => {
    const dir = tempDir("livercad-audit-cli-");
    const folder = path.join(dir, "DOE_JANE");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "notes.txt"), "not an image\n");
    const dbFile = path.join(dir, "data", "registry.sqlite");
    const r = runCli(["import", folder, "--db", dbFile], {}, 120_000);
    expect(r.status, r.stderr).toBe(0);
    const registry = Registry.open(dataPaths(dbFile));
    try {
      const rows = queryAudit(registry.db, { action: "import" });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.actor.length).toBeGreaterThan(0);
      expect(rows[0]!.details).toMatchObject({
        via: "import",
        state: "failed",
        inputs: 1,
        summary: { files: 1, imported: 0, rejected: 1, studies: 0 },
      });
      expect(JSON.stringify(rows)).not.toContain("DOE_JANE");
    } finally {
      registry.close();
    }
  });
});

describe("CLI exports in the audit log", () => {
  it("livercad export records format, counts and the user, not the folder", () => {
    const dir = tempDir("livercad-audit-cli-");
    const dbFile = path.join(dir, "data", "registry.sqlite");
    const registry = Registry.open(dataPaths(dbFile));
    try {
      new ImportWriter(registry.db).commitSeries(batch("5", "1", 3));
      const now = "2026-01-01T00:00:00.000Z";
      registry.db
        .prepare(
          `INSERT INTO analyses (study_ref, status, prediction, probabilities_json, confidence,
             sequences_json, models_json, provider, parameters_json, timings_json, app_version,
             started_at, finished_at)
           VALUES (1, 'analyzed', 'HCC', '{"HCC":0.8,"ICC":0.1,"metastasis":0.1}', 0.8, '{}',
             '[]', 'cpu', '{}', '{}', '0.1.0', ?, ?)`,
        )
        .run(now, now);
    } finally {
      registry.close();
    }
    const out = path.join(dir, "DOE_JANE_export");
    const r = runCli(["export", "--format", "csv", "--out", out, "--db", dbFile], {}, 120_000);
    expect(r.stdout).toMatch(/format=csv studies=1 written=1 errors=0/);
    const again = Registry.open(dataPaths(dbFile));
    try {
      const rows = queryAudit(again.db, { action: "export" });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.details).toEqual({
        via: "export",
        format: "csv",
        state: "done",
        studies: 1,
        selection: "all-analyzed",
        written: 1,
        errors: 0,
        key: false,
      });
      expect(JSON.stringify(rows)).not.toContain("DOE_JANE");
    } finally {
      again.close();
    }
  });
});
