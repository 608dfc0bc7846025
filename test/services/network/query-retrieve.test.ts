// The Query PACS screen's channels (network:query, network:retrieve, progress in network:status)
// against a real query/retrieve peer: dcmtk's dcmqrscp with a temp config and index holding two
// studies. dcmqrscp 3.6 binds every interface, so it runs inside a private network namespace
// (`unshare -n`, loopback up) together with the workstation (query-retrieve.peer.ts, run by
// vite-node); nothing listens outside it. Skipped, saying so, where dcmqrscp or unshare is missing.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/cli";
import { uids, writeSeries } from "../import/fixtures";
import { canRunIsolated, dcmqrscpArchive } from "./isolated";

const CAN_UNSHARE = canRunIsolated("dcmqrscp", "query/retrieve channels");

const QR_PORT = 11113;
const OUR_PORT = 11112;

type Answer<T = unknown> =
  { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
interface Study {
  studyInstanceUid: string;
  patientId: string;
  patientName: string;
  studyDate: string;
}
interface Retrieval {
  studyInstanceUid: string;
  state: string;
  completed: number;
  failed: number;
  error: string | null;
}

describe.skipIf(!CAN_UNSHARE)("network:query and network:retrieve against dcmqrscp", () => {
  let dir: string;
  let out = "";
  let result: Record<string, unknown> = {};
  const study = uids({ study: 7, series: 1 }).study;
  const other = uids({ study: 8, series: 1 }).study;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-qr-"));
    const input = path.join(dir, "in");
    writeSeries(input, { study: 7, series: 1, slices: 3, description: "t2 haste" });
    writeSeries(input, { study: 7, series: 2, slices: 3, description: "t1 vibe pre" });
    writeSeries(input, { study: 8, series: 1, slices: 2, description: "t2 haste" });
    const cfg = dcmqrscpArchive(dir, input, { qrPort: QR_PORT, ourPort: OUR_PORT }, 20);
    const home = path.join(dir, "home");
    fs.mkdirSync(home);
    const viteNode = path.join(REPO_ROOT, "node_modules", "vite-node", "vite-node.mjs");
    const peer = path.join(REPO_ROOT, "test", "services", "network", "query-retrieve.peer.ts");
    const script = [
      "ip link set lo up",
      `dcmqrscp -c ${JSON.stringify(cfg)} > ${JSON.stringify(path.join(dir, "qr.log"))} 2>&1 &`,
      "QPID=$!",
      `for i in $(seq 1 100); do echoscu -aec DCMQR 127.0.0.1 ${QR_PORT} 2>/dev/null && break; sleep 0.2; done`,
      `${JSON.stringify(process.execPath)} ${JSON.stringify(viteNode)} ${JSON.stringify(peer)} ` +
        `${JSON.stringify(home)} ${OUR_PORT} ${QR_PORT} ${study} ${other} ${uids({ study: 7, series: 2 }).series}`,
      'echo "rc=$?"',
      "kill $QPID; wait $QPID 2>/dev/null",
    ].join("\n");
    const r = spawnSync("unshare", ["-n", "bash", "-c", script], {
      encoding: "utf8",
      cwd: REPO_ROOT,
      env: { ...process.env, LIVERCAD_HOME: home },
      timeout: 240_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    out = `${r.stdout}${r.stderr}`;
    const line = out.split("\n").find((l) => l.startsWith("RESULT "));
    if (line) result = JSON.parse(line.slice(7)) as Record<string, unknown>;
  }, 300_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const matches = (key: string): string[] => {
    const a = result[key] as Answer<{ matches: Study[] }> | undefined;
    expect(a?.ok, `${key}: ${out}`).toBe(true);
    return a!.ok ? a!.value.matches.map((m) => m.studyInstanceUid).sort() : [];
  };

  it("finds studies by patient ID, name and date range at study level", () => {
    expect(matches("all")).toEqual([study, other].sort());
    expect(matches("byId")).toEqual([other]);
    expect(matches("byName")).toEqual([study]);
    expect(matches("inRange")).toEqual([study, other].sort());
    expect(matches("outOfRange")).toEqual([]);
    const all = result.all as Answer<{ matches: Study[] }>;
    if (all.ok) {
      expect(all.value.matches.find((m) => m.studyInstanceUid === study)).toMatchObject({
        patientId: "FIX7",
        studyDate: "20260101",
      });
    }
  });

  it("lists a study's series at series level", () => {
    // dcmqrscp's index keeps no Series Description: the series are checked by UID and modality.
    const a = result.series as Answer<{
      series: { seriesInstanceUid: string; modality: string }[];
    }>;
    expect(a, out).toMatchObject({ ok: true });
    if (a.ok) {
      expect(a.value.series.map((x) => x.seriesInstanceUid).sort()).toEqual(
        [uids({ study: 7, series: 1 }).series, uids({ study: 7, series: 2 }).series].sort(),
      );
      expect(a.value.series.map((x) => x.modality)).toEqual(["MR", "MR"]);
    }
  });

  it("answers clear client errors for a bad range, a bad date, an unknown node, a bad UID", () => {
    expect(result.badRange).toMatchObject({ ok: false, error: { code: "USAGE" } });
    expect(JSON.stringify(result.badRange)).toMatch(/starts \(20260201\) after it ends/);
    expect(result.badDate).toMatchObject({ ok: false });
    expect(result.unknown).toMatchObject({ ok: false, error: { code: "USAGE" } });
    expect(JSON.stringify(result.unknown)).toMatch(/Unknown node \\"ghost\\" \(configured: pacs\)/);
    expect(result.badUid).toMatchObject({ ok: false });
  });

  it("retrieves a study by C-MOVE with followed progress, and imports it like a received one", () => {
    const started = result.retrieve as Answer<Retrieval[]>;
    expect(started, out).toMatchObject({ ok: true });
    if (started.ok) expect(started.value.map((r) => r.state)).toEqual(["queued", "queued"]);
    const final = result.final as Retrieval[];
    const mine = final.find((r) => r.studyInstanceUid === study)!;
    expect(mine, out).toMatchObject({ state: "done", completed: 6, failed: 0, error: null });
    // A study the peer does not have ends with a state, not a hang.
    const missing = final.find((r) => r.studyInstanceUid === "1.2.3.4.5.6.7")!;
    expect(["done", "failed"]).toContain(missing.state);
    expect(missing.completed).toBe(0);
    expect(result.states).toContain(`${study}:done`);
    const c = result.consistency as { instances: number; series: number; missingFiles: string[] };
    expect(c.instances).toBe(6);
    expect(c.series).toBe(2);
    expect(c.missingFiles).toEqual([]);
    expect(result.arrivals).toEqual([
      expect.objectContaining({ studyInstanceUid: study, state: "settled", instances: 6 }),
    ]);
  });

  it("saves edited settings: a bad AE title is refused by name, a good edit is written and audited", () => {
    expect(result.badSave).toMatchObject({ ok: false, error: { code: "USAGE" } });
    expect(JSON.stringify(result.badSave)).toMatch(
      /Local AE title .*20 characters; DICOM allows 16/,
    );
    expect(result.save, out).toMatchObject({
      ok: true,
      value: { listening: true, quietSeconds: 2, nodes: [{ name: "pacs", retrieve: "get" }] },
    });
    expect(result.fileAfterSave).toMatchObject({
      local: { quietSeconds: 2, enabled: true },
      nodes: [{ name: "pacs", retrieve: "get" }],
    });
    const audit = result.audit as { action: string; details_json: string }[];
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details_json)).toMatchObject({
      local: { quietSeconds: { from: 1, to: 2 } },
      changed: ["pacs"],
    });
  });

  it("counts every C-GET sub-operation we refuse: 0xA700 each, the retrieval failed, nothing filed", () => {
    expect(result.getBlocked, out).toEqual([
      expect.objectContaining({
        studyInstanceUid: other,
        method: "get",
        state: "failed",
        failed: 2,
      }),
    ]);
    const [view] = result.getBlocked as { error: string }[];
    expect(view!.error).toMatch(/2 instance\(s\) failed .*Out of Resources/);
    const c = result.consistencyBlocked as { instances: number; missingFiles: string[] };
    expect(c.instances).toBe(6);
    expect(c.missingFiles).toEqual([]);
  });

  it("retrieves a study and a single series by C-GET once the node prefers it", () => {
    expect(result.getStudy, out).toEqual([
      expect.objectContaining({
        studyInstanceUid: other,
        method: "get",
        state: "done",
        completed: 2,
        failed: 0,
      }),
    ]);
    // One series of the study already here: its 3 instances come again and are answered Success.
    expect(result.getSeries, out).toEqual([
      expect.objectContaining({
        studyInstanceUid: study,
        seriesInstanceUid: uids({ study: 7, series: 2 }).series,
        method: "get",
        state: "done",
        completed: 3,
        failed: 0,
      }),
    ]);
    expect(result.seriesTwoStudies).toMatchObject({ ok: false, error: { code: "USAGE" } });
    const c = result.consistencyAfterGet as { instances: number; missingFiles: string[] };
    expect(c.instances).toBe(8);
    expect(c.missingFiles).toEqual([]);
  });
});
