// Where the shipped models live and how a service opens them: native-models/<id>/manifest.json
// only (issue 4 §1), through the inference worker.
import fs from "node:fs";
import path from "node:path";
import { ModelIntegrityError } from "../../contract/errors";
import { InferenceEngine } from "../../inference/engine";
import { listModelIds } from "../../inference/model-store";
import { openPipelineModels } from "../../inference/open-models";
import type { ProviderName } from "../../inference/providers";
import type { OpenedModels } from "./service";

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

export interface ModelSource {
  root: string;
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
      return openPipelineModels(engine, source.root);
    },
  };
}
