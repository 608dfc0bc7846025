// The SCU side against dcmtk's storescp (a real peer, spawned on 127.0.0.1 and a free port) and
// against our own receiver where a peer must fail on purpose (disk full, unknown calling AE).
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../../../electron/registry";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import {
  failedStage,
  ManagedStore,
  type StagedFile,
} from "../../../electron/services/import/store";
import { DicomNode } from "../../../electron/services/network/node";
import { echo } from "../../../electron/services/network/scu";
import { send } from "../../../electron/services/network/scu-send";
import { dataPaths } from "../../../electron/services/paths";
import { writeSeries } from "../import/fixtures";
import { freePort, waitForPort } from "../../helpers/ports";

const HAS_DCMTK = spawnSync("storescp", ["--version"]).status === 0;

/** A store whose disk is full on demand: MR images are staged (`stage`), other objects written. */
class FullDisk extends ManagedStore {
  full = false;
  private enospc(): Error {
    return Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
  }
  override write(relative: string, data: Uint8Array, options: { durable?: boolean } = {}): void {
    if (this.full) throw this.enospc();
    super.write(relative, data, options);
  }
  override stage(data: Uint8Array): StagedFile {
    return this.full ? failedStage(null, this.enospc()) : super.stage(data);
  }
}

describe.skipIf(!HAS_DCMTK)("DICOM SCU: echo and send", () => {
  let dir: string;
  let scp: ChildProcess;
  let scpPort: number;
  let files: string[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-scu-"));
    files = writeSeries(path.join(dir, "in"), { study: 1, series: 1, slices: 4 });
    execFileSync("dcmodify", [
      "-nb",
      "-i",
      "(0029,0010)=SIEMENS CSA HEADER",
      "-i",
      "(0029,1008)=IMAGE NUM 4",
      files[0]!,
    ]);
    fs.mkdirSync(path.join(dir, "scp"));
    scpPort = await freePort();
    scp = spawn("storescp", ["-aet", "STORESCP", "-od", path.join(dir, "scp"), String(scpPort)]);
    await waitForPort(scpPort);
  });

  afterAll(() => {
    scp?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("echoes storescp", async () => {
    const r = await echo(
      { aeTitle: "STORESCP", host: "127.0.0.1", port: scpPort },
      { callingAeTitle: "LIVERCAD" },
    );
    expect(r.status).toBe(0);
  });

  it("sends files byte for byte to storescp, every response Success", async () => {
    const out = await send(
      { aeTitle: "STORESCP", host: "127.0.0.1", port: scpPort },
      { callingAeTitle: "LIVERCAD" },
      files,
    );
    expect(out.map((o) => [o.ok, o.status])).toEqual(files.map(() => [true, 0]));
    const received = fs.readdirSync(path.join(dir, "scp"));
    expect(received.length).toBe(4);
    const dumps = received.map((f) =>
      execFileSync("dcmdump", [path.join(dir, "scp", f)], { encoding: "utf8" }),
    );
    expect(dumps.some((d) => /\(0029,1008\) CS \[IMAGE NUM 4\]/.test(d))).toBe(true);
  });

  it("reports a refused association and a file that is not DICOM, per file", async () => {
    const junk = path.join(dir, "junk.dcm");
    fs.writeFileSync(junk, "not dicom");
    const out = await send(
      { aeTitle: "STORESCP", host: "127.0.0.1", port: await freePort() },
      { callingAeTitle: "LIVERCAD", timeoutMs: 3000 },
      [files[1]!, junk],
    );
    expect(out[0]!.ok).toBe(false);
    expect(out[0]!.reason).toMatch(/ECONNREFUSED|connect/i);
    expect(out[1]!.reason).toMatch(/cannot read: not a DICOM Part 10 file/);
  });

  it("checks every C-STORE response: failures from a full disk come back per instance", async () => {
    const registry = Registry.open(dataPaths(path.join(dir, "ours", "registry.sqlite")));
    const store = new FullDisk(registry.paths.store);
    const node = new DicomNode({
      registry,
      receiver: { aeTitle: "OURS", port: 0, bind: "127.0.0.1", allowed: [{ aeTitle: "LIVERCAD" }] },
      quietMs: 0,
      autoAnalyze: false,
      read: readInstance,
      assign: assignStudySequences,
      store,
    });
    const port = await node.start();
    try {
      const peer = { aeTitle: "OURS", host: "127.0.0.1", port };
      const first = await send(peer, { callingAeTitle: "LIVERCAD" }, files.slice(0, 2));
      expect(first.every((o) => o.ok)).toBe(true);
      store.full = true;
      const second = await send(peer, { callingAeTitle: "LIVERCAD" }, files.slice(2));
      expect(second.map((o) => o.status)).toEqual([0xa700, 0xa700]);
      expect(second[0]!.reason).toMatch(/^Out of Resources: store: ENOSPC/);
      const stranger = await send(peer, { callingAeTitle: "STRANGER" }, files.slice(0, 1));
      expect(stranger[0]!.reason).toMatch(/calling AE title not recognized/);
    } finally {
      await node.close();
      registry.close();
    }
  });
});
