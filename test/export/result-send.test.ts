// Sending the stored result objects (issue 15 §1) to dcmtk's storescp (a real peer on 127.0.0.1 and
// a free port): the study view's Send stores the pending SR / GSPS and C-STOREs exactly those;
// `livercad send --study` sends the images plus the current objects (the same SOP Instance UIDs)
// and, after a re-analysis, not the superseded ones.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../../electron/registry";
import { resultObjectsOfStudy } from "../../electron/registry/result-objects";
import { sendCurrentObjects } from "../../electron/services/export/result-handlers";
import { readSettings, upsertNode, writeSettings } from "../../electron/services/network/settings";
import { dataPaths } from "../../electron/services/paths";
import { runCli } from "../helpers/cli";
import { copyFixture, exportFixture, tempOut } from "./fixture";
import { freePort, waitForPort } from "../helpers/ports";

const HAS_DCMTK = spawnSync("storescp", ["--version"]).status === 0;

/** SOP Instance UIDs storescp received (it names files <modality>.<SOP Instance UID>). */
function received(dir: string): string[] {
  return fs.readdirSync(dir).map((f) => f.replace(/^[A-Za-z]+\./, ""));
}

describe.skipIf(!HAS_DCMTK)("sending the stored SR / GSPS to storescp", () => {
  let dbFile: string;
  let reg: Registry;
  let scp: ChildProcess;
  let inbox: string;
  let uid: string;
  let studyRef: number;

  beforeAll(async () => {
    dbFile = copyFixture(exportFixture());
    reg = Registry.open(dataPaths(dbFile));
    const row = reg.db
      .prepare<[], { id: number; uid: string }>(
        "SELECT id, study_instance_uid AS uid FROM studies ORDER BY id LIMIT 1",
      )
      .get()!;
    uid = row.uid;
    studyRef = row.id;
    inbox = tempOut();
    const port = await freePort();
    scp = spawn("storescp", ["-aet", "STORESCP", "-od", inbox, String(port)]);
    await waitForPort(port);
    writeSettings(
      reg.paths.root,
      upsertNode(readSettings(reg.paths.root), {
        name: "pacs",
        aeTitle: "STORESCP",
        host: "127.0.0.1",
        port,
      }),
    );
  }, 900_000);

  afterAll(() => {
    scp?.kill();
    reg?.close();
  });

  it("the study view's Send stores the pending objects and C-STOREs exactly them", async () => {
    const r = await sendCurrentObjects(reg, uid, "pacs");
    expect(r.failed).toEqual([]);
    const stored = resultObjectsOfStudy(reg.db, studyRef);
    expect(r.done.sort()).toEqual(stored.map((o) => o.sopInstanceUid).sort());
    expect(received(inbox).sort()).toEqual(r.done.sort());
    await expect(sendCurrentObjects(reg, uid, "nowhere")).rejects.toThrow(
      /Unknown node "nowhere" \(configured: pacs\)/,
    );
  });

  it("`livercad send --study` sends the images and the current objects; superseded ones stay home", () => {
    const before = resultObjectsOfStudy(reg.db, studyRef);
    // A re-analysis: the same result saved again as a new analysis row (with its ROIs).
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
        .run(before[0]!.analysisId).lastInsertRowid,
    );
    const rc = cols("rois", ["id", "analysis_ref"]);
    reg.db
      .prepare(
        `INSERT INTO rois (analysis_ref, ${rc.join(",")}) SELECT ?, ${rc.join(",")} FROM rois WHERE analysis_ref = ?`,
      )
      .run(newId, before[0]!.analysisId);
    for (const f of fs.readdirSync(inbox)) fs.rmSync(path.join(inbox, f));

    const r = runCli(["send", "pacs", "--study", uid, "--db", dbFile]);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const images = reg.db
      .prepare<[number], { n: number }>(
        "SELECT COUNT(*) AS n FROM instances i JOIN series se ON se.id = i.series_ref WHERE se.study_ref = ?",
      )
      .get(studyRef)!.n;
    const current = resultObjectsOfStudy(reg.db, studyRef).filter((o) => o.analysisId === newId);
    expect(current).toHaveLength(before.length);
    expect(r.stdout).toContain(`sent=${images + current.length} failed=0`);
    const got = new Set(received(inbox));
    for (const o of current) expect(got.has(o.sopInstanceUid)).toBe(true);
    for (const o of before) expect(got.has(o.sopInstanceUid)).toBe(false);
    expect(got.size).toBe(images + current.length);
  });
});
