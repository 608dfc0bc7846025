#!/usr/bin/python3
"""Smoke training (issue 5 §5): a few steps of every recipe on tiny random tensors in the export
format, ONNX export and manifests, in about 10-30 s on 2 cores. test/models/smoke-training.test.ts
runs it and checks onnxruntime against the PyTorch outputs it records (reference.json, 1e-4).

  /usr/bin/python3 native-models/training/smoke.py OUT_DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402

import detector  # noqa: E402
import train  # noqa: E402


def check_hard_negative_windows():
    """A hard negative's window holds its distractor (round 10): a marker at the distractor's centre
    is inside every 64-px window cut for it, and the window has no target."""
    g = torch.Generator().manual_seed(0)
    rng = np.random.default_rng(0)
    x = np.zeros((1, 1, 128, 128), np.float32)
    x[0, 0, 104, 10] = 1.0
    records = [{"boxes": [], "negatives": [[5, 99, 15, 109]]}]
    for _ in range(50):
        xb, boxes = detector.make_batch(x, records, np.array([0]), g, False, True, crop=64, rng=rng,
                                        hard=np.array([True]))
        if float(xb.sum()) != 1.0 or boxes != [[]]:
            raise SystemExit("a hard-negative window missed its distractor")


def main(out):
    check_hard_negative_windows()
    data = os.path.join(out, "export")
    train.main(["fake-export", "--out", data, "--n", "12", "--size", "32", "--crop", "16"])
    for seq, id_, extra in (("T1_arterial", "detector-t1-arterial", []),
                            ("T2", "detector-t2", ["--width", "12", "--hard-negatives", "0.5"])):
        train.main(["detector", "--data", os.path.join(data, "detectors", seq), "--seq", seq, "--out",
                    os.path.join(out, "models", id_), "--steps", "3", "--batch", "4", "--val-fraction", "0.34",
                    "--studies", "3", "--cohort-seed", "smoke", *extra])
    # The default recipe, and the candidate options of train_all.sh (L2-normalized features, no
    # label smoothing; the ring log-ratio input), whose normalizations are part of the exported backbone.
    for id_, extra in (("classifier-densenet", []),
                       ("classifier-densenet-l2", ["--feature-norm", "l2", "--label-smoothing", "0"]),
                       ("classifier-densenet-ring", ["--input-norm", "ring-log+raw"]),
                       # A fourth, rejection output trained on the not-a-lesion crops.
                       ("classifier-densenet-reject",
                        ["--input-norm", "ring-log", "--negatives", os.path.join(data, "classifier-negatives")])):
        train.main(["classifier", "--data", os.path.join(data, "classifier"), "--out",
                    os.path.join(out, "models", id_), "--steps", "3", "--batch", "6",
                    "--val-fraction", "0.25", "--studies", "4", "--cohort-seed", "smoke", *extra])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/livercad-smoke")
