import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceError } from "../../electron/contract/errors";
import { InferenceEngine } from "../../electron/inference/engine";
import { loadModel } from "../../electron/inference/model-store";
import {
  createWithFallback,
  providerOrder,
  type ProviderName,
} from "../../electron/inference/providers";
import { openDetector } from "../../electron/inference/runners";
import { buildWorker, modelFolder } from "./helpers";

let root: string;
let worker: { path: string; remove: () => void };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "livercad-engine-"));
  worker = await buildWorker();
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  worker.remove();
});

describe("execution providers", () => {
  it("tries CUDA, then DirectML on Windows or CoreML on macOS, then CPU", () => {
    expect(providerOrder("linux")).toEqual(["cuda", "cpu"]);
    expect(providerOrder("win32")).toEqual(["cuda", "dml", "cpu"]);
    expect(providerOrder("darwin")).toEqual(["cuda", "coreml", "cpu"]);
  });

  it("falls back past providers whose session creation throws and records why", async () => {
    const tried: ProviderName[] = [];
    const choice = await createWithFallback(["cuda", "dml", "cpu"], async (p) => {
      tried.push(p);
      if (p !== "cpu") throw new Error(`${p} library not found`);
      return "session";
    });
    expect(tried).toEqual(["cuda", "dml", "cpu"]);
    expect(choice).toEqual({
      session: "session",
      provider: "cpu",
      failed: [
        { provider: "cuda", error: "cuda library not found" },
        { provider: "dml", error: "dml library not found" },
      ],
    });
    await expect(
      createWithFallback(["cuda", "cpu"], () => Promise.reject(new Error("no"))),
    ).rejects.toThrow(/No execution provider could load the model: cuda: no; cpu: no/);
  });
});

describe("inference engine (worker process)", () => {
  it("loads through the provider list for real and runs a CenterNet detector", async () => {
    const id = modelFolder(root, "detector");
    // This machine has no CUDA libraries: the CUDA attempt must throw inside onnxruntime and the
    // session must come up on the CPU provider, with the reason recorded.
    const engine = new InferenceEngine({ workerPath: worker.path, providers: ["cuda", "cpu"] });
    try {
      const det = await openDetector(engine, loadModel(root, id));
      expect(det.session.provider).toBe("cpu");
      expect(det.session.failedProviders.map((f) => f.provider)).toEqual(["cuda"]);
      expect(det.session.failedProviders[0]!.error.length).toBeGreaterThan(0);
      const input = new Float32Array(3 * 2 * 16 * 16).map((_, i) => Math.sin(i));
      const out = await det.run({ dims: [3, 2, 16, 16], data: input });
      expect(out.heatmap.dims).toEqual([3, 1, 4, 4]);
      expect(out.size.dims).toEqual([3, 2, 4, 4]);
      expect(out.offset?.dims).toEqual([3, 2, 4, 4]);
      expect(out.heatmap.data).toBeInstanceOf(Float32Array);
      for (const v of out.heatmap.data) expect(v > 0 && v < 1).toBe(true); // sigmoid in the graph
    } finally {
      await engine.close();
    }
  });

  it("re-throws worker errors with context", async () => {
    const id = modelFolder(root, "detector");
    const engine = new InferenceEngine({ workerPath: worker.path, providers: ["cpu"] });
    try {
      await engine.load("det", id, loadModel(root, id).files.model!);
      const err = await engine
        .run("det", { input: { dims: [1, 3, 16, 16], data: new Float32Array(768) } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InferenceError);
      expect(String(err)).toMatch(/Running det: Error: .*input/i);
      await expect(engine.run("nope", {})).rejects.toThrow(/No model session "nope"/);
    } finally {
      await engine.close();
    }
  });

  it("rejects pending calls when the worker dies, and the next call respawns it with its sessions", async () => {
    const id = modelFolder(root, "detector");
    const engine = new InferenceEngine({ workerPath: worker.path, providers: ["cpu"] });
    try {
      await engine.load("det", id, loadModel(root, id).files.model!);
      const firstPid = engine.pid!;
      // Stopped, the worker cannot answer; the request waits in the pipe until SIGKILL ends the
      // worker, as a crash in native code would, with the request pending.
      process.kill(firstPid, "SIGSTOP");
      const small = { input: { dims: [1, 2, 16, 16], data: new Float32Array(512) } };
      const pending = engine.run("det", small);
      await new Promise((r) => setTimeout(r, 100));
      process.kill(firstPid, "SIGKILL");
      await expect(pending).rejects.toThrow(
        /Running det: The inference worker was killed by SIGKILL before answering/,
      );
      const out = await engine.run("det", {
        input: { dims: [1, 2, 16, 16], data: new Float32Array(512) },
      });
      expect(out.hm!.dims).toEqual([1, 1, 4, 4]);
      expect(engine.pid).not.toBe(firstPid);
      expect(engine.info("det")?.provider).toBe("cpu");
    } finally {
      await engine.close();
    }
  });
});
