// Our Query/Retrieve SCP (issue 14 §4) against real dcmtk peers spawned here on 127.0.0.1: findscu
// at study, series and image level (wildcards, a date range, UID lists, Patient Root, C-CANCEL),
// movescu into a dcmtk storescp (the exact data set bytes of a study arrive), an unknown move
// destination (0xA801), getscu (C-GET on the same association), an unknown calling AE refused,
// and our own SCU (scu.ts) as a second workstation querying and pulling by C-GET.
// Data: the import tests' fixture series (test/services/import/fixtures.ts), three studies named
// by study/series numbers with their own patient names and dates.
import dcmjs from "dcmjs";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImportWriter, Registry } from "../../../electron/registry";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import { importInstance } from "../../../electron/services/import";
import { ManagedStore, storeRelativePath } from "../../../electron/services/import/store";
import { DicomNode, type NodeEvent } from "../../../electron/services/network/node";
import { splitPart10 } from "../../../electron/services/network/part10";
import { find as scuFind } from "../../../electron/services/network/scu";
import { get as scuGet } from "../../../electron/services/network/scu-retrieve";
import { dataPaths } from "../../../electron/services/paths";
import { mrFile, uids, type SeriesSpec } from "../import/fixtures";
import { freePort, waitForPort } from "../../helpers/ports";

const HAS_DCMTK = ["findscu", "movescu", "getscu", "storescp"].every(
  (cmd) => spawnSync(cmd, ["--version"]).status === 0,
);

interface DcmjsData {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer): { dict: Record<string, unknown> } };
    DicomMetaDictionary: {
      naturalizeDataset(d: Record<string, unknown>): Record<string, unknown>;
      denaturalizeDataset(d: Record<string, unknown>): Record<string, unknown>;
    };
    DicomDict: new (meta: Record<string, unknown>) => {
      dict: Record<string, unknown>;
      write(): ArrayBuffer;
    };
  };
}
const { DicomMessage, DicomMetaDictionary, DicomDict } = (dcmjs as unknown as DcmjsData).data;

const BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11";

/** A small Basic Text SR of `study` in series 900 (a result object filed beside the study). */
function srFile(study: number): { bytes: Uint8Array; series: string; sop: string } {
  const u = uids({ study, series: 900 });
  const sop = u.sop(0);
  const dict = new DicomDict(
    DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: BASIC_TEXT_SR,
      MediaStorageSOPInstanceUID: sop,
      TransferSyntaxUID: "1.2.840.10008.1.2.1",
      ImplementationClassUID: "1.2.826.0.1.3680043.10.999.1",
    }),
  );
  dict.dict = DicomMetaDictionary.denaturalizeDataset({
    SOPClassUID: BASIC_TEXT_SR,
    SOPInstanceUID: sop,
    StudyInstanceUID: u.study,
    SeriesInstanceUID: u.series,
    Modality: "SR",
    SeriesNumber: 900,
    SeriesDescription: "CAD report",
    InstanceNumber: 1,
    PatientName: "Doe^Jane",
    PatientID: `FIX${study}`,
    ValueType: "CONTAINER",
    ContinuityOfContent: "SEPARATE",
    CompletionFlag: "COMPLETE",
    VerificationFlag: "UNVERIFIED",
  });
  return { bytes: new Uint8Array(dict.write()), series: u.series, sop };
}

/** dcmtk runs as a child while our SCP answers in this process: never spawnSync it. */
function dcmtk(cmd: string, args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ status: code ?? -1, out }));
  });
}

type Identifier = Record<string, unknown>;

function text(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.map(text).join("\\");
  if (typeof v === "object") return String((v as { Alphabetic?: string }).Alphabetic ?? "");
  return String(v);
}

/** Each rspNNNN.dcm findscu -X wrote, as a naturalized identifier, in response order. */
function responses(dir: string): Identifier[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^rsp\d+\.dcm$/.test(f))
    .sort()
    .map((f) => {
      const b = fs.readFileSync(path.join(dir, f));
      const msg = DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      return DicomMetaDictionary.naturalizeDataset(msg.dict);
    });
}

