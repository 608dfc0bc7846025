// The image-quality gate on real files (issue 13 §3): a 2-study phantom (seed "quality-gate-1",
// preset small) imported into a temporary registry. Study A lost 2 of its portal-venous images
// before import (the walk's "2 of 45 slices rejected"); study B's portal-venous files are
// rewritten by pydicom (an independent writer) with the walk's degenerate headers. The service
// runs with the tiny ONNX fixtures (mechanics only), under both site policies.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceEngine } from "../../../electron/inference/engine";
import { openPipelineModels } from "../../../electron/inference/open-models";
import { generateCohort } from "../../../electron/phantom/cohort";
import { instanceFilesOfSeries, Registry } from "../../../electron/registry";
import { latestQualityFlags } from "../../../electron/registry/quality";
import { writeSiteSetting } from "../../../electron/registry/site-settings";
import { AnalysisService, studyResults } from "../../../electron/services/analysis/index";
import { studySeries } from "../../../electron/services/analysis/load";
import {
  gateSeries,
  loadStudyVolumesGated,
  QualityRefusedError,
} from "../../../electron/services/analysis/quality-gate";
import { importPaths, ManagedStore } from "../../../electron/services/import";
import { assignStudySequences, readInstance } from "../../../electron/services/import/defaults";
import { dataPaths } from "../../../electron/services/paths";
import { buildWorker, installTinyModels } from "../../inference/helpers";

const SEED = "quality-gate-1";
const TINY_CONFIG = {
  detectorSize: 16,
  detectorSpacingMm: 24,
  cropSize: 8,
  mcSamples: 4,
  scoreThreshold: 0,
};

let dir = "";
let registry: Registry;
let engine: InferenceEngine;
let worker: { path: string; remove: () => void };
let incomplete = ""; // study A
let intact = ""; // study B
let removed: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-quality-"));
  const cohort = path.join(dir, "cohort");
  generateCohort({ outDir: cohort, studies: 2, seed: SEED, preset: "small" });
  const patients = fs
    .readdirSync(cohort)
    .filter((d) => fs.statSync(path.join(cohort, d)).isDirectory())
    .sort();
  const venous = path.join(
    cohort,
    patients[0]!,
    fs.readdirSync(path.join(cohort, patients[0]!)).find((d) => d.endsWith("T1_venous"))!,
  );
  const files = fs.readdirSync(venous).sort();
  removed = files.slice(10, 12);
  for (const f of removed) fs.rmSync(path.join(venous, f));
  installTinyModels(path.join(dir, "models"));
  registry = Registry.open(dataPaths(path.join(dir, "db", "registry.sqlite")));
  const report = await importPaths(registry, [cohort], {
    read: readInstance,
    assign: assignStudySequences,
  });
  const byPatient = new Map(report.studies.map((s) => [s.studyInstanceUid, s]));
  expect(byPatient.size).toBe(2);
  const uids = registry.db
    .prepare<[], { uid: string; pid: string }>(
      `SELECT s.study_instance_uid AS uid, p.patient_id AS pid FROM studies s
         JOIN patients p ON p.id = s.patient_ref ORDER BY p.patient_id`,
    )
    .all();
  incomplete = uids.find((u) => u.pid === patients[0])!.uid;
  intact = uids.find((u) => u.pid !== patients[0])!.uid;
  worker = await buildWorker();
  engine = new InferenceEngine({ workerPath: worker.path, providers: ["cpu"] });
}, 300_000);

