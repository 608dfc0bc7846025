// The classifier manifest's calibration block: written without touching anything else, validated
// before it replaces the file, read back by the pipeline's model opener.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_BANDS, type Calibration } from "../../electron/contract/calibration";
import {
  formatJson,
  readCalibration,
  writeCalibration,
} from "../../electron/inference/calibration-store";
import { parseManifest } from "../../electron/inference/manifest";
import { modelFolder, REPO } from "./helpers";

const root = mkdtempSync(join(tmpdir(), "livercad-calibration-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const calibration: Calibration = {
  temperature: 1.25,
  rankScore: "margin",
  aurc: { paper: 0.2, maxProb: 0.15, negEntropy: 0.16, margin: 0.14, negMutualInfo: null },
  ece: { bins: 15, before: 0.12, after: 0.04 },
  conformal: { method: "APS", coverage: 0.9, qhat: 0.97, calibrationSize: 40 },
  bands: {
    ...DEFAULT_BANDS,
    accuracy: { high: 0.95, medium: 0.8, low: null },
    count: { high: 20, medium: 20, low: 0 },
  },
  closeCallMargin: 0.1,
  provenance: {
    cohort: "val/out.json",
    studies: 40,
    fitted: 40,
    truthSha256: "c".repeat(64),
    resultsDate: "2026-12-04T20:00:00.000Z",
    appVersion: "0.1.0",
  },
};

describe("calibration block", () => {
  it("formats JSON like the shipped manifests (prettier's layout), byte for byte", () => {
    const text = readFileSync(
      join(REPO, "native-models/classifier-densenet/manifest.json"),
      "utf8",
    );
    expect(formatJson(JSON.parse(text)) + "\n").toBe(text);
  });

  it("writes only the block: every other key, file and sha256 stays as it was", () => {
    const dir = mkdtempSync(join(root, "ok-"));
    const id = modelFolder(dir, "classifier");
    modelFolder(dir, "detector");
    const before = JSON.parse(readFileSync(join(dir, id, "manifest.json"), "utf8")) as object;
    const onnx = readFileSync(join(dir, id, "classifier_backbone.onnx"));
    expect(readCalibration(dir)).toBeNull();
    writeCalibration(dir, calibration);
    const after = JSON.parse(readFileSync(join(dir, id, "manifest.json"), "utf8")) as {
      calibration: unknown;
    };
    const { calibration: block, ...rest } = after;
    expect(rest).toEqual(before);
    expect(block).toEqual(calibration);
    expect(readFileSync(join(dir, id, "classifier_backbone.onnx")).equals(onnx)).toBe(true);
    expect(readCalibration(dir)).toEqual(calibration);
    // Written again (a recalibration): replaced, not duplicated.
    writeCalibration(dir, { ...calibration, temperature: 2 });
    expect(readCalibration(dir)!.temperature).toBe(2);
  });

  it("refuses a block the schema rejects and leaves the manifest as it was", () => {
    const dir = mkdtempSync(join(root, "bad-"));
    const id = modelFolder(dir, "classifier");
    const file = join(dir, id, "manifest.json");
    const text = readFileSync(file, "utf8");
    const bad = { ...calibration, bands: { ...calibration.bands, medium: 0.95 } };
    expect(() => writeCalibration(dir, bad)).toThrow(
      /calibration\.bands\.medium must not exceed calibration\.bands\.high/,
    );
    expect(() => writeCalibration(dir, { ...calibration, temperature: -1 })).toThrow(
      /calibration\.temperature/,
    );
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("needs exactly one classifier under the model root", () => {
    const dir = mkdtempSync(join(root, "none-"));
    modelFolder(dir, "detector");
    expect(() => writeCalibration(dir, calibration)).toThrow(/holds 0 classifier models/);
  });

  it("an unknown rank score in a manifest is refused with its path", () => {
    const m = JSON.parse(
      readFileSync(join(REPO, "native-models/classifier-densenet/manifest.json"), "utf8"),
    ) as Record<string, unknown>;
    const r = parseManifest({ ...m, calibration: { ...calibration, rankScore: "vibes" } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join("; ")).toMatch(/calibration\.rankScore/);
  });
});
