// DICOMweb round trips with Orthanc and its DICOMweb plugin (Debian's `orthanc-dicomweb`), started
// here from a temp JSON config with its HTTP server on 127.0.0.1 inside a private network
// namespace (`unshare -n`, loopback up); the CLI runs in the same namespace: `livercad nodes --add`
// with a URL, then send (STOW-RS), echo, query at study and series level (QIDO-RS) and retrieve of
// a series and a study (WADO-RS) into the registry. Orthanc asks for a login (HTTP Basic): the
// node's Authorization header comes from an environment variable named in network.json. Skipped, saying so, where Orthanc, its plugin
// or unshare is not available.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../../helpers/cli";
import { checkConsistency } from "../import/helpers";
import { uids, writeSeries } from "../import/fixtures";
import { canRunIsolated, section } from "./isolated";

const PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";
const HAS_PLUGIN = fs.existsSync(PLUGIN);
if (!HAS_PLUGIN) console.log(`SKIPPED DICOMweb round trips: no ${PLUGIN} (orthanc-dicomweb)`);
const CAN_RUN = HAS_PLUGIN && canRunIsolated("Orthanc", "DICOMweb round trips");
const HTTP_PORT = 8042;

describe.skipIf(!CAN_RUN)("DICOMweb round trips with Orthanc (isolated loopback)", () => {
  let dir: string;
  let out = "";
  const study = uids({ study: 31, series: 1 }).study;
  const series2 = uids({ study: 31, series: 2 }).series;
  const q = (x: string): string => x.replace(/\./g, "\\.");

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-dicomweb-"));
    const input = path.join(dir, "in");
    writeSeries(input, { study: 31, series: 1, slices: 3, description: "t2 haste" });
    writeSeries(input, { study: 31, series: 2, slices: 4, description: "t1 vibe pre" });
    const config = {
      Name: "livercad-dicomweb-test",
      StorageDirectory: path.join(dir, "orthanc-storage"),
      IndexDirectory: path.join(dir, "orthanc-index"),
      DicomServerEnabled: false,
      HttpServerEnabled: true,
      HttpPort: HTTP_PORT,
      RemoteAccessAllowed: false,
      // Behind a login, as a site's service is: HTTP Basic for the user livercad.
      AuthenticationEnabled: true,
      RegisteredUsers: { livercad: "s3cret" },
      Plugins: [PLUGIN],
      DicomWeb: { Enable: true, Root: "/dicom-web/" },
    };
    const cfg = path.join(dir, "orthanc.json");
    fs.writeFileSync(cfg, JSON.stringify(config));
    const node = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`;
    const url = `http://127.0.0.1:${HTTP_PORT}/dicom-web`;
    const home = (name: string) => `export LIVERCAD_HOME=${JSON.stringify(path.join(dir, name))}`;
    const script = [
      "ip link set lo up",
      `Orthanc ${JSON.stringify(cfg)} > ${JSON.stringify(path.join(dir, "orthanc.log"))} 2>&1 &`,
      "OPID=$!",
      `for i in $(seq 1 150); do curl -sf -u livercad:s3cret ${url}/studies >/dev/null 2>&1 && break; sleep 0.2; done`,
      home("home"),
      // Without credentials the service refuses, and the message says how to give them.
      `echo "### nologin"; ${node} nodes --add pacsweb ${url} >/dev/null; ${node} echo pacsweb 2>&1; echo "rc=$?"`,
      `export PACS_AUTH="Basic $(printf livercad:s3cret | base64)"`,
      `echo "### nodes"; ${node} nodes --add pacsweb ${url} --auth-env PACS_AUTH; echo "rc=$?"`,
      `echo "### send"; ${node} send pacsweb ${JSON.stringify(input)}; echo "rc=$?"`,
      `echo "### echo"; ${node} echo pacsweb; echo "rc=$?"`,
      `echo "### query"; ${node} query pacsweb --modality MR --json; echo "rc=$?"`,
      `echo "### series"; ${node} query pacsweb --study ${study} --json; echo "rc=$?"`,
      `echo "### nomatch"; ${node} query pacsweb --patient-id NOBODY; echo "rc=$?"`,
      `echo "### retrieve-series"; ${node} retrieve pacsweb ${study} --series ${series2} --no-analyze; echo "rc=$?"`,
      `echo "### retrieve"; ${node} retrieve pacsweb ${study} --no-analyze; echo "rc=$?"`,
      `echo "### unknown"; ${node} retrieve pacsweb 1.2.3.4.5.6.7 --no-analyze; echo "rc=$?"`,
      `echo "### method"; ${node} retrieve pacsweb ${study} --method get 2>&1; echo "rc=$?"`,
      'kill $OPID; wait $OPID 2>/dev/null; echo "### end"',
      home("home-down"),
      "unset PACS_AUTH",
      `${node} nodes --add pacsweb ${url} > /dev/null`,
      `echo "### down"; ${node} echo pacsweb 2>&1; echo "rc=$?"`,
    ].join("\n");
    const r = spawnSync("unshare", ["-n", "bash", "-c", script], {
      encoding: "utf8",
      timeout: 180_000,
    });
    out = `${r.stdout}${r.stderr}`;
  }, 240_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps a DICOMweb node in network.json, its login's variable but not the secret", () => {
    expect(section(out, "nodes"), out).toMatch(
      /pacsweb\thttp:\/\/127\.0\.0\.1:8042\/dicom-web\tdicomweb\tauth=\$PACS_AUTH\nrc=0/,
    );
    const file = fs.readFileSync(path.join(dir, "home", "network.json"), "utf8");
    expect(JSON.parse(file).webNodes).toEqual([
      { name: "pacsweb", url: "http://127.0.0.1:8042/dicom-web", authEnv: "PACS_AUTH" },
    ]);
    expect(file).not.toContain("s3cret");
    expect(file).not.toContain(Buffer.from("livercad:s3cret").toString("base64"));
  });

  it("says how to log in when the service refuses a request without credentials", () => {
    expect(section(out, "nologin"), out).toMatch(
      /HTTP 401 Unauthorized.*the service wants a login: livercad nodes --add NAME URL --auth-env VAR, or --oauth-token-url\)\nrc=1/,
    );
  });

  it("stores a study by STOW-RS, every instance named in the answer", () => {
    expect(section(out, "send"), out).toMatch(/sent=7 failed=0\nrc=0/);
  });

  it("checks the service answers (echo) and finds the study and its series (QIDO-RS)", () => {
    expect(section(out, "echo"), out).toMatch(
      /echo http:\/\/127\.0\.0\.1:8042\/dicom-web http=200 ms=/,
    );
    const s = section(out, "query");
    const studies = JSON.parse(s.slice(0, s.lastIndexOf("rc="))) as {
      matches: { studyInstanceUid: string; patientId: string; instances: number | null }[];
    };
    expect(studies.matches.map((m) => [m.studyInstanceUid, m.patientId, m.instances])).toEqual([
      [study, "FIX31", 7],
    ]);
    const t = section(out, "series");
    const series = JSON.parse(t.slice(0, t.lastIndexOf("rc="))) as {
      matches: { seriesInstanceUid: string; description: string; instances: number | null }[];
    };
    expect(series.matches.map((m) => `${m.description}:${m.instances}`).sort()).toEqual([
      "t1 vibe pre:4",
      "t2 haste:3",
    ]);
    expect(section(out, "nomatch")).toMatch(/matches=0\nrc=0/);
  });

  it("retrieves one series, then the whole study, by WADO-RS into the registry", () => {
    expect(section(out, "retrieve-series"), out).toMatch(
      new RegExp(
        `retrieve ${q(study)} http=200 completed=4 failed=0 series=${q(series2)} method=wado\n`,
      ),
    );
    expect(section(out, "retrieve"), out).toMatch(
      new RegExp(`retrieve ${q(study)} http=200 completed=7 failed=0 method=wado\n`),
    );
    // The arrival window's line follows each retrieval, then the exit code.
    expect(section(out, "retrieve-series")).toMatch(/arrived: 4 instances from pacsweb.*\nrc=0/);
    expect(section(out, "retrieve")).toMatch(/\nrc=0/);
    const c = checkConsistency(path.join(dir, "home", "registry.sqlite"));
    expect(c.instances).toBe(7);
    expect(c.series).toBe(2);
    expect(c.missingFiles).toEqual([]);
  });

  it("says what went wrong: a study the service lacks, --method, a service that is down", () => {
    expect(section(out, "unknown"), out).toMatch(
      /retrieve 1\.2\.3\.4\.5\.6\.7 http=404 completed=0 failed=0 method=wado: not found on pacsweb \(HTTP 404\)\nrc=1/,
    );
    expect(section(out, "method")).toMatch(/is a DICOMweb node: it is retrieved by WADO-RS/);
    const down = section(out, "down");
    expect(down, out).toMatch(
      /pacsweb \(http:\/\/127\.0\.0\.1:8042\/dicom-web\/studies\?limit=1\): .*ECONNREFUSED/,
    );
    expect(down).not.toMatch(/rc=0/);
  });
});
