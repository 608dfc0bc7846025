// De-identified export (issue 15 §3): dcmdump finds no attribute that Table E.1-1 removes or
// replaces still holding its original value; no original name, ID, birth date or UID anywhere in
// the bytes; no private tags; identity-removed flags; SR/PR references follow the new UIDs; the
// same study maps the same way twice; the key only when asked; the case sheet pseudonymous.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../../electron/registry";
import { ManagedStore } from "../../electron/services/import/store";
import { items, readPart10, str } from "../../electron/services/export/dcm";
import { DeidKeys } from "../../electron/services/export/deid/deidentify";
import {
  isPrivate,
  resolve,
  ruleFor,
  TABLE_ROWS,
} from "../../electron/services/export/deid/profile";
import { exportStudies, type ExportReport } from "../../electron/services/export/service";
import { dataPaths } from "../../electron/services/paths";
import { copyFixture, exportFixture, tempOut } from "./fixture";

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Top-level elements of a dcmdump listing: tag -> value text. */
function dump(file: string): Map<string, string> {
  const r = spawnSync("dcmdump", ["+L", "-q", file], { encoding: "utf8", maxBuffer: 64 << 20 });
  const out = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const m = /^\(([0-9a-f]{4}),([0-9a-f]{4})\) (\w\w) (.*?)\s+#/.exec(line);
    if (m && m[1] !== "0002") out.set(`${m[1]}${m[2]}`.toUpperCase(), `${m[3]} ${m[4]!}`);
  }
  return out;
}

describe("PS3.15 Annex E table", () => {
  it("is Table E.1-1 as data: 621 rows, Patient's Name Z, SOP Instance UID U, Series Description X + clean", () => {
    expect(TABLE_ROWS).toHaveLength(621);
    expect(ruleFor("00100010")).toMatchObject({ action: "Z" });
    expect(ruleFor("00080018")).toMatchObject({ action: "U" });
    expect(ruleFor("0008103E")).toMatchObject({ action: "X", clean: true });
    expect(ruleFor("00080020")).toMatchObject({ action: "Z", shiftDate: true });
    expect(ruleFor("60004000")).toBeDefined(); // 60xx,4000 overlay comments
    expect(ruleFor("00280010")).toBeUndefined(); // Rows: not identifying, kept
    expect([
      resolve("X/Z"),
      resolve("X/D"),
      resolve("Z/D"),
      resolve("X/Z/U*"),
      resolve("K"),
    ]).toEqual(["Z", "D", "D", "U", "K"]);
    expect(isPrivate("00191010")).toBe(true);
  });
});

