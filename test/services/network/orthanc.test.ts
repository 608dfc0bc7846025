// Round trips with Orthanc (Debian's `Orthanc`, started here from a temp JSON config with its own
// storage): livercad send -> echo -> query (study, series) -> retrieve (C-MOVE to our own AE).
// Orthanc 1.10 binds 0.0.0.0 whatever its config says, so it runs inside a private network
// namespace (`unshare -n`, loopback up) and the CLI runs in the same namespace; nothing listens
// outside it. Skipped, saying so, where Orthanc or unshare is not available.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFixture, exportFixture } from "../../export/fixture";
import { CLI, runCli } from "../../helpers/cli";
import { checkConsistency } from "../import/helpers";
import { uids, writeSeries } from "../import/fixtures";
import { canRunIsolated, section } from "./isolated";

const CAN_UNSHARE = canRunIsolated("Orthanc", "Orthanc round trips");

const ORTHANC_DICOM = 4242;
const OUR_PORT = 11112;

describe.skipIf(!CAN_UNSHARE)("Orthanc round trips (isolated loopback)", () => {
  let dir: string;
  let out = "";
  const study = uids({ study: 7, series: 1 }).study;
  const series1 = uids({ study: 7, series: 1 }).series;
  const series2 = uids({ study: 7, series: 2 }).series;
  const bigStudy = uids({ study: 9, series: 1 }).study;
  const BIG = 300;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-orthanc-"));
    const input = path.join(dir, "in");
    const big = path.join(dir, "big");
    writeSeries(input, { study: 7, series: 1, slices: 3, description: "t2 haste" });
    writeSeries(input, { study: 7, series: 2, slices: 3, description: "t1 vibe pre" });
    // Round 7: a 300-instance study, sent last, whose retrievals are cancelled mid-transfer.
    writeSeries(big, { study: 9, series: 1, slices: BIG, description: "t2 haste" });
    const config = {
      Name: "livercad-test",
      StorageDirectory: path.join(dir, "orthanc-storage"),
      IndexDirectory: path.join(dir, "orthanc-index"),
      DicomAet: "ORTHANC",
      DicomPort: ORTHANC_DICOM,
      HttpServerEnabled: false,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      DicomCheckCalledAet: false,
      DicomAlwaysAllowEcho: true,
      DicomAlwaysAllowStore: true,
      DicomModalities: { livercad: ["LIVERCAD", "127.0.0.1", OUR_PORT] },
      Plugins: [],
    };
    const cfg = path.join(dir, "orthanc.json");
    fs.writeFileSync(cfg, JSON.stringify(config));
    // Issue 15's result objects (TID 1500 SR and GSPS of two analyzed phantom studies), written by
    // `livercad export`, go to Orthanc too: it must accept every one of them.
    const results = path.join(dir, "results");
    // A private copy: exporting SR/GSPS stores them as result objects in the registry, and other
    // test files copy the shared fixture at the same time.
    const dbFile = copyFixture(exportFixture());
    for (const format of ["sr", "gsps"]) {
      const e = runCli(["export", "--format", format, "--out", results, "--db", dbFile]);
      if (e.status !== 0) throw new Error(`export ${format}: ${e.stderr}`);
    }
    const node = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`;
    const peer = `ORTHANC@127.0.0.1:${ORTHANC_DICOM}`;
    const script = [
      "ip link set lo up",
      `Orthanc ${JSON.stringify(cfg)} > ${JSON.stringify(path.join(dir, "orthanc.log"))} 2>&1 &`,
      "OPID=$!",
      `for i in $(seq 1 150); do echoscu -aec ORTHANC 127.0.0.1 ${ORTHANC_DICOM} 2>/dev/null && break; sleep 0.2; done`,
      `echo "### send"; ${node} send ${peer} ${JSON.stringify(input)}; echo "rc=$?"`,
      `echo "### results"; ${node} send ${peer} ${JSON.stringify(results)}; echo "rc=$?"`,
      `echo "### echo"; ${node} echo ${peer}; echo "rc=$?"`,
      `echo "### query"; ${node} query ${peer} --modality MR --json; echo "rc=$?"`,
      `echo "### series"; ${node} query ${peer} --study ${study} --json; echo "rc=$?"`,
      `echo "### nomatch"; ${node} query ${peer} --patient-id NOBODY; echo "rc=$?"`,
      `echo "### retrieve"; ${node} retrieve ${peer} ${study} --port ${OUR_PORT} --no-analyze; echo "rc=$?"`,
      `echo "### unknown"; ${node} retrieve ${peer} 1.2.3.4.5.6.7 --port ${OUR_PORT} --no-analyze; echo "rc=$?"`,
      // C-GET and SERIES level (issue 14 round 6), each into its own data directory.
      `export LIVERCAD_HOME=${JSON.stringify(path.join(dir, "home-get"))}`,
      `echo "### get-series"; ${node} retrieve ${peer} ${study} --series ${series1} --method get --no-analyze; echo "rc=$?"`,
      `echo "### get"; ${node} retrieve ${peer} ${study} --method get --no-analyze; echo "rc=$?"`,
      `echo "### get-unknown"; ${node} retrieve ${peer} 1.2.3.4.5.6.7 --method get --no-analyze; echo "rc=$?"`,
      `export LIVERCAD_HOME=${JSON.stringify(path.join(dir, "home-series"))}`,
      `echo "### move-series"; ${node} retrieve ${peer} ${study} --series ${series2} --port ${OUR_PORT} --no-analyze; echo "rc=$?"`,
      `echo "### series-usage"; ${node} retrieve ${peer} ${study} 1.2.3 --series ${series2} 2>&1; echo "rc=$?"`,
      // Round 7: C-CANCEL. SIGINT once 5 instances are filed; Orthanc must answer 0xFE00.
      `echo "### big"; ${node} send ${peer} ${JSON.stringify(big)} | tail -1; echo "rc=$?"`,
      ...(["move", "get"] as const).flatMap((m) => {
        const home = JSON.stringify(path.join(dir, `home-cancel-${m}`));
        const count = (ext: string) => `$(find ${home} -name '*.${ext}' 2>/dev/null | wc -l)`;
        return [
          `export LIVERCAD_HOME=${home}`,
          `echo "### cancel-${m}"; ${node} retrieve ${peer} ${bigStudy} --method ${m} --port ${OUR_PORT} --no-analyze 2>&1 & P=$!`,
          `for i in $(seq 1 1200); do [ ${count("dcm")} -ge 5 ] && break; sleep 0.05; done`,
          `kill -INT $P; wait $P; echo "rc=$?"; echo "files=${count("dcm")} tmp=${count("tmp")}"`,
        ];
      }),
      'kill $OPID; wait $OPID 2>/dev/null; echo "### end"',
    ].join("\n");
    const r = spawnSync("unshare", ["-n", "bash", "-c", script], {
      encoding: "utf8",
      env: { ...process.env, LIVERCAD_HOME: path.join(dir, "home") },
      timeout: 240_000,
    });
    out = `${r.stdout}${r.stderr}`;
  }, 300_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("sends a study to Orthanc with every response checked", () => {
    expect(section(out, "send"), out).toMatch(/sent=6 failed=0\nrc=0/);
  });

  it("has Orthanc accept the SR and GSPS that livercad export writes (issue 15)", () => {
    // Two analyzed studies: one SR and one GSPS each, every C-STORE answered Success.
    expect(section(out, "results"), out).toMatch(/sent=4 failed=0\nrc=0/);
  });

  it("echoes Orthanc", () => {
    expect(section(out, "echo")).toMatch(/status=0x0000 .*\nrc=0/);
  });

  it("finds the study at study level and its two series at series level", () => {
    const q = section(out, "query");
    const studies = JSON.parse(q.slice(0, q.lastIndexOf("rc="))) as {
      matches: { studyInstanceUid: string; patientId: string }[];
    };
    expect(studies.matches.map((m) => [m.studyInstanceUid, m.patientId])).toEqual([
      [study, "FIX7"],
    ]);
    const s = section(out, "series");
    const series = JSON.parse(s.slice(0, s.lastIndexOf("rc="))) as {
      matches: { seriesInstanceUid: string; description: string }[];
    };
    expect(series.matches.map((m) => m.description).sort()).toEqual(["t1 vibe pre", "t2 haste"]);
    expect(section(out, "nomatch")).toMatch(/matches=0\nrc=0/);
  });

  it("retrieves the study by C-MOVE into this workstation's registry", () => {
    expect(section(out, "retrieve"), out).toMatch(
      new RegExp(
        `retrieve ${study.replace(/\./g, "\\.")} status=0x0000 \\(Success\\) completed=6 failed=0`,
      ),
    );
    expect(section(out, "retrieve")).toMatch(/rc=0/);
    const c = checkConsistency(path.join(dir, "home", "registry.sqlite"));
    expect(c.instances).toBe(6);
    expect(c.series).toBe(2);
    expect(c.missingFiles).toEqual([]);
    // A study Orthanc does not have: a clear result, not a hang.
    expect(section(out, "unknown")).toMatch(/completed=0/);
  });

  it("retrieves one series, then the whole study, by C-GET on its own association", () => {
    const q = (x: string): string => x.replace(/\./g, "\\.");
    expect(section(out, "get-series"), out).toMatch(
      new RegExp(
        `retrieve ${q(study)} status=0x0000 \\(Success\\) completed=3 failed=0 warnings=0 ` +
          `series=${q(series1)} method=get\n`,
      ),
    );
    // The study after its first series: the three already filed are answered Success again.
    expect(section(out, "get"), out).toMatch(
      new RegExp(
        `retrieve ${q(study)} status=0x0000 \\(Success\\) completed=6 failed=0 .*method=get\n`,
      ),
    );
    expect(section(out, "get-series")).toMatch(/rc=0/);
    expect(section(out, "get")).toMatch(/rc=0/);
    const c = checkConsistency(path.join(dir, "home-get", "registry.sqlite"));
    expect(c.instances).toBe(6);
    expect(c.series).toBe(2);
    expect(c.missingFiles).toEqual([]);
    // Nothing to get: a final answer with nothing completed, not a hang.
    expect(section(out, "get-unknown")).toMatch(/completed=0 failed=0 .*method=get\nrc=1/);
  });

  it("retrieves a single series by C-MOVE at SERIES level", () => {
    expect(section(out, "move-series"), out).toMatch(/completed=3 failed=0 .*method=move\nrc=0/);
    const c = checkConsistency(path.join(dir, "home-series", "registry.sqlite"));
    expect(c.instances).toBe(3);
    expect(c.series).toBe(1);
    expect(section(out, "series-usage")).toMatch(/--series needs exactly one Study Instance UID/);
  });

  it("cancels a C-MOVE and a C-GET mid-transfer: Orthanc answers 0xFE00, what came is whole", () => {
    const q = (x: string): string => x.replace(/\./g, "\\.");
    expect(section(out, "big"), out).toMatch(/sent=300 failed=0\nrc=0/);
    for (const m of ["move", "get"]) {
      const text = section(out, `cancel-${m}`);
      const line = new RegExp(
        `retrieve ${q(bigStudy)} status=0xFE00 \\(Cancel\\) completed=(\\d+) failed=0 warnings=0 method=${m}\n`,
      ).exec(text);
      expect(line, text).not.toBeNull();
      const completed = Number(line![1]);
      expect(completed, text).toBeGreaterThanOrEqual(5);
      expect(completed, text).toBeLessThan(BIG);
      expect(text).toMatch(/SIGINT: cancelling the retrieval \(C-CANCEL\)/);
      expect(text).toMatch(/rc=130/);
      const c = checkConsistency(path.join(dir, `home-cancel-${m}`, "registry.sqlite"));
      // Orthanc may send the sub-operation under way when the cancel came and not count it
      // (seen with C-GET): we filed it whole, so one more than its count can be here.
      expect(c.instances - completed, text).toBeGreaterThanOrEqual(0);
      expect(c.instances - completed, text).toBeLessThanOrEqual(1);
      expect(c.missingFiles).toEqual([]);
      expect(text).toContain(`files=${c.instances} tmp=0`);
    }
  });
});
