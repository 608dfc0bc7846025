#!/usr/bin/python3
"""The training recipes on a GPU (issue 5 §1: "the same scripts use CUDA when a GPU is present").
Trains the shipped classifier recipe and one detector recipe for a few hundred steps on random
tensors of the real export shapes, once on CUDA and once on the CPU (same seeds, so the same
batches, augmentations and dropout masks), exports both to ONNX and reports seconds per step on
each, onnxruntime vs PyTorch on the fixed input, and how far the CUDA-trained outputs are from the
CPU-trained ones. Prints and writes OUT/device-check.json.

  python3 native-models/training/device_check.py OUT [--steps 200]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402

CLASSIFIER = ["--aug", "light", "--growth", "16", "--blocks", "6,6,6"]


def ort_error(folder, ref):
    """Largest |onnxruntime - PyTorch| over the recorded output samples of one model folder."""
    try:
        import onnxruntime as ort
    except ImportError:  # Debian has no python3-onnxruntime; test/models checks through Node
        return None
    worst = 0.0
    x = train.fixed_input(ref["input"]["dims"])
    if os.path.isfile(os.path.join(folder, "model.onnx")):
        outs = ort.InferenceSession(os.path.join(folder, "model.onnx")).run(None, {"input": x})
        named = dict(zip(["hm", "wh", "reg"], outs))
    else:
        feats = ort.InferenceSession(os.path.join(folder, "backbone.onnx")).run(None, {"crops": x})[0]
        head = ort.InferenceSession(os.path.join(folder, "head.onnx"))
        mask = train.fixed_mask(*feats.shape)
        named = {"features": feats,
                 "logitsOnes": head.run(None, {"features": feats, "mask": np.ones_like(feats)})[0],
                 "logitsMask": head.run(None, {"features": feats, "mask": mask})[0]}
    for name, sampled in ref["outputs"].items():
        if name not in named:
            continue
        got = named[name].reshape(-1)[sampled["indices"]]
        worst = max(worst, float(np.max(np.abs(got - np.array(sampled["values"], np.float32)))))
    return worst


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--steps", type=int, default=200)
    args = p.parse_args()
    data = os.path.join(args.out, "export")
    train.main(["fake-export", "--out", data, "--n", "512", "--size", "128", "--crop", "64"])
    devices = (["cuda"] if torch.cuda.is_available() else []) + ["cpu"]
    report = {"torch": torch.__version__, "steps": args.steps,
              "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
              "cpuThreads": int(os.environ.get("LIVERCAD_TRAIN_THREADS", "1")), "runs": {}}
    refs = {}
    for dev in devices:
        os.environ["LIVERCAD_TRAIN_DEVICE"] = dev
        for id_, argv in (
            ("classifier-densenet", ["classifier", "--data", os.path.join(data, "classifier"), *CLASSIFIER]),
            ("detector-t1-arterial", ["detector", "--data", os.path.join(data, "detectors", "T1_arterial"),
                                      "--seq", "T1_arterial"]),
        ):
            folder = os.path.join(args.out, dev, id_)
            t0 = time.time()
            train.main([*argv, "--out", folder, "--steps", str(args.steps), "--batch", "32",
                        "--studies", "0", "--cohort-seed", "device-check"])
            seconds = time.time() - t0
            manifest = train.common.read_json(os.path.join(folder, "manifest.json"))
            ref = train.common.read_json(os.path.join(folder, "reference.json"))
            refs[(dev, id_)] = ref
            report["runs"][f"{dev}/{id_}"] = {
                "trainingSeconds": manifest["training"]["seconds"],
                "secondsPerStep": round(manifest["training"]["seconds"] / args.steps, 4),
                "wallSeconds": round(seconds, 1),
                "onnxruntimeVsTorchMaxAbs": ort_error(folder, ref),
            }
    if len(devices) == 2:
        for id_ in ("classifier-densenet", "detector-t1-arterial"):
            a, b = refs[("cuda", id_)]["outputs"], refs[("cpu", id_)]["outputs"]
            report["runs"][f"cuda/{id_}"]["cudaVsCpuTrainedMaxAbs"] = max(
                float(np.max(np.abs(np.array(a[k]["values"]) - np.array(b[k]["values"])))) for k in a)
            report["runs"][f"cuda/{id_}"]["cpuOverCudaSecondsPerStep"] = round(
                report["runs"][f"cpu/{id_}"]["secondsPerStep"] / report["runs"][f"cuda/{id_}"]["secondsPerStep"], 2)
    train.common.write_json(os.path.join(args.out, "device-check.json"), report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
