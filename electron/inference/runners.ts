// Adapts model sessions in the worker to the runner functions the pipeline stages take
// (pipeline/types.ts), reading every tensor name from the model's manifest.
import { ModelIntegrityError } from "../contract/errors";
import type {
  BackboneRunner,
  DetectorDecoding,
  DetectorRunner,
  HeadRunner,
  MonteCarloRunner,
  Tensor,
} from "../pipeline/types";
import type { InferenceEngine } from "./engine";
import type { ClassifierManifest, DetectorManifest } from "./manifest";
import type { LoadedModel } from "./model-store";
import type { SessionInfo } from "./protocol";

export interface OpenDetector {
  manifest: DetectorManifest;
  run: DetectorRunner;
  decoding: DetectorDecoding;
  session: SessionInfo;
}

export interface OpenClassifier {
  manifest: ClassifierManifest;
  backbone: BackboneRunner;
  head: HeadRunner;
  monteCarlo: MonteCarloRunner;
  sessions: { backbone: SessionInfo; head: SessionInfo };
}

export async function openDetector(
  engine: InferenceEngine,
  model: LoadedModel,
): Promise<OpenDetector> {
  const m = model.manifest;
  if (m.task !== "detector") throw new ModelIntegrityError(`Model "${m.id}" is not a detector.`);
  const key = `${m.id}/model`;
  const session = await engine.load(key, m.id, model.files.model!);
  checkNames(m.id, session, [m.detector.input], Object.values(m.detector.outputs));
  const { heatmap, size, offset } = m.detector.outputs;
  const run: DetectorRunner = async (input) => {
    const out = await engine.run(key, { [m.detector.input]: input });
    return {
      heatmap: output(out, heatmap, m.id),
      size: output(out, size, m.id),
      ...(offset !== undefined ? { offset: output(out, offset, m.id) } : {}),
    };
  };
  const decoding = {
    outputStride: m.detector.outputStride,
    heatmapActivation: m.detector.heatmapActivation,
  };
  return { manifest: m, run, decoding, session };
}

export async function openClassifier(
  engine: InferenceEngine,
  model: LoadedModel,
): Promise<OpenClassifier> {
  const m = model.manifest;
  if (m.task !== "classifier")
    throw new ModelIntegrityError(`Model "${m.id}" is not a classifier.`);
  const c = m.classifier;
  const [backboneSession, headSession] = await Promise.all([
    engine.load(`${m.id}/backbone`, m.id, model.files.backbone!),
    engine.load(`${m.id}/head`, m.id, model.files.head!),
  ]);
  checkNames(m.id, backboneSession, [c.backbone.input], [c.backbone.output]);
  checkNames(m.id, headSession, [c.head.features, c.head.mask], [c.head.logits]);
  const backbone: BackboneRunner = async (crops) =>
    output(
      await engine.run(`${m.id}/backbone`, { [c.backbone.input]: crops }),
      c.backbone.output,
      m.id,
    );
  const head: HeadRunner = async (features, masks) =>
    output(
      await engine.run(`${m.id}/head`, { [c.head.features]: features, [c.head.mask]: masks }),
      c.head.logits,
      m.id,
    );
  const monteCarlo: MonteCarloRunner = (crops, samples, dropoutP, seed) =>
    engine.monteCarlo({
      backbone: { key: `${m.id}/backbone`, input: c.backbone.input, output: c.backbone.output },
      head: {
        key: `${m.id}/head`,
        features: c.head.features,
        mask: c.head.mask,
        logits: c.head.logits,
      },
      crops,
      featureSize: c.featureSize,
      samples,
      dropoutP,
      seed,
    });
  return {
    manifest: m,
    backbone,
    head,
    monteCarlo,
    sessions: { backbone: backboneSession, head: headSession },
  };
}

/** The manifest must name the graph's real inputs and outputs: a mismatch is a broken folder. */
function checkNames(id: string, s: SessionInfo, inputs: string[], outputs: string[]): void {
  const missing = [
    ...inputs.filter((n) => !s.inputNames.includes(n)).map((n) => `input "${n}"`),
    ...outputs.filter((n) => !s.outputNames.includes(n)).map((n) => `output "${n}"`),
  ];
  if (missing.length > 0) {
    throw new ModelIntegrityError(
      `Model "${id}": the manifest names ${missing.join(", ")}, which ${s.key} does not have ` +
        `(inputs ${s.inputNames.join(", ")}; outputs ${s.outputNames.join(", ")}).`,
    );
  }
}

function output(out: Record<string, Tensor>, name: string, id: string): Tensor {
  const t = out[name];
  if (t === undefined) throw new ModelIntegrityError(`Model "${id}" returned no output "${name}".`);
  return t;
}
