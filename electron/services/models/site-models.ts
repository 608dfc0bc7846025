// Site models (issue 12 §4): adding one is an explicit, audited admin action, and a model that is
// not shipped loads only when an administrator added exactly its files. `livercad models add DIR`
// validates the folder (manifest, every file's sha256, the graph's inputs and outputs against the
// manifest's names, types and shapes), refuses a model that takes a shipped model's id, and
// records the hashes in the registry (site_models). checkModelRoot then holds every folder of a
// models root named with --models / LIVERCAD_MODELS to the pins (shipped ids) or to that record.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { errorMessage, ModelIntegrityError, UsageError } from "../../contract/errors";
import type { TensorSpec } from "../../inference/manifest";
import {
  listModelIds,
  readManifest,
  readVerified,
  type LoadedModel,
} from "../../inference/model-store";
import { PINNED_FILES } from "../../inference/pins";
import { appendAudit, type Db } from "../../registry";
import { filesKey, insertSiteModel, listSiteModels, type SiteModelRecord } from "../../registry";

const pinnedIds = (pins: Readonly<Record<string, string>>): Set<string> =>
  new Set(Object.keys(pins).map((k) => k.split("/")[0]!));

/** The model folders DIR names: DIR itself when it holds a manifest.json, else its sub-folders. */
export function modelFolders(dir: string): string[] {
  if (!path.isAbsolute(dir)) {
    throw new UsageError(`Give the full path of the model folder; "${dir}" is relative.`);
  }
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`${dir} is not a folder.`);
  }
  if (fs.existsSync(path.join(dir, "manifest.json"))) return [dir];
  const ids = listModelIds(dir);
  if (ids.length === 0) {
    throw new ModelIntegrityError(
      `${dir} holds no model: a model is a folder with a manifest.json (docs/SITE-MODELS.md).`,
    );
  }
  return ids.map((id) => path.join(dir, id));
}

function shapeProblems(
  where: string,
  specs: readonly TensorSpec[],
  graph: readonly {
    name: string;
    isTensor: boolean;
    type?: string;
    shape?: readonly (number | string)[];
  }[],
): string[] {
  const problems: string[] = [];
  for (const spec of specs) {
    const g = graph.find((x) => x.name === spec.name);
    if (!g) {
      problems.push(
        `${where} "${spec.name}" is not in the graph (it has ${graph.map((x) => x.name).join(", ")})`,
      );
      continue;
    }
    if (!g.isTensor || g.type !== spec.dtype) {
      problems.push(
        `${where} "${spec.name}" is ${g.type ?? "not a tensor"} in the graph, ${spec.dtype} in the manifest`,
      );
      continue;
    }
    const shape = g.shape ?? [];
    const fits =
      shape.length === spec.shape.length &&
      spec.shape.every((d, i) => typeof d !== "number" || shape[i] === d);
    if (!fits) {
      problems.push(
        `${where} "${spec.name}" has shape [${shape.join(", ")}] in the graph, [${spec.shape.join(", ")}] in the manifest`,
      );
    }
  }
  return problems;
}

/** Opens each ONNX file once (onnxruntime, CPU) and compares its inputs/outputs with the manifest. */
async function checkGraphs(model: LoadedModel): Promise<void> {
  // Telemetry off before onnxruntime loads (issue 12 §4), as in every inference worker.
  process.env.ORT_DISABLE_TELEMETRY = "1";
  const ort = await import("onnxruntime-node");
  ort.env.logLevel = "fatal";
  for (const file of Object.values(model.files)) {
    const bytes = readVerified(model.manifest.id, file);
    let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
    try {
      session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"] });
    } catch (err) {
      throw new ModelIntegrityError(
        `Model "${model.manifest.id}": ${file.path} is not a model onnxruntime can open: ${errorMessage(err)}`,
      );
    }
    try {
      const problems = [
        ...shapeProblems("input", file.inputs, session.inputMetadata),
        ...shapeProblems("output", file.outputs, session.outputMetadata),
      ];
      if (problems.length > 0) {
        throw new ModelIntegrityError(
          `Model "${model.manifest.id}": ${file.path} does not match its manifest: ${problems.join("; ")}.`,
        );
      }
    } finally {
      await session.release();
    }
  }
}

export interface ValidatedModel {
  folder: string;
  record: Omit<SiteModelRecord, "addedAt" | "addedBy">;
}

/** Everything `models add` checks before it records anything; throws on the first problem. */
export async function validateSiteModel(
  folder: string,
  pins: Readonly<Record<string, string>> = PINNED_FILES,
): Promise<ValidatedModel> {
  const id = path.basename(folder);
  const model = readManifest(path.dirname(folder), id);
  if (pinnedIds(pins).has(id)) {
    throw new ModelIntegrityError(
      `Model "${id}" has the id of a model shipped with LiverCAD; a site model needs its own id (folder name and manifest "id"), so the shipped one is never replaced unnoticed.`,
    );
  }
  const files: Record<string, string> = {};
  for (const file of Object.values(model.files)) {
    readVerified(id, file); // the file's bytes against the manifest's sha256
    files[file.path] = file.sha256;
  }
  await checkGraphs(model);
  const manifestSha256 = createHash("sha256")
    .update(fs.readFileSync(path.join(folder, "manifest.json")))
    .digest("hex");
  return {
    folder,
    record: {
      modelId: id,
      version: model.manifest.version,
      task: model.manifest.task,
      folder,
      files,
      manifestSha256,
    },
  };
}

