// Migration 007 (issue 13): site settings and the quality gate's flags, on a database that held
// real rows before (an imported study with an analysis), whatever migrations ran before it.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../db/index";
import type { QualityFlag } from "../../electron/contract/quality";
import { configure, ImportWriter, migrate, type Db } from "../../electron/registry";
import { latestQualityFlags, saveQuality } from "../../electron/registry/quality";
import {
  parseSiteSetting,
  readSiteSettings,
  writeSiteSetting,
} from "../../electron/registry/site-settings";
import { batch, tempDir } from "./helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function analyzedDb(): { db: Db; uid: string; analysis: number } {
  const db = new Database(path.join(tempDir(), "registry.sqlite"));
  configure(db);
  open.push(db);
  migrate(db, MIGRATIONS, 4);
  new ImportWriter(db).commitSeries(batch("7", "1", 3));
  const now = "2026-01-01T00:00:00.000Z";
  const analysis = Number(
    db
      .prepare(
        `INSERT INTO analyses (study_ref, status, sequences_json, models_json, provider,
           parameters_json, timings_json, app_version, started_at, finished_at)
         VALUES (1, 'analyzed', '{}', '[]', 'cpu', '{}', '{}', '0.1.0', ?, ?)`,
      )
      .run(now, now).lastInsertRowid,
  );
  migrate(db, MIGRATIONS);
  return { db, uid: "1.2.826.0.1.3680043.10.1.7", analysis };
}

describe("migration 007: site settings and quality flags", () => {
  it("keeps old analyses (no flag) and stores a flag with a new one", () => {
    const { db, uid, analysis } = analyzedDb();
    expect(latestQualityFlags(db).size).toBe(0);
    const flag: QualityFlag = {
      status: "incomplete",
      policy: "warn",
      findings: [
        {
          sequence: "T1_venous",
          seriesInstanceUid: `${uid}.1`,
          severity: "incomplete",
          code: "position-gap",
          message: "T1 portal-venous (series 1): 2 slice(s) missing in the stack.",
        },
      ],
    };
    saveQuality(db, analysis, flag);
    expect(latestQualityFlags(db).get(uid)).toEqual(flag);
    expect(latestQualityFlags(db, [uid]).get(uid)?.status).toBe("incomplete");
    // A newer analysis without a flag hides the old one: flags belong to one analysis.
    db.prepare(
      `INSERT INTO analyses (study_ref, status, sequences_json, models_json, provider,
         parameters_json, timings_json, app_version, started_at, finished_at)
       VALUES (1, 'analyzed', '{}', '[]', 'cpu', '{}', '{}', '0.1.0', 'x', 'x')`,
    ).run();
    expect(latestQualityFlags(db).size).toBe(0);
  });

  it("site settings default, change with an audit row, and refuse bad values by name", () => {
    const { db } = analyzedDb();
    expect(readSiteSettings(db).incompleteSeries).toBe("block");
    writeSiteSetting(db, "incompleteSeries", parseSiteSetting("incompleteSeries", "warn"), "alice");
    expect(readSiteSettings(db).incompleteSeries).toBe("warn");
    const audit = db
      .prepare<[], { actor: string; action: string; details_json: string }>(
        "SELECT actor, action, details_json FROM audit_log WHERE action = 'site-setting'",
      )
      .all();
    expect(audit).toEqual([
      {
        actor: "alice",
        action: "site-setting",
        details_json: JSON.stringify({ key: "incompleteSeries", from: "block", to: "warn" }),
      },
    ]);
    expect(() => parseSiteSetting("incompleteSeries", "maybe")).toThrow(
      'Site setting incompleteSeries="maybe" refused: block | warn',
    );
    expect(() => parseSiteSetting("colour", "red")).toThrow('Unknown site setting "colour"');
    expect(() => writeSiteSetting(db, "incompleteSeries", 3, "alice")).toThrow("refused");
    expect(readSiteSettings(db).incompleteSeries).toBe("warn");
  });
});