afterAll(async () => {
  await engine?.close();
  worker?.remove();
  registry?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function venousFiles(uid: string): string[] {
  const store = new ManagedStore(registry.paths.store);
  const series = studySeries(registry, uid).sequences.T1_venous!;
  return instanceFilesOfSeries(registry.db, series).map((p) => store.absolute(p));
}

/** Rewrites the files with pydicom; returns a function that puts the original bytes back. */
function rewrite(files: string[], python: string): () => void {
  const saved = files.map((f) => [f, fs.readFileSync(f)] as const);
  const script = `import sys, pydicom\nfor p in sys.argv[1:]:\n  ds = pydicom.dcmread(p)\n  ${python}\n  ds.save_as(p)\n`;
  const r = spawnSync("/usr/bin/python3", ["-c", script, ...files], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return () => {
    for (const [f, b] of saved) fs.writeFileSync(f, b);
  };
}

async function venousFindings(uid: string) {
  const s = studySeries(registry, uid);
  return gateSeries(registry, "T1_venous", s.sequences.T1_venous!, null);
}

async function refusal(uid: string, policy: "block" | "warn"): Promise<QualityRefusedError> {
  try {
    await loadStudyVolumesGated(registry, studySeries(registry, uid), policy);
  } catch (err) {
    if (err instanceof QualityRefusedError) return err;
    throw err;
  }
  throw new Error("the gate let the study through");
}

describe(`quality gate, phantom seed=${SEED} studies=2`, () => {
  it("lets a complete, plausible study through with an ok flag", async () => {
    const gated = await loadStudyVolumesGated(registry, studySeries(registry, intact), "block");
    expect(gated.flag).toEqual({ status: "ok", policy: "block", findings: [] });
  });

  it("marks 2 missing portal-venous images incomplete: refused under block, flagged under warn", async () => {
    const err = await refusal(incomplete, "block");
    expect(err.flag.status).toBe("refused");
    expect(err.flag.findings.map((f) => `${f.sequence}:${f.code}`)).toEqual([
      "T1_venous:position-gap",
      "T1_venous:instance-gap",
    ]);
    expect(err.message).toContain("2 slice(s) missing in the stack");
    expect(err.message).toContain("2 image(s) missing by instance number (11, 12)");
    const warned = await loadStudyVolumesGated(registry, studySeries(registry, incomplete), "warn");
    expect(warned.flag.status).toBe("incomplete");
    expect(warned.loaded.T1_venous.volume.geometry.slices).toBeGreaterThan(10);
  });

  it.each([
    ["RescaleSlope 0", "ds.RescaleSlope = 0", "rescale", "Rescale Slope is 0"],
    ["RescaleIntercept 1e30", "ds.RescaleIntercept = '1e30'", "rescale", "Intercept is 1.0e+30"],
    ["BitsStored 1", "ds.BitsStored = 1; ds.HighBit = 0", "bit-depth", "stores 1 bit(s)"],
    [
      "PixelSpacing 1e-9",
      "ds.PixelSpacing = ['1e-9', '1e-9']",
      "pixel-spacing",
      "1.0e-9 x 1.0e-9 mm",
    ],
    [
      "all slices at one position",
      "ds.ImagePositionPatient = [-200, -200, 10]",
      "one-position",
      "images are at one position",
    ],
  ])("refuses the portal-venous series with %s", async (_name, python, code, text) => {
    const restore = rewrite(venousFiles(intact), python);
    try {
      const { findings, loaded } = await venousFindings(intact);
      expect(loaded).toBeNull();
      expect(findings.map((f) => `${f.severity}:${f.code}`)).toContain(`refuse:${code}`);
      const message = findings.map((f) => f.message).join(" ");
      expect(message).toContain("T1 portal-venous (series");
      expect(message).toContain(text);
    } finally {
      restore();
    }
  });

  it("the analysis stores the verdict: refused -> error with the reason, warn -> analyzed + flag", async () => {
    const service = new AnalysisService({
      registry,
      openModels: () => openPipelineModels(engine, path.join(dir, "models")),
      config: TINY_CONFIG,
    });
    service.enqueue([incomplete]); // site default: block
    await service.processQueue();
    let result = studyResults(registry.db, [incomplete])[0]!;
    expect(result.status).toBe("error");
    expect(result.error).toContain("slice(s) missing");
    expect(latestQualityFlags(registry.db).get(incomplete)?.status).toBe("refused");

    writeSiteSetting(registry.db, "incompleteSeries", "warn", "site-admin");
    service.enqueue([incomplete]);
    await service.processQueue();
    result = studyResults(registry.db, [incomplete])[0]!;
    expect(["analyzed", "no-roi"]).toContain(result.status);
    const flag = latestQualityFlags(registry.db).get(incomplete)!;
    expect(flag.status).toBe("incomplete");
    expect(flag.policy).toBe("warn");
    writeSiteSetting(registry.db, "incompleteSeries", "block", "site-admin");
  });
});
