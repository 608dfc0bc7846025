// DICOM results (issue 15 §1): the SR content tree's shape against TID 1500 (dciodvfy checks the
// IOD only), dciodvfy / dsrdump / pydicom / dcmpschk on real exports, byte-identical re-export,
// and the round trip: importing LiverCAD SRs into another registry restores the same result.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Assessment } from "../../electron/contract/confidence";
import { Registry } from "../../electron/registry";
import { studyResults } from "../../electron/registry";
import type { StudyResult } from "../../electron/services/analysis/types";
import { importPaths } from "../../electron/services/import/service";
import { assignStudySequences, readInstance } from "../../electron/services/import/defaults";
import {
  CLASS_CODES,
  CODES,
  DISCLAIMER,
  PROBABILITY_CODES,
  type Code,
} from "../../electron/services/export/codes";
import { items, readPart10, str, type DataSet } from "../../electron/services/export/dcm";
import { ExportError, exportStudies } from "../../electron/services/export/service";
import { buildSr, boxPolyline } from "../../electron/services/export/sr-build";
import { readSr } from "../../electron/services/export/sr-read";
import { dataPaths } from "../../electron/services/paths";
import { copyFixture, exportFixture, PYTHON, tempOut } from "./fixture";

const IMPORT = { read: readInstance, assign: assignStudySequences };

const code = (x: unknown): string => {
  const c = items(x)[0] as Partial<Code> | undefined;
  return `${c?.CodingSchemeDesignator}:${c?.CodeValue}`;
};
const key = (c: Code): string => `${c.CodingSchemeDesignator}:${c.CodeValue}`;
const kids = (n: DataSet): DataSet[] => items(n.ContentSequence);

function result(rois: number): StudyResult {
  return {
    studyInstanceUid: "1.2.3.4",
    patientId: "P1",
    status: rois > 0 ? "analyzed" : "no-roi",
    error: null,
    prediction: rois > 0 ? "ICC" : null,
    probabilities: rois > 0 ? { HCC: 0.2, ICC: 0.7, metastasis: 0.1 } : null,
    confidence: rois > 0 ? 0.9987 : null,
    uncertainty: rois > 0 ? 0.0013 : null,
    sequences: { T1_pre: "1.1", T2: "1.2", T1_arterial: "1.3", T1_venous: "1.4", DWI: "1.5" },
    rois: Array.from({ length: rois }, (_, k) => ({
      seriesInstanceUid: "1.4",
      sequence: "T1_venous" as const,
      sliceIndex: 10 + k,
      box_px: [20 + k, 30, 40 + k, 52] as [number, number, number, number],
      center_mm: [1.5, -2.25, 30 + k] as [number, number, number],
      score: 0.8 - k / 10,
      probabilities: { HCC: 0.2, ICC: 0.7, metastasis: 0.1 },
      rank: k + 1,
      mc: {
        variance: 0.001,
        samples: 100,
        classVariances: { HCC: 0.001, ICC: 0.002, metastasis: 0 },
      },
    })),
    model: {
      models: [
        {
          id: "det-t2",
          version: "1.0.0",
          task: "detector",
          sequence: "T2",
          sha256: "ab",
          files: [],
          provider: "cpu",
        },
        {
          id: "cls",
          version: "1.0.0",
          task: "classifier",
          sha256: "cd",
          files: [],
          provider: "cpu",
        },
      ],
      config: {},
    },
    provider: "cpu",
    timings_ms: {},
    analyzedAt: "2026-12-04T10:00:00.000Z",
  };
}

const ASSESSMENT: Assessment = {
  calibratedProbabilities: { HCC: 0.25, ICC: 0.6, metastasis: 0.15 },
  probCorrect: 0.6,
  band: "medium",
  closeCall: false,
  predictionSet: ["ICC", "HCC"],
  coverage: 0.9,
  rankScore: 0.6,
  rankScoreName: "probCorrect",
};

function sr(rois: number, assessment: Assessment | null = null): DataSet {
  return buildSr({
    result: result(rois),
    assessment,
    header: { PatientName: "Test^Pat", PatientID: "P1", StudyInstanceUID: "1.2.3.4" },
    roiImages: Array.from({ length: rois }, (_, k) => ({
      sopClassUid: "1.2.840.10008.5.1.4.1.1.4.1",
      sopInstanceUid: `1.4.${k}`,
      frameNumber: k + 1,
    })),
    analysisId: 7,
    appVersion: "0.1.0",
  });
}

