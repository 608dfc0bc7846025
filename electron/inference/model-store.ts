// Finds models only through `native-models/<id>/manifest.json` (issue 4 §1, STYLE.md 9) and
// verifies every file's sha256 before anything loads it; a mismatch is refused, never warned.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { ModelIntegrityError, errorMessage } from "../contract/errors";
import { parseManifest, type ModelFileSpec, type ModelManifest } from "./manifest";

export interface ResolvedFile extends ModelFileSpec {
  /** Absolute path of the file. */
  absolutePath: string;
}

export interface LoadedModel {
  manifest: ModelManifest;
  dir: string;
  files: Record<string, ResolvedFile>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Reads a model file and checks its sha256 against the manifest, returning the verified bytes:
 * a session is created from exactly these bytes, so the file cannot change between the check and
 * the load.
 */
export function readVerified(modelId: string, file: ResolvedFile): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file.absolutePath);
  } catch (err) {
    throw new ModelIntegrityError(
      `Model "${modelId}": cannot read ${file.path} (${errorMessage(err)}). Reinstall the model folder.`,
    );
  }
  const actual = sha256Hex(bytes);
  if (actual !== file.sha256) {
    throw new ModelIntegrityError(
      `Model "${modelId}": ${file.path} has sha256 ${actual} but its manifest says ${file.sha256}. ` +
        "The file was changed or damaged; it was not loaded. Reinstall the model folder.",
    );
  }
  return bytes;
}

/** Parses `<root>/<id>/manifest.json` and resolves its files, without reading them. */
export function readManifest(root: string, id: string): LoadedModel {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) {
    throw new ModelIntegrityError(`"${id}" is not a model id (lowercase letters, digits, . _ -).`);
  }
  const dir = resolve(root, id);
  const manifestPath = join(dir, "manifest.json");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (err) {
    throw new ModelIntegrityError(
      `Model "${id}": cannot read ${manifestPath}: ${errorMessage(err)}`,
    );
  }
  const parsed = parseManifest(raw);
  if (!parsed.ok) {
    throw new ModelIntegrityError(
      `Model "${id}": manifest.json is invalid: ${parsed.problems.join("; ")}`,
    );
  }
  const manifest = parsed.manifest;
  if (manifest.id !== id) {
    throw new ModelIntegrityError(`Model folder "${id}" holds a manifest for "${manifest.id}".`);
  }
  const files: Record<string, ResolvedFile> = {};
  for (const [role, spec] of Object.entries(manifest.files) as [string, ModelFileSpec][]) {
    const absolutePath = resolve(dir, spec.path);
    const rel = relative(dir, absolutePath);
    // A manifest may only point inside its own folder: a copied folder must be self-contained.
    if (isAbsolute(spec.path) || rel.startsWith("..") || isAbsolute(rel)) {
      throw new ModelIntegrityError(`Model "${id}": file ${spec.path} lies outside its folder.`);
    }
    files[role] = { ...spec, absolutePath };
  }
  return { manifest, dir, files };
}

/** readManifest, then the sha256 of every file: what the app runs before offering a model. */
export function loadModel(root: string, id: string): LoadedModel {
  const model = readManifest(root, id);
  for (const file of Object.values(model.files)) readVerified(id, file);
  return model;
}

/** Ids of the folders under root that hold a manifest.json. */
export function listModelIds(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => {
      const p = join(root, name);
      return statSync(p).isDirectory() && existsSync(join(p, "manifest.json"));
    })
    .sort();
}
