// Reads and writes the classifier manifest's `calibration` block (issue 11 §3). Writing replaces
// that one key and nothing else: the ONNX files and their sha256 entries stay as they were, and
// the result is validated with the manifest schema before it replaces the file (write + rename).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Calibration } from "../contract/calibration";
import { ModelIntegrityError, UsageError, errorMessage } from "../contract/errors";
import { calibrationOf, parseManifest } from "./manifest";
import { listModelIds, readManifest, type LoadedModel } from "./model-store";

/** The one classifier under `root` (a model root holds exactly one, like a CAD run needs). */
export function findClassifier(root: string): LoadedModel {
  const classifiers = listModelIds(root)
    .map((id) => readManifest(root, id))
    .filter((m) => m.manifest.task === "classifier");
  if (classifiers.length !== 1) {
    throw new UsageError(
      `${root} holds ${classifiers.length} classifier models` +
        (classifiers.length > 0 ? ` (${classifiers.map((m) => m.manifest.id).join(", ")})` : "") +
        "; calibration needs exactly one.",
    );
  }
  return classifiers[0]!;
}

/** The calibration of the classifier under `root`, or null when its manifest has none. */
export function readCalibration(root: string): Calibration | null {
  const m = findClassifier(root).manifest;
  return m.task === "classifier" ? calibrationOf(m) : null;
}

/**
 * JSON with two-space indents where arrays of numbers and strings stay on one line when they fit
 * in 100 columns: the layout prettier gives the shipped manifests, so a calibrate run changes
 * only the lines of the block it writes.
 */
export function formatJson(value: unknown, indent = "", lead = indent.length): string {
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) {
      const flat = `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
      // The line is lead + the array + a comma, within prettier's printWidth of 100.
      if (lead + flat.length + 1 <= 100) return flat;
    }
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    return `{\n${entries
      .map(([k, v]) => {
        const key = `${inner}${JSON.stringify(k)}: `;
        return key + formatJson(v, inner, key.length);
      })
      .join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** Writes `calibration` into the classifier manifest under `root`; returns the manifest path. */
export function writeCalibration(root: string, calibration: Calibration): string {
  const model = findClassifier(root);
  const file = join(model.dir, "manifest.json");
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new ModelIntegrityError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  const next = { ...raw, calibration };
  const parsed = parseManifest(next);
  if (!parsed.ok) {
    throw new ModelIntegrityError(
      `the calibration would make ${file} invalid: ${parsed.problems.join("; ")}`,
    );
  }
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, formatJson(next) + "\n");
  renameSync(tmp, file);
  return file;
}