describe("SR content tree follows TID 1500 (PS3.16 Annex A)", () => {
  it("root: Imaging Measurement Report, template 1500, rows 1-12 in order", () => {
    const ds = sr(2, ASSESSMENT);
    expect(code(ds.ConceptNameCodeSequence)).toBe(key(CODES.imagingMeasurementReport));
    expect(items(ds.ContentTemplateSequence)[0]).toMatchObject({
      MappingResource: "DCMR",
      TemplateIdentifier: "1500",
    });
    expect(ds.ValueType).toBe("CONTAINER");
    expect(ds.RelationshipType).toBeUndefined();
    const rows = kids(ds).map(
      (c) => `${c.RelationshipType as string} ${code(c.ConceptNameCodeSequence)}`,
    );
    expect(rows).toEqual([
      `HAS CONCEPT MOD ${key(CODES.languageOfContent)}`,
      `HAS OBS CONTEXT ${key(CODES.observerType)}`,
      `HAS OBS CONTEXT ${key(CODES.deviceObserverUid)}`,
      `HAS OBS CONTEXT ${key(CODES.deviceObserverName)}`,
      `HAS OBS CONTEXT ${key(CODES.deviceObserverManufacturer)}`,
      `HAS OBS CONTEXT ${key(CODES.deviceObserverModelName)}`,
      `HAS CONCEPT MOD ${key(CODES.procedureReported)}`,
      `CONTAINS ${key(CODES.imageLibrary)}`,
      `CONTAINS ${key(CODES.imagingMeasurements)}`,
      `CONTAINS ${key(CODES.qualitativeEvaluations)}`,
    ]);
    // Observer type is "Device" (TID 1004 follows), language a RFC 5646 code.
    expect(code(kids(ds)[1]!.ConceptCodeSequence)).toBe(key(CODES.device));
    const library = kids(kids(ds)[7]!);
    expect(code(library[0]!.ConceptNameCodeSequence)).toBe(key(CODES.imageLibraryGroup));
    expect(kids(library[0]!).map((c) => c.ValueType)).toEqual(["IMAGE", "IMAGE"]);
    // The disclaimer as text in Qualitative Evaluations.
    const qual = kids(kids(ds)[9]!);
    expect(qual).toHaveLength(1);
    expect(qual[0]).toMatchObject({ ValueType: "TEXT", TextValue: DISCLAIMER });
  });

  it("one TID 1410 group per ROI: tracking id + UID, finding, site, closed SCOORD polyline on the image and frame, NUMs", () => {
    const ds = sr(2);
    const groups = kids(kids(ds)[8]!);
    expect(groups).toHaveLength(3);
    groups.slice(0, 2).forEach((g, k) => {
      expect(code(g.ConceptNameCodeSequence)).toBe(key(CODES.measurementGroup));
      expect(items(g.ContentTemplateSequence)[0]).toMatchObject({ TemplateIdentifier: "1410" });
      const c = kids(g);
      expect(c[0]).toMatchObject({
        RelationshipType: "HAS OBS CONTEXT",
        ValueType: "TEXT",
        TextValue: `ROI ${k + 1}`,
      });
      expect(c[1]).toMatchObject({ RelationshipType: "HAS OBS CONTEXT", ValueType: "UIDREF" });
      expect(code(c[2]!.ConceptNameCodeSequence)).toBe(key(CODES.finding));
      expect(code(c[3]!.ConceptCodeSequence)).toBe(key(CODES.liver));
      const scoord = c.find((x) => x.ValueType === "SCOORD")!;
      expect(scoord.GraphicType).toBe("POLYLINE");
      const g2 = scoord.GraphicData as number[];
      expect(g2).toHaveLength(10);
      expect(g2.slice(0, 2)).toEqual(g2.slice(8)); // closed
      expect(g2).toEqual(boxPolyline([20 + k, 30, 40 + k, 52]));
      const image = kids(scoord)[0]!;
      expect(image).toMatchObject({ RelationshipType: "SELECTED FROM", ValueType: "IMAGE" });
      expect(items(image.ReferencedSOPSequence)[0]).toMatchObject({
        ReferencedSOPInstanceUID: `1.4.${k}`,
        ReferencedFrameNumber: k + 1,
      });
      const nums = c
        .filter((x) => x.ValueType === "NUM")
        .map((x) => code(x.ConceptNameCodeSequence));
      expect(nums).toEqual(
        expect.arrayContaining([
          key(CODES.detectorScore),
          key(PROBABILITY_CODES.HCC),
          key(PROBABILITY_CODES.ICC),
          key(PROBABILITY_CODES.metastasis),
        ]),
      );
      for (const n of c.filter((x) => x.ValueType === "NUM")) {
        const mv = items(n.MeasuredValueSequence)[0]!;
        expect(items(mv.MeasurementUnitsCodeSequence)[0]).toHaveProperty(
          "CodingSchemeDesignator",
          "UCUM",
        );
        expect(String(mv.NumericValue).length).toBeLessThanOrEqual(16);
      }
    });
  });

  it("study group (TID 1501): prediction as SNOMED code, probabilities, MC confidence, assessment, series, TID 4019 per model", () => {
    const ds = sr(1, ASSESSMENT);
    const study = kids(kids(ds)[8]!).at(-1)!;
    expect(items(study.ContentTemplateSequence)[0]).toMatchObject({ TemplateIdentifier: "1501" });
    const c = kids(study);
    expect(c[0]).toMatchObject({ TextValue: "Study" });
    const finding = c.find((x) => code(x.ConceptNameCodeSequence) === key(CODES.finding))!;
    expect(code(finding.ConceptCodeSequence)).toBe(key(CLASS_CODES.ICC));
    const names = c.map((x) => code(x.ConceptNameCodeSequence));
    for (const k of [
      CODES.mcConfidence,
      CODES.probCorrect,
      CODES.confidenceBand,
      CODES.predictionSetCoverage,
    ]) {
      expect(names).toContain(key(k));
    }
    expect(names.filter((n) => n === key(CODES.predictionSetMember))).toHaveLength(2);
    expect(names.filter((n) => n === key(CODES.algorithmName))).toHaveLength(2);
    expect(names.filter((n) => n === key(CODES.algorithmVersion))).toHaveLength(2);
    // Algorithm identification modifies the group (TID 4019 under HAS CONCEPT MOD).
    for (const x of c.filter((y) => code(y.ConceptNameCodeSequence) === key(CODES.algorithmName))) {
      expect(x.RelationshipType).toBe("HAS CONCEPT MOD");
    }
    const back = readSr(ds);
    expect(back.assessment).toMatchObject({
      probCorrect: 0.6,
      band: "medium",
      predictionSet: ["ICC", "HCC"],
      coverage: 0.9,
      closeCall: false,
    });
  });

  it("no ROI: only the study group, finding 'No lesion localized', no evidence sequence, no assessment items", () => {
    const ds = sr(0);
    const groups = kids(kids(ds)[8]!);
    expect(groups).toHaveLength(1);
    const finding = kids(groups[0]!).find(
      (x) => code(x.ConceptNameCodeSequence) === key(CODES.finding),
    )!;
    expect(code(finding.ConceptCodeSequence)).toBe(key(CODES.noLesionLocalized));
    expect(ds.CurrentRequestedProcedureEvidenceSequence).toBeUndefined();
    const back = readSr(ds);
    expect(back).toMatchObject({ status: "no-roi", prediction: null, rois: [], assessment: null });
  });

  it("a SR another tool wrote (not LiverCAD's device) is refused by the reader", () => {
    const ds = sr(1);
    const observer = kids(ds)[3]!;
    observer.TextValue = "Other CAD";
    expect(() => readSr(ds)).toThrow(/not a LiverCAD/);
  });
});

