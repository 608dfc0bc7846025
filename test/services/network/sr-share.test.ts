// Workstations sharing results through one PACS (issue 15 §1 round trip, issue 14 "one way in"):
// a LiverCAD SR received over DICOM restores the study's analysis when the study's arrival window
// settles, as a folder import does, and the restored study is not queued for a new analysis; a
// study that arrives without its SR is queued as before. Peer: dcmtk's storescu on 127.0.0.1.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry, studyResults } from "../../../electron/registry";
import { exportStudies } from "../../../electron/services/export/service";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import {
  DicomNode,
  type NodeEvent,
  type SettledStudy,
} from "../../../electron/services/network/node";
import { dataPaths } from "../../../electron/services/paths";
import { copyFixture, exportFixture, tempOut } from "../../export/fixture";

const HAS_DCMTK = spawnSync("storescu", ["--version"]).status === 0;

function storescu(port: number, files: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    // Debian's dcmtk waits on Nagle without TCP_NODELAY (README, issue 14 bench).
    const child = spawn("storescu", ["-aec", "LIVERCAD", "127.0.0.1", String(port), ...files], {
      env: { ...process.env, TCP_NODELAY: "1" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ status: code ?? -1, out }));
  });
}

function dicomFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".dcm"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

describe.skipIf(!HAS_DCMTK)("LiverCAD SR received over DICOM", () => {
  const fixture = exportFixture();
  let dir: string;
  let other: Registry;
  let node: DicomNode;
  let port: number;
  const events: NodeEvent[] = [];
  const queued: string[] = [];
  let srFiles: string[] = [];

  beforeAll(async () => {
    // The source workstation's SRs (a private copy: writing them stores result objects).
    const source = Registry.open(dataPaths(copyFixture(fixture)));
    const out = tempOut();
    try {
      await exportStudies(source, { format: "sr", out });
    } finally {
      source.close();
    }
    srFiles = dicomFiles(out);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-net-srshare-"));
    other = Registry.open(dataPaths(path.join(dir, "data", "registry.sqlite")));
    node = new DicomNode({
      registry: other,
      receiver: { aeTitle: "LIVERCAD", port: 0, bind: "127.0.0.1", allowed: [] },
      quietMs: 300,
      autoAnalyze: true,
      enqueue: (uids) => {
        queued.push(...uids);
        return uids;
      },
      read: readInstance,
      assign: assignStudySequences,
      onEvent: (e) => events.push(e),
    });
    port = await node.start();
  }, 240_000);

  afterAll(async () => {
    await node?.close();
    other?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("restores the analysis carried by the SR and does not queue that study; the other is queued", async () => {
    expect(srFiles).toHaveLength(2);
    const source = Registry.open(dataPaths(copyFixture(fixture)));
    const original = studyResults(source.db);
    source.close();
    const withSr = original[0]!.studyInstanceUid;
    const withoutSr = original[1]!.studyInstanceUid;
    const srOf = (uid: string): string =>
      srFiles.find((f) => fs.readFileSync(f).includes(Buffer.from(uid, "latin1")))!;
    // Study 1: its images then its SR in one association; study 2: images only.
    const images = dicomFiles(fixture.cohort);
    const sent = await storescu(port, [...images, srOf(withSr)]);
    expect(sent.status, sent.out).toBe(0);
    const deadline = Date.now() + 60_000;
    const settled = (): SettledStudy[] =>
      events.flatMap((e) => (e.kind === "settled" ? [e.study] : []));
    while (settled().length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const byUid = new Map(settled().map((s) => [s.studyInstanceUid, s]));
    expect(byUid.get(withSr)).toMatchObject({ complete: true, queued: false, restoredFromSr: 1 });
    expect(byUid.get(withoutSr)).toMatchObject({ complete: true, queued: true });
    expect(byUid.get(withoutSr)?.restoredFromSr).toBeUndefined();
    expect(queued).toEqual([withoutSr]);

    const restored = studyResults(other.db);
    expect(restored).toHaveLength(1);
    const want = original[0]!;
    expect(restored[0]).toMatchObject({
      studyInstanceUid: withSr,
      status: want.status,
      prediction: want.prediction,
      probabilities: want.probabilities,
      sequences: want.sequences,
    });
    expect(restored[0]!.provider).toMatch(/^DICOM SR import/);
    expect(restored[0]!.rois).toHaveLength(want.rois.length);
    // Stored once, as the restored analysis' imported result object.
    const objects = other.db.prepare("SELECT kind, origin FROM result_objects").all() as {
      kind: string;
      origin: string;
    }[];
    expect(objects).toEqual([{ kind: "sr", origin: "imported" }]);
  }, 180_000);
});
