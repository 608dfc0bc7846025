// The receiver against real peers (dcmtk echoscu / storescu, spawned here on 127.0.0.1 and a free
// port) and against a raw Upper Layer client that misbehaves on purpose. Data: the import tests'
// fixture series (test/services/import/fixtures.ts), named by study/series/slice numbers.
import { execFileSync, spawn, spawnSync } from "node:child_process";
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
import { DicomNode, type NodeEvent } from "../../../electron/services/network/node";
import { splitPart10 } from "../../../electron/services/network/part10";
import { dataPaths } from "../../../electron/services/paths";
import { mrFile, writeSeries } from "../import/fixtures";
import { checkConsistency } from "../import/helpers";
import { acceptResults, associateRq, cStoreCommand, pdata, pdu, RawPeer } from "./dul";

const MR = "1.2.840.10008.5.1.4.1.1.4";
const CT = "1.2.840.10008.5.1.4.1.1.2";
const EXPLICIT_LE = "1.2.840.10008.1.2.1";
const MPEG2 = "1.2.840.10008.1.2.4.100";
const HAS_DCMTK = spawnSync("storescu", ["--version"]).status === 0;

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `livercad-net-${name}-`));
}

/**
 * dcmtk peers run as child processes while the receiver runs in this process: always spawn
 * asynchronously (a spawnSync would block the event loop the receiver answers on).
 */
function dcmtk(cmd: string, args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ status: code ?? -1, out }));
  });
}

function enospc(): NodeJS.ErrnoException {
  const err = new Error("ENOSPC: no space left on device, write") as NodeJS.ErrnoException;
  err.code = "ENOSPC";
  return err;
}

/**
 * A store whose disk "fills up" after `room` more writes (ENOSPC, as write(2) reports it): MR
 * images are staged (`stage`), other objects written (`write`). Staging files made ahead, as
 * the listener's own store does.
 */
class FillingStore extends ManagedStore {
  room = Number.POSITIVE_INFINITY;
  constructor(root: string) {
    super(root, { stagingSlots: 4 });
  }
  override write(relative: string, data: Uint8Array, options: { durable?: boolean } = {}): void {
    if (this.room <= 0) throw enospc();
    this.room -= 1;
    super.write(relative, data, options);
  }
  override stage(data: Uint8Array): StagedFile {
    if (this.room <= 0) return failedStage(null, enospc());
    this.room -= 1;
    return super.stage(data);
  }
}