export interface AddResult {
  modelId: string;
  version: string;
  task: string;
  files: Record<string, string>;
  /** false: the same model id with the same files was added before; nothing new recorded. */
  added: boolean;
}

/**
 * `livercad models add DIR`: validates every model DIR names, then records them all in one
 * transaction (one bad model adds none). The caller has checked the admin role. A refused folder
 * is audited too (model.add-refused, with the reason).
 */
export async function addSiteModels(db: Db, dir: string, actor: string): Promise<AddResult[]> {
  const validated: ValidatedModel[] = [];
  try {
    for (const folder of modelFolders(dir)) validated.push(await validateSiteModel(folder));
  } catch (err) {
    appendAudit(db, {
      actor,
      action: "model.add-refused",
      studyRef: null,
      details: { folder: dir, reason: errorMessage(err) },
    });
    throw err;
  }
  return db
    .transaction(() =>
      validated.map(({ record }) => {
        const added = insertSiteModel(db, { ...record, addedBy: actor });
        if (added) {
          appendAudit(db, {
            actor,
            action: "model.add",
            studyRef: null,
            details: {
              model: record.modelId,
              version: record.version,
              task: record.task,
              folder: record.folder,
              files: record.files,
            },
          });
        }
        return {
          modelId: record.modelId,
          version: record.version,
          task: record.task,
          files: record.files,
          added,
        };
      }),
    )
    .immediate();
}

/**
 * The gate for a models root named explicitly (--models, LIVERCAD_MODELS): each folder is a
 * shipped model whose files match the pins, or a site model whose files match one an
 * administrator added. Anything else is refused before a session is created.
 */
export function checkModelRoot(
  root: string,
  registered: readonly SiteModelRecord[],
  pins: Readonly<Record<string, string>> = PINNED_FILES,
): void {
  const shipped = pinnedIds(pins);
  for (const id of listModelIds(root)) {
    const model = readManifest(root, id);
    const files: Record<string, string> = {};
    for (const f of Object.values(model.files)) files[f.path] = f.sha256;
    if (shipped.has(id)) {
      for (const [file, sha] of Object.entries(files)) {
        if (pins[`${id}/${file}`] !== sha) {
          throw new ModelIntegrityError(
            `Model "${id}" in ${root}: ${file} is not the file shipped with this version (sha256 ${sha}, shipped ${pins[`${id}/${file}`] ?? "none"}); it was not loaded.`,
          );
        }
      }
      continue;
    }
    const same = registered.filter((r) => r.modelId === id);
    if (same.some((r) => filesKey(r.files) === filesKey(files))) continue;
    throw new ModelIntegrityError(
      same.length === 0
        ? `Model "${id}" in ${root} was not added by an administrator; it was not loaded. Add it with "livercad models add ${path.join(root, id)}" (admin).`
        : `Model "${id}" in ${root}: its files differ from the ones an administrator added (${same.map((r) => `version ${r.version} on ${r.addedAt.slice(0, 10)} by ${r.addedBy}`).join("; ")}); it was not loaded. Add this version with "livercad models add" if it is meant to be used.`,
    );
  }
}

export interface ModelListing {
  source: "shipped" | "added";
  modelId: string;
  version: string;
  task: string;
  files: Record<string, string>;
  addedAt: string | null;
  addedBy: string | null;
  folder: string | null;
}

/** `livercad models list`: the shipped (pinned) models, then every added one. */
export function listModels(
  db: Db,
  shippedRoot: string,
  pins: Readonly<Record<string, string>> = PINNED_FILES,
): ModelListing[] {
  const shipped: ModelListing[] = [...pinnedIds(pins)].sort().map((id) => {
    const files = Object.fromEntries(
      Object.entries(pins)
        .filter(([k]) => k.startsWith(`${id}/`))
        .map(([k, v]) => [k.slice(id.length + 1), v]),
    );
    let version = "?";
    let task = "?";
    try {
      const m = readManifest(shippedRoot, id).manifest;
      [version, task] = [m.version, m.task];
    } catch {
      // A shipped folder missing here still has its pins listed; loading would refuse it.
    }
    return {
      source: "shipped",
      modelId: id,
      version,
      task,
      files,
      addedAt: null,
      addedBy: null,
      folder: null,
    };
  });
  const added: ModelListing[] = listSiteModels(db).map((r) => ({
    source: "added",
    modelId: r.modelId,
    version: r.version,
    task: r.task,
    files: r.files,
    addedAt: r.addedAt,
    addedBy: r.addedBy,
    folder: r.folder,
  }));
  return [...shipped, ...added];
}