describe("exported SR and GSPS files (2-study phantom, shipped models)", () => {
  const fixture = exportFixture();
  // Exports store the SR / GSPS in the registry (result-objects.ts): work on a private copy.
  const dbFile = copyFixture(fixture);
  const out = tempOut();
  const files: Record<"sr" | "gsps", string[]> = { sr: [], gsps: [] };

  it("export writes one SR and one GSPS per analyzed study, byte-identical on a second run", async () => {
    const reg = Registry.open(dataPaths(dbFile));
    try {
      for (const format of ["sr", "gsps"] as const) {
        const r = await exportStudies(reg, { format, out });
        expect(r.files.map((f) => f.outcome)).toEqual(["written", "written"]);
        files[format] = r.files.map((f) => path.join(out, f.file));
        const again = tempOut();
        const r2 = await exportStudies(reg, { format, out: again });
        for (const f of r2.files) {
          expect(fs.readFileSync(path.join(again, f.file))).toEqual(
            fs.readFileSync(path.join(out, f.file)),
          );
        }
      }
    } finally {
      reg.close();
    }
  });

  it("every SR and GSPS passes dciodvfy without errors", () => {
    for (const f of [...files.sr, ...files.gsps]) {
      const r = spawnSync("dciodvfy", [f], { encoding: "utf8" });
      const text = `${r.stdout}${r.stderr}`;
      expect(text).toMatch(/ComprehensiveSR|GrayscaleSoftcopyPresentationState/);
      expect(text.split("\n").filter((l) => l.startsWith("Error"))).toEqual([]);
    }
  });

  it("dsrdump prints each SR's tree; dcmpschk passes each GSPS", () => {
    for (const f of files.sr) {
      const r = spawnSync("dsrdump", ["+Pl", f], { encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('"Imaging Measurement Report"');
      expect(r.stdout).toContain("POLYLINE");
      expect(r.stdout).toContain(DISCLAIMER);
    }
    for (const f of files.gsps) {
      const r = spawnSync("dcmpschk", [f], { encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain("Test passed");
    }
  });

  it("pydicom reads the SRs: the ROI count and the prediction's SNOMED code", () => {
    const reg = Registry.open(dataPaths(dbFile));
    const results = studyResults(reg.db);
    reg.close();
    const script = [
      "import pydicom, sys, json",
      "out = []",
      "for f in sys.argv[1:]:",
      "  d = pydicom.dcmread(f)",
      "  meas = [c for c in d.ContentSequence if c.ConceptNameCodeSequence[0].CodeValue == '126010'][0]",
      "  groups = meas.ContentSequence",
      "  study = groups[-1].ContentSequence",
      "  finding = [c for c in study if c.ConceptNameCodeSequence[0].CodeValue == '121071'][0]",
      "  out.append({'study': d.StudyInstanceUID, 'rois': len(groups) - 1, 'finding': finding.ConceptCodeSequence[0].CodeValue})",
      "print(json.dumps(out))",
    ].join("\n");
    const r = spawnSync(PYTHON, ["-c", script, ...files.sr], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const read = JSON.parse(r.stdout) as { study: string; rois: number; finding: string }[];
    for (const x of read) {
      const res = results.find((s) => s.studyInstanceUid === x.study)!;
      expect(x.rois).toBe(res.rois.length);
      expect(x.finding).toBe(CLASS_CODES[res.prediction!].CodeValue);
    }
  });

  it("round trip: the cohort + the SRs imported into another registry restore the same results", async () => {
    const source = Registry.open(dataPaths(dbFile));
    const original = studyResults(source.db);
    source.close();
    const otherDb = path.join(tempOut(), "other", "registry.sqlite");
    const other = Registry.open(dataPaths(otherDb));
    try {
      // SRs first in the list: they are restored after every image is registered.
      const report = await importPaths(other, [path.dirname(files.sr[0]!), fixture.cohort], IMPORT);
      const srOutcomes = report.files.filter((f) => f.path.endsWith(".sr.dcm"));
      expect(srOutcomes.map((f) => f.outcome)).toEqual(["imported", "imported"]);
      expect(srOutcomes[0]!.reason).toMatch(/LiverCAD SR: analysis result restored/);
      const gspsOutcomes = report.files.filter((f) => f.path.endsWith(".gsps.dcm"));
      expect(gspsOutcomes.every((f) => f.outcome === "skipped")).toBe(true);
      const restored = studyResults(other.db);
      expect(restored).toHaveLength(original.length);
      for (const o of original) {
        const r = restored.find((x) => x.studyInstanceUid === o.studyInstanceUid)!;
        expect(r.provider).toMatch(/^DICOM SR import/);
        expect(r).toMatchObject({
          status: o.status,
          prediction: o.prediction,
          probabilities: o.probabilities,
          confidence: o.confidence,
          uncertainty: o.uncertainty,
          sequences: o.sequences,
          analyzedAt: o.analyzedAt,
        });
        expect(r.model.models.map((m) => [m.id, m.version, m.sha256])).toEqual(
          o.model.models.map((m) => [m.id, m.version, m.sha256]),
        );
        expect(r.rois).toHaveLength(o.rois.length);
        r.rois.forEach((roi, k) => {
          const want = o.rois[k]!;
          expect(roi).toMatchObject({
            seriesInstanceUid: want.seriesInstanceUid,
            sequence: want.sequence,
            sliceIndex: want.sliceIndex,
            rank: want.rank,
            score: want.score,
            probabilities: want.probabilities,
            center_mm: want.center_mm,
            mc: want.mc,
          });
          // SCOORD is FL (float32): boxes come back within float precision.
          roi.box_px.forEach((v, i) => expect(v).toBeCloseTo(want.box_px[i]!, 3));
        });
      }
      // Each imported SR is stored as its restored analysis' result object, byte for byte, and an
      // export finds it instead of writing one of its own (same UIDs on every workstation).
      const stored = other.db
        .prepare<[], { kind: string; origin: string; sop: string; path: string }>(
          "SELECT kind, origin, sop_instance_uid AS sop, store_path AS path FROM result_objects ORDER BY id",
        )
        .all();
      expect(stored.map((r) => [r.kind, r.origin])).toEqual([
        ["sr", "imported"],
        ["sr", "imported"],
      ]);
      const sourceBySop = new Map(
        files.sr.map((f) => {
          const bytes = fs.readFileSync(f);
          return [str(readPart10(new Uint8Array(bytes)).dataset.SOPInstanceUID), bytes];
        }),
      );
      for (const r of stored) {
        expect(fs.readFileSync(path.join(other.paths.store, ...r.path.split("/")))).toEqual(
          sourceBySop.get(r.sop),
        );
      }
      const reexport = tempOut();
      const r2 = await exportStudies(other, { format: "sr", out: reexport });
      for (const f of r2.files) {
        const bytes = fs.readFileSync(path.join(reexport, f.file));
        const sop = str(readPart10(new Uint8Array(bytes)).dataset.SOPInstanceUID);
        expect(bytes).toEqual(sourceBySop.get(sop));
      }
      expect(
        (
          other.db.prepare("SELECT COUNT(*) AS n FROM result_objects WHERE kind = 'sr'").get() as {
            n: number;
          }
        ).n,
      ).toBe(2);
      // Importing the same SRs again changes nothing.
      const again = await importPaths(other, [path.dirname(files.sr[0]!)], IMPORT);
      const srAgain = again.files.filter((f) => f.path.endsWith(".sr.dcm"));
      expect(srAgain.map((f) => f.reason)).toEqual([
        "LiverCAD SR already the study's current result",
        "LiverCAD SR already the study's current result",
      ]);
      expect(studyResults(other.db).length).toBe(original.length);
      // An SR restored before result objects were stored (a registry from before db/010): the
      // next import of it stores it, still without a new analysis.
      other.db.prepare("DELETE FROM result_objects").run();
      await importPaths(other, [path.dirname(files.sr[0]!)], IMPORT);
      expect(
        other.db
          .prepare("SELECT origin FROM result_objects ORDER BY id")
          .all()
          .map((r) => (r as { origin: string }).origin),
      ).toEqual(["imported", "imported"]);
      expect(studyResults(other.db).length).toBe(original.length);
    } finally {
      other.close();
    }
  });

  it("an SR whose study is not in the registry is skipped with the reason; the source registry's own SR is unchanged", async () => {
    const empty = Registry.open(dataPaths(path.join(tempOut(), "e", "registry.sqlite")));
    try {
      const r = await importPaths(empty, [files.sr[0]!], IMPORT);
      expect(r.files[0]).toMatchObject({ outcome: "skipped" });
      expect(r.files[0]!.reason).toMatch(/not in the registry: import the study's images first/);
    } finally {
      empty.close();
    }
    const copy = Registry.open(dataPaths(copyFixture(fixture)));
    try {
      const r = await importPaths(copy, [files.sr[0]!], IMPORT);
      expect(r.files[0]!.reason).toBe("LiverCAD SR already the study's current result");
    } finally {
      copy.close();
    }
  });

  it("unknown study UIDs are refused by name; nothing is written", async () => {
    const reg = Registry.open(dataPaths(dbFile));
    try {
      const dir = path.join(tempOut(), "x");
      await expect(
        exportStudies(reg, { format: "sr", out: dir, studies: ["9.9.9"] }),
      ).rejects.toThrow(ExportError);
      await expect(
        exportStudies(reg, { format: "sr", out: dir, studies: ["9.9.9"] }),
      ).rejects.toThrow(/9\.9\.9/);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      reg.close();
    }
  });

  it("reads back: the SR's patient and study attributes are the images'", () => {
    const { dataset } = readPart10(new Uint8Array(fs.readFileSync(files.sr[0]!)));
    expect(str(dataset.PatientName)).toMatch(/^PHANTOM\^/);
    expect(str(dataset.Modality)).toBe("SR");
  });
});
