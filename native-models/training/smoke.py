#!/usr/bin/python3
"""Smoke training (issue 5 §5): a few steps of every recipe on tiny random tensors in the export
format, ONNX export and manifests, in about 10-30 s on 2 cores. test/models/smoke-training.test.ts
runs it and checks onnxruntime against the PyTorch outputs it records (reference.json, 1e-4).

  /usr/bin/python3 native-models/training/smoke.py OUT_DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402


def main(out):
    data = os.path.join(out, "export")
    train.main(["fake-export", "--out", data, "--n", "12", "--size", "32", "--crop", "16"])
    for seq, id_ in (("T1_arterial", "detector-t1-arterial"), ("T2", "detector-t2")):
        train.main(["detector", "--data", os.path.join(data, "detectors", seq), "--seq", seq, "--out",
                    os.path.join(out, "models", id_), "--steps", "3", "--batch", "4", "--val-fraction", "0.34",
                    "--studies", "3", "--cohort-seed", "smoke"])
    # The default recipe, and the candidate options of train_all.sh (L2-normalized features, no
    # label smoothing; the ring log-ratio input), whose normalizations are part of the exported backbone.
    for id_, extra in (("classifier-densenet", []),
                       ("classifier-densenet-l2", ["--feature-norm", "l2", "--label-smoothing", "0"]),
                       ("classifier-densenet-ring", ["--input-norm", "ring-log+raw"])):
        train.main(["classifier", "--data", os.path.join(data, "classifier"), "--out",
                    os.path.join(out, "models", id_), "--steps", "3", "--batch", "6",
                    "--val-fraction", "0.25", "--studies", "4", "--cohort-seed", "smoke", *extra])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/livercad-smoke")
