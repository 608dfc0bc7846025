// Cancelling a running retrieval (issue 14 round 7, C-CANCEL, PS3.7 9.3.2.3 / 9.3.3.3) against a
// real peer: dcmtk's dcmqrscp with one study of 300 instances, inside a private network namespace
// (`unshare -n`, loopback up; dcmqrscp binds every interface) with cancel.peer.ts, which runs the
// built CLI and the workstation service. Also a slow peer that ignores the cancel (fake-pacs.ts).
// Skipped, saying so, where dcmqrscp or unshare is missing.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/cli";
import { uids, writeSeries } from "../import/fixtures";
import { canRunIsolated, dcmqrscpArchive } from "./isolated";

const CAN_UNSHARE = canRunIsolated("dcmqrscp", "retrieval cancel");

const QR_PORT = 11113;
const OUR_PORT = 11112;
const BIG = 300;

interface Consistency {
  instances: number;
  series: number;
  studies: number;
  missingFiles: string[];
  emptySeries: number;
  emptyStudies: number;
}
interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  rowsAtSignal: number;
  consistency: Consistency;
  files: { dcm: number; tmp: number };
}
interface View {
  id: number;
  studyInstanceUid: string;
  method: string;
  state: string;
  completed: number;
  remaining: number;
  failed: number;
  status: number | null;
  error: string | null;
}

/** `retrieve <uid> status=... completed=N failed=N warnings=N ...` as its fields. */
function retrieveLine(stdout: string, uid: string): Record<string, string> | null {
  const line = stdout.split("\n").find((l) => l.startsWith(`retrieve ${uid} status=`));
  if (!line) return null;
  const status = /status=(\S+) \(([^)]*)\)/.exec(line)!;
  const fields: Record<string, string> = { status: status[1]!, text: status[2]! };
  for (const m of line.matchAll(/ (\w+)=(\S+)/g)) fields[m[1]!] ??= m[2]!;
  return fields;
}

