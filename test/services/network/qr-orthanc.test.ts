// A PACS pulling from this workstation (issue 14 §4): Orthanc (Debian's, from a temp JSON config)
// queries `livercad listen` by C-FIND through its REST API and retrieves the study by C-MOVE to
// itself, our listener's C-STORE sub-operations going to the node `livercad nodes --add` named.
// Orthanc 1.10 binds 0.0.0.0 whatever its config says, so everything runs inside a private
// network namespace (`unshare -n`, loopback up), as in orthanc.test.ts. Skipped, saying so, where
// Orthanc or unshare is not available.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../../helpers/cli";
import { uids, writeSeries } from "../import/fixtures";
import { canRunIsolated, section } from "./isolated";

const CAN_UNSHARE = canRunIsolated("Orthanc", "Orthanc pulling from us");

/** Orthanc's REST API from bash through Node's fetch: `http URL [METHOD [BODY]]`, exit 1 on error. */
const HTTP_FN =
  'http() { "$NODE" -e \'fetch(process.argv[1], {method: process.argv[2] || "GET", body: process.argv[3]})' +
  ".then((r) => r.ok ? r.text() : Promise.reject(new Error(String(r.status))))" +
  '.then((t) => process.stdout.write(t)).catch((e) => { console.error(e.message); process.exit(1); })\' "$@"; }';

const ORTHANC_DICOM = 4242;
const ORTHANC_HTTP = 8042;
const OUR_PORT = 11112;

describe.skipIf(!CAN_UNSHARE)("Orthanc queries and retrieves from livercad listen", () => {
  let dir: string;
  let out = "";
  const study = uids({ study: 9, series: 1 }).study;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-qr-orthanc-"));
    const input = path.join(dir, "in");
    writeSeries(input, { study: 9, series: 1, slices: 3, studyDate: "20250410" });
    writeSeries(input, { study: 9, series: 2, slices: 2, studyDate: "20250410" });
    writeSeries(input, { study: 10, series: 1, slices: 2, studyDate: "20240101" });
    const config = {
      Name: "livercad-qr-test",
      StorageDirectory: path.join(dir, "orthanc-storage"),
      IndexDirectory: path.join(dir, "orthanc-index"),
      DicomAet: "ORTHANC",
      DicomPort: ORTHANC_DICOM,
      HttpServerEnabled: true,
      HttpPort: ORTHANC_HTTP,
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
    const node = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`;
    const log = JSON.stringify(path.join(dir, "listen.log"));
    const api = `http://127.0.0.1:${ORTHANC_HTTP}`;
    const script = [
      "ip link set lo up",
      `NODE=${JSON.stringify(process.execPath)}`,
      HTTP_FN,
      `Orthanc ${JSON.stringify(cfg)} > ${JSON.stringify(path.join(dir, "orthanc.log"))} 2>&1 &`,
      "OPID=$!",
      `${node} nodes --add pacs ORTHANC@127.0.0.1:${ORTHANC_DICOM} > /dev/null`,
      `${node} listen --port ${OUR_PORT} --no-analyze --allow ORTHANC --allow STORESCU > ${log} 2>&1 &`,
      "LPID=$!",
      `for i in $(seq 1 300); do grep -q '^listening' ${log} && break; sleep 0.2; done`,
      `for i in $(seq 1 150); do http ${api}/system > /dev/null 2>&1 && break; sleep 0.2; done`,
      `storescu +sd +r -aet STORESCU -aec LIVERCAD 127.0.0.1 ${OUR_PORT} ${JSON.stringify(input)} 2>&1 | tail -3; echo "stored rc=\${PIPESTATUS[0]}"`,
      // Orthanc's C-FIND to us: a date range and a patient ID wildcard.
      `Q=$(http ${api}/modalities/livercad/query POST '{"Level":"Study","Query":{"PatientID":"FIX*","StudyDate":"20250101-20251231","NumberOfStudyRelatedInstances":""}}')`,
      `ID=$(echo "$Q" | sed -n 's/.*"ID" *: *"\\([^"]*\\)".*/\\1/p')`,
      `echo "### answers"; http "${api}/queries/$ID/answers?expand&simplify"; echo`,
      `echo "### retrieve"; http ${api}/queries/$ID/answers/0/retrieve POST ORTHANC; echo`,
      `echo "### orthanc"; http ${api}/statistics; echo; http "${api}/studies?expand" | grep -o '"StudyInstanceUID" *: *"[^"]*"'`,
      "kill $LPID; wait $LPID 2>/dev/null",
      `echo "### listen"; cat ${log}`,
      'kill $OPID; wait $OPID 2>/dev/null; echo "### end"',
    ].join("\n");
    const r = spawnSync("unshare", ["-n", "bash", "-c", script], {
      encoding: "utf8",
      env: { ...process.env, LIVERCAD_HOME: path.join(dir, "home"), TCP_NODELAY: "1" },
      timeout: 240_000,
    });
    out = `${r.stdout}${r.stderr}`;
  }, 300_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers Orthanc's C-FIND with the one study in the date range", () => {
    expect(out, out).toMatch(/stored rc=0/);
    const answers = section(out, "answers");
    expect(answers, out).toContain(study);
    expect(answers).not.toContain(uids({ study: 10, series: 1 }).study);
    expect(answers).toMatch(/"NumberOfStudyRelatedInstances" *: *"5"/);
  });

  it("sends the study to Orthanc when Orthanc retrieves it by C-MOVE", () => {
    expect(section(out, "orthanc"), out).toMatch(/"CountInstances" *: *5/);
    expect(section(out, "orthanc")).toContain(study);
    expect(section(out, "listen"), out).toMatch(
      /c-move from ORTHANC to ORTHANC level=STUDY completed=5 failed=0 warnings=0 status=0x0000/,
    );
    expect(section(out, "listen")).toMatch(/c-find from ORTHANC STUDY ROOT level=STUDY matches=1/);
  });
});
