// `livercad listen` as a Query/Retrieve SCP, as a site runs it (the built CLI, data directory from
// $LIVERCAD_HOME, port 0): storescu fills it, findscu finds the study, movescu moves it to a
// dcmtk storescp configured as a node in network.json (`livercad nodes --add`); the log names
// each query and move without patient data. With `--no-qr`, or `"queryRetrieve": false` in
// network.json, the Q/R SOP classes are rejected in association negotiation.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, runCli } from "../../helpers/cli";
import { uids, writeSeries } from "../import/fixtures";
import { freePort } from "../../helpers/ports";

const HAS_DCMTK = ["findscu", "movescu", "storescu", "storescp"].every(
  (cmd) => spawnSync(cmd, ["--version"]).status === 0,
);

function peer(cmd: string, args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args);
    let out = "";
    c.stdout.on("data", (d: Buffer) => (out += d.toString()));
    c.stderr.on("data", (d: Buffer) => (out += d.toString()));
    c.on("close", (code) => resolve({ status: code ?? -1, out }));
  });
}

interface Listener {
  child: ChildProcess;
  port: string;
  log: () => string;
  stop: () => Promise<number>;
}

/** Every listener started here, killed in afterAll should an assertion stop a test midway. */
const started: ChildProcess[] = [];

async function listen(home: string, extra: string[] = []): Promise<Listener> {
  const child = spawn(
    process.execPath,
    [CLI, "listen", "--port", "0", "--no-analyze", "--quiet-seconds", "0.2", ...extra],
    { env: { ...process.env, LIVERCAD_HOME: home } },
  );
  started.push(child);
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!/listening aet=LIVERCAD bind=127\.0\.0\.1 port=\d+/.test(out) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = /port=(\d+)/.exec(out)?.[1];
  if (!port) throw new Error(`livercad listen did not start: ${out}`);
  return {
    child,
    port,
    log: () => out,
    stop: () =>
      new Promise((resolve) => {
        child.on("close", (code) => resolve(code ?? -1));
        child.kill("SIGTERM");
      }),
  };
}

describe.skipIf(!HAS_DCMTK)("livercad listen as a Query/Retrieve SCP", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-qr-cli-"));
  const home = path.join(dir, "home");
  let storescp: ChildProcess | null = null;
  afterAll(() => {
    for (const c of started) if (c.exitCode === null) c.kill("SIGTERM");
    storescp?.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers findscu and moves a study to a configured node; --no-qr and network.json turn it off", async () => {
    const scpDir = path.join(dir, "storescp");
    fs.mkdirSync(scpDir);
    const scpPort = await freePort();
    storescp = spawn("storescp", ["-aet", "STORESCP", "-od", scpDir, String(scpPort)]);
    const added = runCli(["nodes", "--add", "viewer", `STORESCP@127.0.0.1:${scpPort}`], {
      LIVERCAD_HOME: home,
    });
    expect(added.status, added.stderr).toBe(0);

    const files = writeSeries(path.join(dir, "in"), { study: 81, series: 1, slices: 4 });
    const study = uids({ study: 81, series: 1 }).study;
    const node = await listen(home, [
      "--allow",
      "STORESCU",
      "--allow",
      "FINDSCU",
      "--allow",
      "MOVESCU",
    ]);
    expect(node.log()).toMatch(/query\/retrieve on/);
    const store = await peer("storescu", ["-aec", "LIVERCAD", "127.0.0.1", node.port, ...files]);
    expect(store.status, store.out).toBe(0);

    const found = await peer("findscu", [
      "-S",
      "-v",
      "-aec",
      "LIVERCAD",
      "-k",
      "QueryRetrieveLevel=STUDY",
      "-k",
      "PatientID=FIX81",
      "-k",
      "StudyInstanceUID",
      "-k",
      "NumberOfStudyRelatedInstances",
      "127.0.0.1",
      node.port,
    ]);
    expect(found.status, found.out).toBe(0);
    expect(found.out).toContain(study);
    expect(found.out).toMatch(/IS \[4 ?\] +# +2, 1 NumberOfStudyRelatedInstances/);

    const moved = await peer("movescu", [
      "-S",
      "-aet",
      "MOVESCU",
      "-aec",
      "LIVERCAD",
      "-aem",
      "STORESCP",
      "-k",
      "QueryRetrieveLevel=STUDY",
      "-k",
      `StudyInstanceUID=${study}`,
      "127.0.0.1",
      node.port,
    ]);
    expect(moved.status, moved.out).toBe(0);
    expect(fs.readdirSync(scpDir)).toHaveLength(4);
    expect(await node.stop()).toBe(0);
    const log = node.log();
    expect(log).toMatch(/c-find from FINDSCU STUDY ROOT level=STUDY matches=1 status=0x0000/);
    expect(log).toMatch(
      /c-move from MOVESCU to STORESCP level=STUDY completed=4 failed=0 warnings=0 status=0x0000/,
    );
    expect(log).not.toMatch(/Fixture81/);

    // --no-qr: C-ECHO / C-STORE only; the FIND context is rejected in negotiation.
    const noQr = await listen(home, ["--no-qr"]);
    expect(noQr.log()).toMatch(/query\/retrieve off/);
    const refused = await peer("findscu", [
      "-S",
      "-aec",
      "LIVERCAD",
      "-k",
      "QueryRetrieveLevel=STUDY",
      "127.0.0.1",
      noQr.port,
    ]);
    expect(refused.status).not.toBe(0);
    expect(refused.out).toMatch(/No Acceptable Presentation Contexts/i);
    expect(await noQr.stop()).toBe(0);

    // The same switch in network.json.
    const file = path.join(home, "network.json");
    const settings = JSON.parse(fs.readFileSync(file, "utf8")) as {
      local: Record<string, unknown>;
    };
    settings.local.queryRetrieve = false;
    fs.writeFileSync(file, JSON.stringify(settings));
    const off = await listen(home);
    expect(off.log()).toMatch(/query\/retrieve off/);
    const refused2 = await peer("movescu", [
      "-S",
      "-aec",
      "LIVERCAD",
      "-aem",
      "STORESCP",
      "-k",
      "QueryRetrieveLevel=STUDY",
      "-k",
      `StudyInstanceUID=${study}`,
      "127.0.0.1",
      off.port,
    ]);
    expect(refused2.status).not.toBe(0);
    expect(await off.stop()).toBe(0);
  });
});