describe.skipIf(!CAN_UNSHARE)("cancelling a running C-MOVE / C-GET", () => {
  let dir: string;
  let out = "";
  let result: Record<string, unknown> = {};
  const big = uids({ study: 21, series: 1 }).study;
  const small = uids({ study: 22, series: 1 }).study;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-cancel-"));
    const input = path.join(dir, "in");
    writeSeries(input, { study: 21, series: 1, slices: BIG, description: "t2 haste" });
    const [smallFile] = writeSeries(input, {
      study: 22,
      series: 1,
      slices: 2,
      description: "t2 haste",
    });
    const cfg = dcmqrscpArchive(dir, input, { qrPort: QR_PORT, ourPort: OUR_PORT }, 400);
    const viteNode = path.join(REPO_ROOT, "node_modules", "vite-node", "vite-node.mjs");
    const peer = path.join(REPO_ROOT, "test", "services", "network", "cancel.peer.ts");
    const script = [
      "ip link set lo up",
      `dcmqrscp -c ${JSON.stringify(cfg)} > ${JSON.stringify(path.join(dir, "qr.log"))} 2>&1 &`,
      "QPID=$!",
      `for i in $(seq 1 100); do echoscu -aec DCMQR 127.0.0.1 ${QR_PORT} 2>/dev/null && break; sleep 0.2; done`,
      `${JSON.stringify(process.execPath)} ${JSON.stringify(viteNode)} ${JSON.stringify(peer)} ` +
        `${JSON.stringify(path.join(dir, "homes"))} ${OUR_PORT} ${QR_PORT} ${big} ${small} ` +
        JSON.stringify(smallFile),
      'echo "rc=$?"',
      "kill $QPID; wait $QPID 2>/dev/null",
    ].join("\n");
    const r = spawnSync("unshare", ["-n", "bash", "-c", script], {
      encoding: "utf8",
      cwd: REPO_ROOT,
      timeout: 400_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    out = `${r.stdout}${r.stderr}`;
    const line = out.split("\n").find((l) => l.startsWith("RESULT "));
    if (line) result = JSON.parse(line.slice(7)) as Record<string, unknown>;
  }, 420_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** What a cancelled run left: only whole instances, each with its row and its file. */
  function expectConsistent(c: Consistency, files: { dcm: number; tmp: number }): void {
    expect(c.missingFiles).toEqual([]);
    expect(c.emptySeries).toBe(0);
    expect(c.emptyStudies).toBe(0);
    expect(files.dcm).toBe(c.instances);
    expect(files.tmp).toBe(0);
  }

  it("livercad retrieve by C-MOVE: SIGINT sends C-CANCEL, the peer answers 0xFE00, exit 130", () => {
    const run = result.cliMove as CliRun;
    expect(run, out).toBeDefined();
    expect(run.rowsAtSignal, out).toBeGreaterThanOrEqual(5);
    expect(run.stderr).toMatch(/SIGINT: cancelling the retrieval \(C-CANCEL\)/);
    const line = retrieveLine(run.stdout, big);
    expect(line, run.stdout + run.stderr).toMatchObject({
      status: "0xFE00",
      text: "Cancel",
      method: "move",
    });
    const completed = Number(line!.completed);
    // Stopped mid-transfer: some came, not all; each counted one arrived and stayed.
    expect(completed).toBeGreaterThanOrEqual(5);
    expect(completed).toBeLessThan(BIG);
    expect(run.consistency.instances).toBe(completed);
    expectConsistent(run.consistency, run.files);
    expect(run.code).toBe(130);
  });

  it("livercad retrieve by C-GET: SIGTERM cancels, the next study is not started, exit 143", () => {
    const run = result.cliGet as CliRun;
    expect(run, out).toBeDefined();
    const line = retrieveLine(run.stdout, big);
    expect(line, run.stdout + run.stderr).toMatchObject({
      status: "0xFE00",
      text: "Cancel",
      method: "get",
    });
    const completed = Number(line!.completed);
    expect(completed).toBeGreaterThanOrEqual(5);
    expect(completed).toBeLessThan(BIG);
    expect(run.stdout).toContain(`retrieve ${small} not started (cancelled)`);
    expect(run.consistency.instances).toBe(completed);
    expect(run.consistency.studies).toBe(1);
    expectConsistent(run.consistency, run.files);
    expect(run.code).toBe(143);
  });

  for (const method of ["move", "get"] as const) {
    it(`the app (C-${method.toUpperCase()}): a queued retrieval never starts, a running one ends cancelled with its counts`, () => {
      const app = result[method === "move" ? "appMove" : "appGet"] as Record<string, unknown>;
      expect(app, out).toBeDefined();
      expect(app.queuedCancel, out).toMatchObject({
        ok: true,
        value: { studyInstanceUid: small, state: "cancelled", completed: 0 },
      });
      expect(app.unknownCancel).toMatchObject({ ok: false, error: { code: "USAGE" } });
      expect(JSON.stringify(app.unknownCancel)).toMatch(/No retrieval 99999/);
      expect(app.badCancel).toMatchObject({ ok: false });
      expect(app.progressAtCancel).toBeGreaterThanOrEqual(5);
      expect(app.cancel, out).toMatchObject({ ok: true, value: { state: "cancelling" } });
      const final = app.final as View[];
      const bigView = final.find((v) => v.studyInstanceUid === big)!;
      expect(bigView, out).toMatchObject({
        state: "cancelled",
        status: 0xfe00,
        method,
        error: null,
      });
      expect(bigView.completed).toBeGreaterThanOrEqual(5);
      expect(bigView.completed).toBeLessThan(BIG);
      const smallView = final.find((v) => v.studyInstanceUid === small)!;
      expect(smallView).toMatchObject({ state: "cancelled", completed: 0, status: null });
      expect(app.states).toContain("big:cancelled");
      expect(app.states).not.toContain("small:running");
      // Cancelling what has ended changes nothing.
      expect(app.cancelAgain).toMatchObject({ ok: true, value: { state: "cancelled" } });
      const c = app.consistency as Consistency;
      expect(c.instances).toBe(bigView.completed);
      expectConsistent(c, app.files as { dcm: number; tmp: number });
      expect(app.arrivals).toEqual([
        expect.objectContaining({
          studyInstanceUid: big,
          state: "settled",
          instances: c.instances,
        }),
      ]);
    });
  }

  it("a peer that ignores C-CANCEL: the association is aborted after --cancel-seconds, said so", () => {
    const run = result.cliDeaf as CliRun;
    expect(run, out).toBeDefined();
    const seen = result.deafSeen as { cancels: number[]; aborts: number; sent: number };
    expect(run.rowsAtSignal, JSON.stringify(run)).toBeGreaterThanOrEqual(1);
    expect(seen.cancels, JSON.stringify({ seen, run })).toHaveLength(1);
    expect(seen.aborts).toBe(1);
    expect(seen.sent).toBeLessThan(40);
    const line = retrieveLine(run.stdout, small);
    expect(line, run.stdout + run.stderr).toMatchObject({
      status: "none",
      text: "no final response: association aborted after C-CANCEL",
      method: "move",
    });
    expect(run.stderr).toMatch(
      /DEAF sent no final response within 2 s of the C-CANCEL: the association was aborted/,
    );
    expect(run.consistency.instances).toBe(1);
    expectConsistent(run.consistency, run.files);
    expect(run.code).toBe(130);
  });
});
