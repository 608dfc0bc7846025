// Where the shipped models live and how a service opens them: native-models/<id>/manifest.json
// only (issue 4 §1), through the inference worker.
import fs from "node:fs";
import path from "node:path";
import { ModelIntegrityError } from "../../contract/errors";
import { InferenceEngine } from "../../inference/engine";
import { listModelIds, loadModel } from "../../inference/model-store";
import { openPipelineModels } from "../../inference/open-models";
import { checkPinnedModels } from "../../inference/pins";
import type { ProviderName } from "../../inference/providers";
import type { OpenedModels } from "./service";
import type { SiteModelRecord } from "../../registry";
import { checkModelRoot } from "../models/site-models";

/**
 * $LIVERCAD_MODELS, else native-models/ beside the bundle's folder (dist/ -> the repository or the
 * unpacked app), else the working directory's native-models/.
 */
export function defaultModelsRoot(): string {
  const env = process.env.LIVERCAD_MODELS;
  if (env && env.length > 0) return path.resolve(env);
  const beside = path.resolve(__dirname, "..", "native-models");
  if (fs.existsSync(beside)) return beside;
  return path.resolve("native-models");
}

/** True when models come from the shipped folder rather than one named by the user. */
export function usesShippedModels(explicitRoot: string | undefined): boolean {
  return explicitRoot === undefined && !process.env.LIVERCAD_MODELS;
}

export interface ModelSource {
  root: string;
  /**
   * The root is the shipped native-models/ (no --models, no LIVERCAD_MODELS): its files must
   * match the hashes pinned in the app (inference/pins.ts).
   */
  pinned?: boolean;
  /**
   * A root named explicitly: the site models an administrator added (registry site_models). Each
   * folder must then be a shipped model matching the pins or an added one (issue 12 §4). The app
   * and the CLI always pass it; only tests of the mechanics leave it out.
   */
  siteModels?: () => readonly SiteModelRecord[];
  workerPath?: string;
  providers?: ProviderName[];
}

/** An engine plus an opener for the service; close the engine when done. */
export function modelOpener(source: ModelSource): {
  engine: InferenceEngine;
  open: () => Promise<OpenedModels>;
} {
  const engine = new InferenceEngine({
    ...(source.workerPath ? { workerPath: source.workerPath } : {}),
    ...(source.providers ? { providers: source.providers } : {}),
  });
  return {
    engine,
    open: async () => {
      if (listModelIds(source.root).length === 0) {
        throw new ModelIntegrityError(
          `No trained models in ${source.root}: each model is a folder with a manifest.json. ` +
            "Train them with `npm run train`, or point --models (or LIVERCAD_MODELS) at a folder " +
            "holding five detectors and one classifier.",
        );
      }
      if (source.pinned) checkPinnedModels(source.root);
      else if (source.siteModels) checkModelRoot(source.root, source.siteModels());
      const opened = await openPipelineModels(engine, source.root);
      return { ...opened, detectorSize: declaredDetectorSize(source.root, opened) };
    },
  };
}

/**
 * The detector grid size the detectors declare, when their manifests fix the input's height and
 * width and all five agree (a model trained on 128 x 128 slices must get 128 x 128); undefined
 * when they are symbolic (a fully convolutional export), so the config default applies.
 */
export function declaredDetectorSize(
  root: string,
  opened: Pick<OpenedModels, "provenance">,
): number | undefined {
  const sizes = new Set<number | string>();
  for (const p of opened.provenance.filter((x) => x.task === "detector")) {
    const m = loadModel(root, p.id).manifest;
    if (m.task !== "detector") continue;
    const shape = m.files.model.inputs.find((i) => i.name === m.detector.input)?.shape ?? [];
    const [h, w] = [shape[2], shape[3]];
    sizes.add(typeof h === "number" && h === w ? h : "symbolic");
  }
  const [only] = [...sizes];
  return sizes.size === 1 && typeof only === "number" ? only : undefined;
}