const STUDIES: SeriesSpec[] = [
  {
    study: 71,
    series: 1,
    slices: 3,
    description: "T2 axial",
    patientName: "Doe^Jane",
    studyDate: "20250105",
  },
  {
    study: 71,
    series: 2,
    slices: 2,
    description: "DWI",
    patientName: "Doe^Jane",
    studyDate: "20250105",
  },
  {
    study: 72,
    series: 1,
    slices: 2,
    description: "T2 axial",
    patientName: "DOE^JOHN",
    studyDate: "20250620",
  },
  {
    study: 73,
    series: 1,
    slices: 1,
    description: "arterial",
    patientName: "Roe^Richard",
    studyDate: "20260101",
  },
];

describe.skipIf(!HAS_DCMTK)("Query/Retrieve SCP against dcmtk findscu / movescu / getscu", () => {
  let dir: string;
  let registry: Registry;
  let node: DicomNode;
  let port: number;
  let scp: ChildProcess;
  let scpPort: number;
  let scpDir: string;
  let deadPort: number;
  let scpLog = "";
  const events: NodeEvent[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-qr-"));
    registry = Registry.open(dataPaths(path.join(dir, "data", "registry.sqlite")));
    const ctx = {
      read: readInstance,
      writer: new ImportWriter(registry.db),
      store: new ManagedStore(registry.paths.store),
    };
    for (const spec of STUDIES) {
      for (let k = 0; k < spec.slices; k++) {
        const out = await importInstance(
          ctx,
          `fixture ${spec.study}/${spec.series}/${k}`,
          mrFile(spec, k),
        );
        expect(out.kind).toBe("imported");
      }
    }
    // A result object beside study 71, where the receiver files SR/PR/SEG/KOS (node.ts).
    const sr = srFile(71);
    ctx.store.write(storeRelativePath(study(71), sr.series, sr.sop), sr.bytes, { durable: true });
    scpDir = path.join(dir, "storescp");
    fs.mkdirSync(scpDir);
    scpPort = await freePort();
    scp = spawn("storescp", ["-d", "-aet", "STORESCP", "-od", scpDir, String(scpPort)], {
      env: { ...process.env, TCP_NODELAY: "1" },
    });
    scp.stdout?.on("data", (d: Buffer) => (scpLog += d.toString()));
    scp.stderr?.on("data", (d: Buffer) => (scpLog += d.toString()));
    await waitForPort(scpPort);
    deadPort = await freePort();
    node = new DicomNode({
      registry,
      receiver: {
        aeTitle: "LIVERCAD",
        port: 0,
        bind: "127.0.0.1",
        allowed: [{ aeTitle: "FINDSCU" }, { aeTitle: "MOVESCU" }, { aeTitle: "GETSCU" }],
      },
      quietMs: 100,
      autoAnalyze: false,
      read: readInstance,
      assign: assignStudySequences,
      qr: {
        destination: (ae) =>
          ae === "STORESCP"
            ? { aeTitle: "STORESCP", host: "127.0.0.1", port: scpPort }
            : ae === "DEADEND"
              ? { aeTitle: "DEADEND", host: "127.0.0.1", port: deadPort }
              : null,
      },
      onEvent: (e) => events.push(e),
    });
    port = await node.start();
  });

  afterAll(async () => {
    scp?.kill("SIGTERM");
    await node?.close();
    registry?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let run = 0;
  /** findscu with -X into a fresh folder; returns the identifiers and findscu's exit and log. */
  async function find(
    keys: string[],
    extra: string[] = ["-S"],
    aet = "FINDSCU",
  ): Promise<{ ids: Identifier[]; status: number; out: string }> {
    const out = path.join(dir, `find${++run}`);
    fs.mkdirSync(out);
    const r = await dcmtk("findscu", [
      ...extra,
      "-aet",
      aet,
      "-aec",
      "LIVERCAD",
      "-X",
      "-od",
      out,
      ...keys.flatMap((k) => ["-k", k]),
      "127.0.0.1",
      String(port),
    ]);
    return { ids: responses(out), status: r.status, out: r.out };
  }

  const study = (n: number): string => uids({ study: n, series: 1 }).study;

  it("answers a STUDY level C-FIND with a case-insensitive PN wildcard and a date range", async () => {
    const r = await find([
      "QueryRetrieveLevel=STUDY",
      "PatientName=doe*",
      "StudyDate=20250101-20251231",
      "SpecificCharacterSet=ISO_IR 100",
      "PatientID",
      "PatientBirthDate",
      "PatientSex",
      "StudyTime",
      "AccessionNumber",
      "StudyDescription",
      "StudyInstanceUID",
      "ModalitiesInStudy",
      "NumberOfStudyRelatedSeries",
      "NumberOfStudyRelatedInstances",
    ]);
    expect(r.status, r.out).toBe(0);
    const byUid = new Map(r.ids.map((i) => [text(i.StudyInstanceUID), i]));
    expect([...byUid.keys()].sort()).toEqual([study(71), study(72)]);
    const jane = byUid.get(study(71))!;
    expect(text(jane.PatientName)).toBe("Doe^Jane");
    expect(text(jane.PatientID)).toBe("FIX71");
    expect(text(jane.StudyDate)).toBe("20250105");
    expect(text(jane.StudyTime)).toBe("101010");
    expect(text(jane.StudyDescription)).toBe("LIVER TEST");
    // Two MR series of 3 + 2 images and the SR beside them.
    expect(text(jane.ModalitiesInStudy)).toBe("MR\\SR");
    expect(Number(jane.NumberOfStudyRelatedSeries)).toBe(3);
    expect(Number(jane.NumberOfStudyRelatedInstances)).toBe(6);
    const john = byUid.get(study(72))!;
    expect(text(john.ModalitiesInStudy)).toBe("MR");
    expect(Number(john.NumberOfStudyRelatedInstances)).toBe(2);
    expect(text(jane.PatientSex)).toBe("O");
    expect(text(jane.QueryRetrieveLevel)).toBe("STUDY");
    expect(text(jane.RetrieveAETitle)).toBe("LIVERCAD");
    // dcmjs encodes every string as UTF-8 and says so; identical bytes for ASCII data. (Read with
    // dcmdump: dcmjs itself rewrites (0008,0005) to ISO_IR 192 whatever the file says.)
    const dump = await dcmtk("dcmdump", [
      "+P",
      "0008,0005",
      path.join(dir, `find${run}`, "rsp0001.dcm"),
    ]);
    expect(dump.out).toMatch(/\[ISO_IR 192\]/);
    // Only the keys asked for (and the Q/R control keys) come back.
    expect(jane.SeriesInstanceUID).toBeUndefined();
  });

  it("matches single values, '?' wildcards, open date ranges and UID lists", async () => {
    const upTo = await find([
      "QueryRetrieveLevel=STUDY",
      "StudyDate=-20250301",
      "StudyInstanceUID",
    ]);
    expect(upTo.ids.map((i) => text(i.StudyInstanceUID))).toEqual([study(71)]);
    const from = await find([
      "QueryRetrieveLevel=STUDY",
      "StudyDate=20250601-",
      "StudyInstanceUID",
    ]);
    expect(from.ids.map((i) => text(i.StudyInstanceUID)).sort()).toEqual([study(72), study(73)]);
    const q = await find(["QueryRetrieveLevel=STUDY", "PatientName=?oe^*", "StudyInstanceUID"]);
    expect(q.ids).toHaveLength(3);
    // Keys we do not hold: a text key comes back empty, a sequence and a private tag are dropped.
    const single = await find([
      "QueryRetrieveLevel=STUDY",
      "PatientID=FIX73",
      "PatientName",
      "StudyID",
      "ProcedureCodeSequence",
      "(0009,0010)=ACME",
    ]);
    expect(single.status, single.out).toBe(0);
    expect(single.ids.map((i) => text(i.PatientName))).toEqual(["Roe^Richard"]);
    expect(single.ids[0]).toHaveProperty("StudyID");
    expect(text(single.ids[0]!.StudyID)).toBe("");
    expect(single.ids[0]).not.toHaveProperty("ProcedureCodeSequence");
    // PatientID is LO: single value matching is exact and case-sensitive (only PN is not).
    const caseSensitive = await find(["QueryRetrieveLevel=STUDY", "PatientID=fix73"]);
    expect(caseSensitive.ids).toHaveLength(0);
    const list = await find([
      "QueryRetrieveLevel=STUDY",
      `StudyInstanceUID=${study(71)}\\${study(73)}`,
      "StudyDate",
    ]);
    expect(list.ids.map((i) => text(i.StudyDate)).sort()).toEqual(["20250105", "20260101"]);
  });

  it("answers SERIES and IMAGE level with their keys filled from the registry", async () => {
    const series = await find([
      "QueryRetrieveLevel=SERIES",
      `StudyInstanceUID=${study(71)}`,
      "SeriesInstanceUID",
      "Modality=MR",
      "SeriesNumber",
      "SeriesDescription",
      "NumberOfSeriesRelatedInstances",
    ]);
    expect(series.status, series.out).toBe(0);
    expect(
      series.ids.map((i) => [
        text(i.SeriesInstanceUID),
        Number(i.SeriesNumber),
        text(i.SeriesDescription),
        Number(i.NumberOfSeriesRelatedInstances),
        text(i.Modality),
      ]),
    ).toEqual([
      [uids({ study: 71, series: 1 }).series, 1, "T2 axial", 3, "MR"],
      [uids({ study: 71, series: 2 }).series, 2, "DWI", 2, "MR"],
    ]);
    const results = await find([
      "QueryRetrieveLevel=SERIES",
      `StudyInstanceUID=${study(71)}`,
      "Modality=SR",
      "SeriesInstanceUID",
      "SeriesDescription",
      "NumberOfSeriesRelatedInstances",
    ]);
    expect(
      results.ids.map((i) => [
        text(i.SeriesInstanceUID),
        text(i.SeriesDescription),
        Number(i.NumberOfSeriesRelatedInstances),
      ]),
    ).toEqual([[uids({ study: 71, series: 900 }).series, "CAD report", 1]]);
    const srImages = await find([
      "QueryRetrieveLevel=IMAGE",
      `StudyInstanceUID=${study(71)}`,
      `SOPClassUID=${BASIC_TEXT_SR}`,
      "SOPInstanceUID",
    ]);
    expect(srImages.ids.map((i) => text(i.SOPInstanceUID))).toEqual([
      uids({ study: 71, series: 900 }).sop(0),
    ]);
    const wildcard = await find([
      "QueryRetrieveLevel=SERIES",
      `StudyInstanceUID=${study(71)}`,
      "SeriesDescription=*axial",
      "SeriesInstanceUID",
    ]);
    expect(wildcard.ids.map((i) => text(i.SeriesInstanceUID))).toEqual([
      uids({ study: 71, series: 1 }).series,
    ]);
    const u = uids({ study: 71, series: 1 });
    const images = await find([
      "QueryRetrieveLevel=IMAGE",
      `StudyInstanceUID=${study(71)}`,
      `SeriesInstanceUID=${u.series}`,
      "SOPInstanceUID",
      "SOPClassUID",
      "InstanceNumber",
    ]);
    expect(images.ids.map((i) => [text(i.SOPInstanceUID), Number(i.InstanceNumber)])).toEqual([
      [u.sop(0), 1],
      [u.sop(1), 2],
      [u.sop(2), 3],
    ]);
    expect(new Set(images.ids.map((i) => text(i.SOPClassUID)))).toEqual(
      new Set(["1.2.840.10008.5.1.4.1.1.4"]),
    );
  });

  it("answers Patient Root at PATIENT level, a query without matches, and honours C-CANCEL", async () => {
    const patients = await find(
      [
        "QueryRetrieveLevel=PATIENT",
        "PatientName=DOE*",
        "PatientID",
        "NumberOfPatientRelatedStudies",
        "NumberOfPatientRelatedInstances",
      ],
      ["-P"],
    );
    expect(patients.status, patients.out).toBe(0);
    expect(
      patients.ids
        .map((i) => [text(i.PatientID), Number(i.NumberOfPatientRelatedInstances)])
        .sort(),
    ).toEqual([
      // Study 71's five images and the SR beside them.
      ["FIX71", 6],
      ["FIX72", 2],
    ]);
    const none = await find([
      "QueryRetrieveLevel=STUDY",
      "PatientName=Nobody*",
      "StudyInstanceUID",
    ]);
    expect(none.status, none.out).toBe(0);
    expect(none.ids).toHaveLength(0);
    const images = await find(
      ["QueryRetrieveLevel=IMAGE", `StudyInstanceUID=${study(71)}`, "SOPInstanceUID"],
      ["-S", "--cancel", "1", "-v"],
    );
    expect(images.status, images.out).toBe(0);
    // Five images match; findscu cancels after the first response and we stop there.
    expect(images.ids.length).toBeLessThan(5);
    expect(images.out).toMatch(/Cancel|0xfe00/i);
    const finds = events.filter((e) => e.kind === "qr" && e.event.kind === "find");
    const last = finds.at(-1);
    expect(last?.kind === "qr" && last.event.kind === "find" && last.event.cancelled).toBe(true);
  });

  it("refuses an unknown calling AE and an unknown Query/Retrieve Level", async () => {
    const intruder = await find(
      ["QueryRetrieveLevel=STUDY", "StudyInstanceUID"],
      ["-S"],
      "INTRUDER",
    );
    expect(intruder.status).not.toBe(0);
    expect(intruder.out).toMatch(/Calling AE Title Not Recognized/i);
    expect(intruder.ids).toHaveLength(0);
    const badLevel = await find(["QueryRetrieveLevel=PATIENT", "PatientID"], ["-S", "-v"]);
    expect(badLevel.ids).toHaveLength(0);
    expect(badLevel.out).toMatch(/DataSetDoesNotMatchSOPClass/);
  });

  it("moves a study to a configured storescp: the exact data set bytes arrive", async () => {
    const r = await dcmtk("movescu", [
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
      `StudyInstanceUID=${study(71)}`,
      "127.0.0.1",
      String(port),
    ]);
    expect(r.status, r.out).toBe(0);
    const received = fs.readdirSync(scpDir).filter((f) => !f.startsWith("."));
    // The five images and the SR beside them.
    expect(received).toHaveLength(6);
    // Each C-STORE names the move it belongs to (PS3.7 9.1.1.1).
    expect(scpLog).toMatch(/Move Originator AE Title\s*: MOVESCU/);
    const stored = registry.db
      .prepare<[], { sop_instance_uid: string; store_path: string }>(
        `SELECT i.sop_instance_uid, i.store_path FROM instances i JOIN series se ON se.id = i.series_ref
           JOIN studies s ON s.id = se.study_ref WHERE s.study_instance_uid = '${study(71)}'`,
      )
      .all();
    const sr = srFile(71);
    stored.push({
      sop_instance_uid: sr.sop,
      store_path: storeRelativePath(study(71), sr.series, sr.sop),
    });
    const ours = new Map(
      stored.map((s) => [
        s.sop_instance_uid,
        Buffer.from(
          splitPart10(
            new Uint8Array(
              fs.readFileSync(path.join(registry.paths.store, ...s.store_path.split("/"))),
            ),
          ).dataset,
        ),
      ]),
    );
    for (const f of received) {
      const theirs = splitPart10(new Uint8Array(fs.readFileSync(path.join(scpDir, f))));
      const mine = ours.get(theirs.sopInstanceUid);
      expect(mine, theirs.sopInstanceUid).toBeDefined();
      expect(Buffer.compare(Buffer.from(theirs.dataset), mine!)).toBe(0);
    }
    const moves = events.filter((e) => e.kind === "qr" && e.event.kind === "retrieve");
    const last = moves.at(-1);
    expect(last?.kind === "qr" && last.event.kind === "retrieve" ? last.event : null).toMatchObject(
      {
        op: "MOVE",
        destination: "STORESCP",
        level: "STUDY",
        completed: 6,
        failed: 0,
        status: 0,
      },
    );
    // Audited without patient data: counts, level and AE titles.
    const audit = registry.db
      .prepare<[], { actor: string; action: string; details_json: string }>(
        "SELECT actor, action, details_json FROM audit_log WHERE action LIKE 'dicom.%' ORDER BY id",
      )
      .all();
    expect(audit.some((a) => a.action === "dicom.query" && a.actor === "dicom:FINDSCU")).toBe(true);
    const move = audit.filter((a) => a.action === "dicom.retrieve").at(-1)!;
    expect(JSON.parse(move.details_json)).toMatchObject({ completed: 6, destination: "STORESCP" });
    expect(audit.map((a) => a.details_json).join("\n")).not.toMatch(/Doe|Jane|doe\*/i);
  });

  it("answers an unknown move destination with 0xA801 and sends nothing", async () => {
    const before = fs.readdirSync(scpDir).length;
    const r = await dcmtk("movescu", [
      "-S",
      "-v",
      "-aet",
      "MOVESCU",
      "-aec",
      "LIVERCAD",
      "-aem",
      "NOWHERE",
      "-k",
      "QueryRetrieveLevel=STUDY",
      "-k",
      `StudyInstanceUID=${study(72)}`,
      "127.0.0.1",
      String(port),
    ]);
    expect(r.out).toMatch(/MoveDestinationUnknown/);
    expect(fs.readdirSync(scpDir).length).toBe(before);
  });

  function movescu(destination: string, studyUid: string, extra: string[] = []) {
    return dcmtk("movescu", [
      "-S",
      "-v",
      ...extra,
      "-aet",
      "MOVESCU",
      "-aec",
      "LIVERCAD",
      "-aem",
      destination,
      "-k",
      "QueryRetrieveLevel=STUDY",
      "-k",
      `StudyInstanceUID=${studyUid}`,
      "127.0.0.1",
      String(port),
    ]);
  }

  const lastRetrieve = () => {
    const e = events.filter((x) => x.kind === "qr" && x.event.kind === "retrieve").at(-1);
    return e?.kind === "qr" && e.event.kind === "retrieve" ? e.event : null;
  };

  it("answers 0xB000 with every sub-operation failed when the destination cannot be reached", async () => {
    const r = await movescu("DEADEND", study(71));
    expect(r.out).toMatch(/Final Move Response \(Warning/);
    expect(lastRetrieve()).toMatchObject({ completed: 0, failed: 6, status: 0xb000 });
  });

  it("stops the sub-operations when the requester sends C-CANCEL", async () => {
    const r = await movescu("STORESCP", study(71), ["--cancel", "1"]);
    const moved = lastRetrieve();
    expect(moved?.cancelled, r.out).toBe(true);
    expect(moved?.status).toBe(0xfe00);
    expect(moved!.completed).toBeLessThan(5);
  });

  it("serves C-GET: the series' instances come back on the same association", async () => {
    const out = path.join(dir, "getscu");
    fs.mkdirSync(out);
    const u = uids({ study: 71, series: 2 });
    const r = await dcmtk("getscu", [
      "-S",
      "-aet",
      "GETSCU",
      "-aec",
      "LIVERCAD",
      "-od",
      out,
      "-k",
      "QueryRetrieveLevel=SERIES",
      "-k",
      `StudyInstanceUID=${study(71)}`,
      "-k",
      `SeriesInstanceUID=${u.series}`,
      "127.0.0.1",
      String(port),
    ]);
    expect(r.status, r.out).toBe(0);
    const got = fs.readdirSync(out);
    expect(got).toHaveLength(2);
    for (const f of got) {
      const theirs = splitPart10(new Uint8Array(fs.readFileSync(path.join(out, f))));
      const k = [u.sop(0), u.sop(1)].indexOf(theirs.sopInstanceUid);
      expect(k).toBeGreaterThanOrEqual(0);
      const mine = splitPart10(mrFile(STUDIES[1]!, k)).dataset;
      expect(Buffer.compare(Buffer.from(theirs.dataset), Buffer.from(mine))).toBe(0);
    }
  });

  it("a second workstation (our own SCU) queries and pulls a study by C-GET", async () => {
    const peer = { aeTitle: "LIVERCAD", host: "127.0.0.1", port };
    const options = { callingAeTitle: "GETSCU" };
    const studies = await scuFind(peer, options, "STUDY", {
      patientName: "DOE^J*",
      studyDate: "20250101-20251231",
      modality: "MR",
    });
    expect(studies.map((m) => [m.studyInstanceUid, m.instances]).sort()).toEqual([
      [study(71), 6],
      [study(72), 2],
    ]);
    const series = await scuFind(peer, options, "SERIES", { studyInstanceUid: study(72) });
    expect(series.map((m) => m.seriesInstanceUid)).toEqual([uids({ study: 72, series: 1 }).series]);
    const got: string[] = [];
    const r = await scuGet(peer, options, study(71), async (instance) => {
      got.push(instance.sopInstanceUid);
      return { status: 0 };
    });
    expect(r).toMatchObject({ status: 0, completed: 6, failed: 0, stored: 6 });
    expect(got).toHaveLength(6);
    expect(got).toContain(uids({ study: 71, series: 900 }).sop(0));
  });
});