describe.skipIf(!HAS_DCMTK)("DICOM receiver (C-ECHO / C-STORE SCP)", () => {
  let dir: string;
  let registry: Registry;
  let node: DicomNode;
  let store: FillingStore;
  let port: number;
  const events: NodeEvent[] = [];
  let input: string;

  beforeAll(async () => {
    dir = tmp("scp");
    input = path.join(dir, "in");
    registry = Registry.open(dataPaths(path.join(dir, "data", "registry.sqlite")));
    store = new FillingStore(registry.paths.store);
    node = new DicomNode({
      registry,
      receiver: {
        aeTitle: "LIVERCAD",
        port: 0,
        bind: "127.0.0.1",
        allowed: [
          { aeTitle: "STORESCU" },
          { aeTitle: "ECHOSCU" },
          { aeTitle: "RAWPEER", addresses: ["127.0.0.1"] },
          { aeTitle: "ELSEWHERE", addresses: ["10.9.8.7"] },
        ],
      },
      quietMs: 100,
      autoAnalyze: false,
      read: readInstance,
      assign: assignStudySequences,
      store,
      onEvent: (e) => events.push(e),
    });
    port = await node.start();
  });

  afterAll(async () => {
    await node?.close();
    registry?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const instanceCount = (): number =>
    (registry.db.prepare("SELECT COUNT(*) AS n FROM instances").get() as { n: number }).n;

  it("answers C-ECHO on the address it was given only", async () => {
    const r = await dcmtk("echoscu", ["-aec", "LIVERCAD", "127.0.0.1", String(port)]);
    expect(r.status, r.out).toBe(0);
    // Bound to 127.0.0.1, not every interface: another local address of this host is refused.
    const other = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
    if (other) {
      const r2 = await dcmtk("echoscu", ["-to", "2", "-aec", "LIVERCAD", other, String(port)]);
      expect(r2.status).not.toBe(0);
    }
  });

  it("rejects an unknown calling AE, a wrong called AE and an allowed AE from another address", async () => {
    const unknown = await dcmtk("echoscu", [
      "-aet",
      "INTRUDER",
      "-aec",
      "LIVERCAD",
      "127.0.0.1",
      String(port),
    ]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.out).toMatch(/Rejected Permanent, Source: Service User/);
    expect(unknown.out).toMatch(/Calling AE Title Not Recognized/);
    const called = await dcmtk("echoscu", ["-aec", "SOMEONE", "127.0.0.1", String(port)]);
    expect(called.out).toMatch(/Called AE Title Not Recognized/);
    const address = await dcmtk("echoscu", [
      "-aet",
      "ELSEWHERE",
      "-aec",
      "LIVERCAD",
      "127.0.0.1",
      String(port),
    ]);
    expect(address.out).toMatch(/Calling AE Title Not Recognized/);
    const rejected = events.filter((e) => e.kind === "association-rejected");
    expect(rejected.map((e) => (e.kind === "association-rejected" ? e.reason : ""))).toEqual([
      'calling AE "INTRUDER" is not on the allow-list',
      'called AE "SOMEONE" is not ours (LIVERCAD)',
      'calling AE "ELSEWHERE" is not allowed from 127.0.0.1',
    ]);
  });

  it("stores instances from storescu durably and registered, keeping private tags", async () => {
    const files = writeSeries(input, { study: 1, series: 1, slices: 6 });
    // A private block (PS3.5 7.8) that dcmjs-dimse would drop on its default path.
    execFileSync("dcmodify", [
      "-nb",
      "-i",
      "(0029,0010)=SIEMENS CSA HEADER",
      "-i",
      "(0029,1008)=IMAGE NUM 4",
      files[0]!,
    ]);
    const r = await dcmtk("storescu", ["-aec", "LIVERCAD", "127.0.0.1", String(port), ...files]);
    expect(r.status, r.out).toBe(0);
    expect(instanceCount()).toBe(6);
    const c = checkConsistency(registry.paths.database);
    expect(c.missingFiles).toEqual([]);
    const row = registry.db
      .prepare("SELECT store_path FROM instances WHERE instance_number = 1")
      .get() as { store_path: string };
    const dump = execFileSync("dcmdump", [path.join(registry.paths.store, row.store_path)], {
      encoding: "utf8",
    });
    expect(dump).toMatch(/\(0029,1008\) CS \[IMAGE NUM 4\]/);
    expect(dump).toMatch(/\(0002,0016\) AE \[STORESCU\]/);
    // Sending the same instances again is not an error and stores nothing twice.
    const again = await dcmtk("storescu", [
      "-aec",
      "LIVERCAD",
      "127.0.0.1",
      String(port),
      ...files,
    ]);
    expect(again.status, again.out).toBe(0);
    expect(instanceCount()).toBe(6);
  });

  it("rejects presentation contexts it cannot handle, accepts the rest of the association", async () => {
    const peer = await RawPeer.connect(port);
    peer.send(
      associateRq("LIVERCAD", "RAWPEER", [
        { id: 1, abstractSyntax: MR, transferSyntaxes: [MPEG2] },
        { id: 3, abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE] },
        { id: 5, abstractSyntax: MR, transferSyntaxes: [MPEG2, EXPLICIT_LE] },
      ]),
    );
    const ac = await peer.nextPdu();
    expect(ac?.[0]).toBe(0x02);
    // PS3.8 Table 9-18: 0 acceptance, 3 abstract syntax not supported, 4 transfer syntaxes not.
    expect(Object.fromEntries(acceptResults(ac!))).toEqual({ 1: 4, 3: 3, 5: 0 });
    peer.destroy();
  });

  it("aborts a malformed PDU and an oversized one, and goes on serving", async () => {
    const bad = await RawPeer.connect(port);
    bad.send(pdu(0x09, Buffer.alloc(8)));
    const abort = await bad.nextPdu();
    expect(abort?.[0]).toBe(0x07);
    expect(await bad.waitClosed()).toBe(true);

    const big = await RawPeer.connect(port);
    big.send(
      associateRq("LIVERCAD", "RAWPEER", [
        { id: 1, abstractSyntax: MR, transferSyntaxes: [EXPLICIT_LE] },
      ]),
    );
    expect((await big.nextPdu())?.[0]).toBe(0x02);
    const header = Buffer.alloc(6);
    header[0] = 0x04;
    header.writeUInt32BE(0x7fff_ffff, 2);
    big.send(header);
    expect((await big.nextPdu())?.[0]).toBe(0x07);
    expect(await big.waitClosed()).toBe(true);
    const protocolErrors = events.filter((e) => e.kind === "protocol-error");
    expect(protocolErrors.length).toBeGreaterThanOrEqual(2);

    const r = await dcmtk("echoscu", ["-aec", "LIVERCAD", "127.0.0.1", String(port)]);
    expect(r.status, r.out).toBe(0);
  });

  it("keeps nothing of an instance whose sender disconnects mid-transfer", async () => {
    const spec = { study: 2, series: 1, slices: 1, size: 64 };
    const file = mrFile(spec, 0);
    const { dataset, sopInstanceUid } = splitPart10(file);
    const peer = await RawPeer.connect(port);
    peer.send(
      associateRq("LIVERCAD", "RAWPEER", [
        { id: 1, abstractSyntax: MR, transferSyntaxes: [EXPLICIT_LE] },
      ]),
    );
    expect((await peer.nextPdu())?.[0]).toBe(0x02);
    peer.send(pdata(1, true, true, cStoreCommand(MR, sopInstanceUid, 1)));
    peer.send(pdata(1, false, false, Buffer.from(dataset.subarray(0, dataset.length >> 1))));
    await new Promise((r) => setTimeout(r, 200));
    peer.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const stored = registry.db
      .prepare("SELECT COUNT(*) AS n FROM instances WHERE sop_instance_uid = ?")
      .get(sopInstanceUid) as { n: number };
    expect(stored.n).toBe(0);
    const leftovers = fs.existsSync(
      path.join(registry.paths.store, "1.2.826.0.1.3680043.10.999.2"),
    );
    expect(leftovers).toBe(false);
    expect(node.receiver.pendingStores).toBe(0);
  });

  // ~3 s on an idle 2-core machine; each store is a round trip between two processes, so a
  // CPU-starved machine (load 18 on 2 cores) stretches it to minutes: hence the long timeout.
  it("takes 5 concurrent associations of 200 instances each: 0 lost, 0 duplicated", async () => {
    const before = instanceCount();
    const batches = [1, 2, 3, 4, 5].map((series) =>
      writeSeries(input, { study: 3, series, slices: 200, size: 8 }),
    );
    const runs = await Promise.all(
      batches.map((files) =>
        dcmtk("storescu", ["-aec", "LIVERCAD", "127.0.0.1", String(port), ...files]),
      ),
    );
    for (const r of runs) expect(r.status, r.out).toBe(0);
    expect(instanceCount() - before).toBe(1000);
    const distinct = registry.db
      .prepare(
        "SELECT COUNT(DISTINCT sop_instance_uid) AS n FROM instances WHERE sop_instance_uid LIKE '1.2.826.0.1.3680043.10.999.3.%'",
      )
      .get() as { n: number };
    expect(distinct.n).toBe(1000);
    const onDisk = fs
      .readdirSync(path.join(registry.paths.store, "1.2.826.0.1.3680043.10.999.3"), {
        recursive: true,
      })
      .filter((f) => String(f).endsWith(".dcm"));
    expect(onDisk.length).toBe(1000);
  }, 600_000);

  it("answers Out of Resources (A700) when the disk is full, and corrupts nothing", async () => {
    const files = writeSeries(input, { study: 4, series: 1, slices: 5 });
    store.room = 2;
    const r = await dcmtk("storescu", [
      "-v",
      "-aec",
      "LIVERCAD",
      "127.0.0.1",
      String(port),
      ...files,
    ]);
    store.room = Number.POSITIVE_INFINITY;
    expect(r.out).toMatch(/a700|Out ?of ?Resources/i);
    const failed = events.filter(
      (e) => e.kind === "instance" && e.outcome === "failed" && e.status === 0xa700,
    );
    // storescu stops its association at the first failure status; the rest were never sent.
    expect(failed.length).toBeGreaterThanOrEqual(1);
    const stored = registry.db
      .prepare(
        "SELECT COUNT(*) AS n FROM instances WHERE sop_instance_uid LIKE '1.2.826.0.1.3680043.10.999.4.%'",
      )
      .get() as { n: number };
    expect(stored.n).toBe(2);
    const c = checkConsistency(registry.paths.database);
    expect(c.missingFiles).toEqual([]);
    expect(c.emptySeries).toBe(0);
    // With room again, a resend completes the series.
    const again = await dcmtk("storescu", [
      "-aec",
      "LIVERCAD",
      "127.0.0.1",
      String(port),
      ...files,
    ]);
    expect(again.status, again.out).toBe(0);
    const after = registry.db
      .prepare(
        "SELECT COUNT(*) AS n FROM instances WHERE sop_instance_uid LIKE '1.2.826.0.1.3680043.10.999.4.%'",
      )
      .get() as { n: number };
    expect(after.n).toBe(5);
  });

  it("answers Cannot Understand (C000) for a data set the reader refuses", async () => {
    const peer = await RawPeer.connect(port);
    peer.send(
      associateRq("LIVERCAD", "RAWPEER", [
        { id: 1, abstractSyntax: MR, transferSyntaxes: [EXPLICIT_LE] },
      ]),
    );
    expect((await peer.nextPdu())?.[0]).toBe(0x02);
    // An MR data set cut off before its pixels: the DIMSE transfer is whole, the object is not.
    const { dataset, sopInstanceUid: uid } = splitPart10(
      mrFile({ study: 5, series: 1, slices: 1 }, 0),
    );
    const bytes = Buffer.from(dataset);
    const cut = bytes.subarray(0, bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])));
    peer.send(pdata(1, true, true, cStoreCommand(MR, uid, 7)));
    peer.send(pdata(1, false, true, Buffer.from(cut)));
    const rsp = await peer.nextPdu();
    expect(rsp?.[0]).toBe(0x04);
    // Status (0000,0900) in the response command set.
    const at = rsp!.indexOf(Buffer.from([0x00, 0x00, 0x00, 0x09, 0x02, 0, 0, 0]));
    expect(at).toBeGreaterThan(0);
    expect(rsp!.readUInt16LE(at + 8)).toBe(0xc000);
    peer.destroy();
    const stored = registry.db
      .prepare("SELECT COUNT(*) AS n FROM instances WHERE sop_instance_uid = ?")
      .get(uid) as { n: number };
    expect(stored.n).toBe(0);
  });

  it("closes each study's arrival window after release + quiet period and assigns sequences", async () => {
    await new Promise((r) => setTimeout(r, 400));
    const settled = events.filter((e) => e.kind === "settled");
    const studies = new Set(
      settled.map((e) => (e.kind === "settled" ? e.study.studyInstanceUid : "")),
    );
    expect(studies.has("1.2.826.0.1.3680043.10.999.1")).toBe(true);
    expect(studies.has("1.2.826.0.1.3680043.10.999.3")).toBe(true);
    const s3 = settled.find(
      (e) => e.kind === "settled" && e.study.studyInstanceUid === "1.2.826.0.1.3680043.10.999.3",
    );
    expect(s3?.kind === "settled" && s3.study.instances).toBe(1000);
    const assigned = registry.db
      .prepare("SELECT assigned_at FROM studies WHERE study_instance_uid = ?")
      .get("1.2.826.0.1.3680043.10.999.3") as { assigned_at: string | null };
    expect(assigned.assigned_at).not.toBeNull();
  });
});