describe("livercad export --format deid (2-study phantom)", () => {
  let dbFile = "";
  let out = "";
  let report: ExportReport;
  let files: string[] = [];
  const originals = new Map<string, string>(); // deid SOP UID -> original store file
  const identity: string[] = [];
  const originalUids = new Set<string>();
  const progress: [number, number][] = [];

  beforeAll(async () => {
    dbFile = copyFixture(exportFixture());
    out = tempOut();
    const reg = Registry.open(dataPaths(dbFile));
    try {
      report = await exportStudies(reg, {
        format: "deid",
        out,
        onProgress: (p) => progress.push([p.done, p.total]),
      });
      const keys = new DeidKeys(
        fs.readFileSync(path.join(path.dirname(dbFile), "deid-secret"), "utf8").trim(),
      );
      const store = new ManagedStore(reg.paths.store);
      const rows = reg.db
        .prepare<[], { sop: string; store_path: string; series: string; study: string }>(
          `SELECT i.sop_instance_uid AS sop, i.store_path, se.series_instance_uid AS series,
                  s.study_instance_uid AS study
             FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies s ON s.id = se.study_ref`,
        )
        .all();
      for (const r of rows) {
        originals.set(keys.uid(r.sop), store.absolute(r.store_path));
        for (const u of [r.sop, r.series, r.study]) originalUids.add(u);
      }
      const patients = reg.db
        .prepare<[], { patient_id: string; patient_name: string; birth_date: string }>(
          "SELECT patient_id, patient_name, birth_date FROM patients",
        )
        .all();
      for (const p of patients) identity.push(p.patient_id, p.patient_name, p.birth_date);
    } finally {
      reg.close();
    }
    files = walk(out).filter((f) => f.endsWith(".dcm"));
    // Frame of reference UIDs of the originals too.
    for (const f of [...originals.values()].slice(0, 40)) {
      const fo = str(readPart10(new Uint8Array(fs.readFileSync(f))).dataset.FrameOfReferenceUID);
      if (fo) originalUids.add(fo);
    }
  });

  it("writes every stored instance, an SR and a PR per study, and the pseudonymous case sheet; no key unless asked", () => {
    expect(report.files.filter((f) => f.outcome === "error")).toEqual([]);
    // The progress bar's total is known from the start and reached exactly.
    expect(progress.at(-1)).toEqual([report.files.length, report.files.length]);
    expect(new Set(progress.map((p) => p[1])).size).toBe(1);
    const images = files.filter((f) => !path.basename(f).startsWith("LIVERCAD_"));
    expect(images).toHaveLength(originals.size);
    expect(files.filter((f) => f.endsWith("LIVERCAD_SR.dcm"))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith("LIVERCAD_PR.dcm"))).toHaveLength(2);
    expect(fs.existsSync(path.join(out, "key.csv"))).toBe(false);
    const sheet = fs.readFileSync(path.join(out, "case-sheet.csv"), "utf8");
    for (const id of identity) expect(sheet).not.toContain(id);
    expect(sheet).toMatch(/LCDEID[0-9A-F]{10}/);
  });

  it("no original patient name, ID, birth date or UID anywhere in the bytes of any file", () => {
    const needles = [...identity, ...originalUids]
      .filter((x) => x.length >= 6)
      .map((x) => Buffer.from(x, "latin1"));
    for (const f of [...files, path.join(out, "case-sheet.csv")]) {
      const bytes = fs.readFileSync(f);
      for (const n of needles) {
        if (bytes.includes(n)) throw new Error(`${f} still holds ${n.toString()}`);
      }
    }
  });

  it("dcmdump: 0 attributes Table E.1-1 removes/replaces keep an original value; no private tags; identity-removed set", () => {
    // One image per series (every series of both studies) plus every SR and PR.
    const bySeries = new Map<string, string>();
    for (const f of files)
      bySeries.set(path.dirname(f) + (path.basename(f).startsWith("LIVERCAD_") ? f : ""), f);
    let compared = 0;
    for (const f of bySeries.values()) {
      const d = dump(f);
      expect(d.get("00120062")).toBe("CS [YES]");
      expect([...d.keys()].filter(isPrivate)).toEqual([]);
      const sop = /\[(.*)\]/.exec(d.get("00080018") ?? "")?.[1] ?? "";
      const orig = originals.get(sop);
      if (!orig) continue; // SR / PR: checked through their bytes and references
      const o = dump(orig);
      for (const [tag, value] of o) {
        const rule = ruleFor(tag);
        const vr = value.slice(0, 2);
        const v = value.slice(3);
        if (!rule || rule.action === "K" || v.startsWith("(no value") || vr === "SQ") continue;
        // Clean Descriptors keeps a descriptor that names nobody (checked in the next test);
        // Modified Dates shifts dates and keeps times of day.
        if (rule.clean || (rule.shiftDate && vr === "TM")) continue;
        compared++;
        if (d.get(tag) === value) {
          throw new Error(`${tag} (${rule.name}) kept its original value ${v} in ${f}`);
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it("dates move by one offset per patient (intervals kept); descriptors kept only when clean", () => {
    const f = files.find((x) => !path.basename(x).startsWith("LIVERCAD_"))!;
    const d = readPart10(new Uint8Array(fs.readFileSync(f))).dataset;
    const o = readPart10(
      new Uint8Array(fs.readFileSync(originals.get(str(d.SOPInstanceUID))!)),
    ).dataset;
    const days = (x: string) =>
      Date.UTC(+x.slice(0, 4), +x.slice(4, 6) - 1, +x.slice(6, 8)) / 86_400_000;
    const shift = days(str(o.StudyDate)) - days(str(d.StudyDate));
    expect(shift).toBeGreaterThanOrEqual(1);
    expect(days(str(o.SeriesDate)) - days(str(d.SeriesDate))).toBe(shift);
    expect(str(d.SeriesDescription)).toBe(str(o.SeriesDescription)); // "AX T2 ..." names nobody
    expect(str(d.PatientName)).toMatch(/^LCDEID/);
    expect(items(d.DeidentificationMethodCodeSequence).map((c) => c.CodeValue)).toEqual([
      "113100",
      "113106",
      "113105",
    ]);
  });

  it("SR and PR reference the de-identified images, pass dciodvfy; images pass dciodvfy", () => {
    const present = new Set(files.map((f) => path.basename(f, ".dcm")));
    for (const f of files.filter((x) => path.basename(x).startsWith("LIVERCAD_"))) {
      const ds = readPart10(new Uint8Array(fs.readFileSync(f))).dataset;
      expect(str(ds.PatientIdentityRemoved)).toBe("YES");
      const refs = JSON.stringify(ds).match(/"ReferencedSOPInstanceUID":"([0-9.]+)"/g) ?? [];
      expect(refs.length).toBeGreaterThan(0);
      for (const r of refs) expect(present.has(r.split('"')[3]!)).toBe(true);
      const study = path.basename(path.dirname(f));
      expect(str(ds.StudyInstanceUID)).toBe(study);
    }
    const sample = [
      ...files.filter((x) => path.basename(x).startsWith("LIVERCAD_")),
      files.find((x) => !path.basename(x).startsWith("LIVERCAD_"))!,
    ];
    for (const f of sample) {
      const r = spawnSync("dciodvfy", [f], { encoding: "utf8" });
      expect(`${r.stdout}${r.stderr}`.split("\n").filter((l) => l.startsWith("Error"))).toEqual([]);
    }
  });

  it("the same study maps the same way on a second export; --key writes the key", async () => {
    const again = tempOut();
    const reg = Registry.open(dataPaths(dbFile));
    try {
      await exportStudies(reg, { format: "deid", out: again, writeKey: true });
    } finally {
      reg.close();
    }
    const rel = (root: string) =>
      walk(root)
        .map((f) => path.relative(root, f))
        .filter((f) => f.endsWith(".dcm"))
        .sort();
    expect(rel(again)).toEqual(rel(out));
    const key = fs.readFileSync(path.join(again, "key.csv"), "utf8");
    expect(key).toContain(identity[0]!);
    expect(key.split("\r\n")[0]).toContain("pseudonym,patient_id,patient_name");
  });
});
