// Opens the six models a CAD run needs (five detectors, one classifier) from the model folders,
// in the worker, and returns them as the pipeline's runners plus the provenance of each.
import { SEQUENCES, type SequenceId } from "../contract/domain";
import { ModelIntegrityError } from "../contract/errors";
import type { DetectorModel, PipelineModels } from "../pipeline/run";
import type { InferenceEngine } from "./engine";
import { calibrationOf } from "./manifest";
import { listModelIds, loadModel, type LoadedModel } from "./model-store";
import type { ProviderName } from "./providers";
import { openClassifier, openDetector } from "./runners";

/** What a result records about each model it used (issue 4 §3: ids, versions, hashes, provider). */
export interface ModelProvenance {
  id: string;
  version: string;
  task: "detector" | "classifier";
  sequence?: SequenceId;
  files: { role: string; path: string; sha256: string }[];
  provider: ProviderName;
}

/**
 * Every folder under `root` with a manifest is a candidate (or only `ids` when given); each
 * sequence must have exactly one detector and the study exactly one classifier, so which model
 * ran is never a matter of directory order.
 */
export async function openPipelineModels(
  engine: InferenceEngine,
  root: string,
  ids: string[] = listModelIds(root),
): Promise<{ models: PipelineModels; provenance: ModelProvenance[] }> {
  const loaded = ids.map((id) => loadModel(root, id));
  const pick = (what: string, list: LoadedModel[]): LoadedModel => {
    if (list.length !== 1) {
      throw new ModelIntegrityError(
        `${list.length === 0 ? "No" : "More than one"} ${what} model in ${root}` +
          (list.length > 0 ? ` (${list.map((m) => m.manifest.id).join(", ")})` : "") +
          ": install exactly one.",
      );
    }
    return list[0]!;
  };
  const provenance: ModelProvenance[] = [];
  const files = (m: LoadedModel): ModelProvenance["files"] =>
    Object.entries(m.files).map(([role, f]) => ({ role, path: f.path, sha256: f.sha256 }));

  const detectors = {} as Record<SequenceId, DetectorModel>;
  for (const s of SEQUENCES) {
    const model = pick(
      `${s} detector`,
      loaded.filter((m) => m.manifest.task === "detector" && m.manifest.detector.sequence === s),
    );
    const d = await openDetector(engine, model);
    detectors[s] = {
      run: d.run,
      decoding: d.decoding,
      channels: d.manifest.detector.channels,
      normalization: d.manifest.normalization,
    };
    provenance.push({
      id: d.manifest.id,
      version: d.manifest.version,
      task: "detector",
      sequence: s,
      files: files(model),
      provider: d.session.provider,
    });
  }
  const model = pick(
    "classifier",
    loaded.filter((m) => m.manifest.task === "classifier"),
  );
  const c = await openClassifier(engine, model);
  provenance.push({
    id: c.manifest.id,
    version: c.manifest.version,
    task: "classifier",
    files: files(model),
    provider: c.sessions.backbone.provider,
  });
  return {
    models: {
      detectors,
      classifier: {
        backbone: c.backbone,
        head: c.head,
        monteCarlo: c.monteCarlo,
        // A rejection output ("not a lesion") is read apart; the lesion classes keep their order.
        classes: c.manifest.classes.filter((x) => x !== c.manifest.rejectClass),
        ...(c.manifest.rejectClass !== undefined
          ? { rejectIndex: c.manifest.classes.indexOf(c.manifest.rejectClass) }
          : {}),
        channels: c.manifest.classifier.channels,
        cropSize: c.manifest.classifier.cropSize,
        normalization: c.manifest.normalization,
        calibration: calibrationOf(c.manifest),
      },
    },
    provenance,
  };
}
