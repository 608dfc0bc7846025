// The inference worker: a child process that owns every onnxruntime session, so that a crash in
// native code (a provider library, a bad model) ends this process, not the app (issue 4 §1).
// Bundled to dist/inference-worker.cjs; answers protocol.ts's methods through the workers' RPC
// helper (electron/workers/serve.ts) over the fork IPC channel.
import * as ort from "onnxruntime-node";
import { chunkMasks, tileRows } from "../pipeline/classify";
import { serve } from "../workers/serve";
import { readVerified } from "./model-store";
import type { InferenceProtocol, MonteCarloRequest, WireTensor } from "./protocol";
import { createWithFallback } from "./providers";

// A refused provider is reported in SessionInfo.failedProviders; onnxruntime would also print
// each refusal as an error line on stderr, which reads like a failure when it is the fallback.
ort.env.logLevel = "fatal";

const sessions = new Map<string, ort.InferenceSession>();

serve<InferenceProtocol>("inference worker", {
  load: async (req) => {
    // Hash checked on the very bytes the session is created from (model-store.ts).
    const bytes = readVerified(req.modelId, {
      path: req.file,
      absolutePath: req.path,
      sha256: req.sha256,
      inputs: [],
      outputs: [],
    });
    const choice = await createWithFallback(req.providers, (provider) =>
      ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        graphOptimizationLevel: "all",
      }),
    );
    await sessions.get(req.key)?.release();
    sessions.set(req.key, choice.session);
    return {
      key: req.key,
      provider: choice.provider,
      failedProviders: choice.failed,
      inputNames: [...choice.session.inputNames],
      outputNames: [...choice.session.outputNames],
    };
  },
  run: async (req) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(req.feeds)) feeds[name] = tensor(t);
    const results = await session(req.key).run(feeds);
    const out: Record<string, WireTensor> = {};
    for (const name of Object.keys(results)) out[name] = wire(results, name);
    return out;
  },
  monteCarlo,
  unload: async (req) => {
    await sessions.get(req.key)?.release();
    sessions.delete(req.key);
    return null;
  },
});

function session(key: string): ort.InferenceSession {
  const s = sessions.get(key);
  if (s === undefined) throw new Error(`No session "${key}" is loaded.`);
  return s;
}

function tensor(t: WireTensor): ort.Tensor {
  return new ort.Tensor("float32", t.data, t.dims);
}

function wire(results: ort.InferenceSession.OnnxValueMapType, name: string): WireTensor {
  const t = results[name];
  if (t === undefined) throw new Error(`The model returned no output "${name}".`);
  if (t.type !== "float32") throw new Error(`Output "${name}" is ${t.type}, not float32.`);
  return { dims: [...t.dims], data: t.data as Float32Array };
}

async function monteCarlo(req: MonteCarloRequest): Promise<WireTensor> {
  const rois = req.crops.dims[0] ?? 0;
  // onnxruntime-node's run() returns at once (measured: 0.04 ms of a 5-8 ms backbone pass) and
  // computes on its own threads, so the masks are drawn here while the backbone runs.
  const running = session(req.backbone.key).run({ [req.backbone.input]: tensor(req.crops) });
  const masks = chunkMasks(rois, req.featureSize, req.samples, req.dropoutP, req.seed);
  const features = wire(await running, req.backbone.output);
  if (features.data.length !== rois * req.featureSize) {
    throw new Error(
      `The backbone returned dims [${features.dims}], not [${rois}, ${req.featureSize}] as its manifest says.`,
    );
  }
  const dims = [rois * req.samples, req.featureSize];
  const tiled = tileRows(features.data, rois, req.featureSize, req.samples);
  const results = await session(req.head.key).run({
    [req.head.features]: tensor({ dims, data: tiled }),
    [req.head.mask]: tensor({ dims, data: masks }),
  });
  return wire(results, req.head.logits);
}
