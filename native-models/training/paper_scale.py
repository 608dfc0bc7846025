#!/usr/bin/python3
"""Paper-scale check (issue 5 §4): a five-channel DenseNet121 (the paper's classifier; Huang et
al. 2017, torchvision's layout: 7x7/2 conv + 3x3/2 max-pool stem, dense blocks 6-12-24-16 with
growth 32 and 4x bottlenecks, transitions with compression 0.5, final BN, 1024 features) with
random weights, exported as backbone.onnx + head.onnx with a manifest, so that it runs through
the same pipeline unchanged. torchvision is not installed here (no python3-torchvision), so the
network is built in plain torch with torchvision's module structure.

  paper_scale.py OUT_DIR [--crop 64]   -> OUT_DIR/classifier-densenet121-paper/
"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classifier as cls_mod  # noqa: E402
import common  # noqa: E402

SEQUENCES = ["T1_pre", "T2", "T1_arterial", "T1_venous", "DWI"]


class DenseNet121Features(nn.Module):
    def __init__(self, in_channels=5, growth=32, blocks=(6, 12, 24, 16), init=64):
        super().__init__()
        mods = [nn.Conv2d(in_channels, init, 7, 2, 3, bias=False), nn.BatchNorm2d(init), nn.ReLU(inplace=True),
                nn.MaxPool2d(3, 2, 1)]
        c = init
        for i, n in enumerate(blocks):
            block, c = cls_mod.dense_block(c, n, growth)
            mods.append(block)
            if i < len(blocks) - 1:
                mods.append(cls_mod.transition(c, c // 2))
                c //= 2
        mods.append(nn.BatchNorm2d(c))
        self.features = nn.Sequential(*mods)
        self.feature_size = c  # 1024

    def forward(self, x):
        return F.adaptive_avg_pool2d(F.relu(self.features(x)), 1).flatten(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--crop", type=int, default=64)
    args = p.parse_args()
    common.seed_everything(121)
    backbone = DenseNet121Features().eval()
    head = cls_mod.Head(backbone.feature_size).eval()
    f = backbone.feature_size
    id_ = "classifier-densenet121-paper"
    out = os.path.join(args.out, id_)
    os.makedirs(out, exist_ok=True)
    crops = torch.rand(2, 5, args.crop, args.crop)
    common.export_onnx(backbone, [crops], os.path.join(out, "backbone.onnx"), ["crops"], ["features"])
    feats = backbone(crops).detach()
    common.export_onnx(head, [feats, torch.ones_like(feats)], os.path.join(out, "head.onnx"),
                       ["features", "mask"], ["logits"])
    manifest = {
        "schemaVersion": 1, "id": id_, "version": "0.0.0-random",
        "description": "Paper-scale check: five-channel DenseNet121 with RANDOM weights (speed and "
                       "plumbing only; its predictions mean nothing).",
        "task": "classifier",
        "normalization": {"kind": "percentile", "low": 1, "high": 99},
        "files": {
            "backbone": common.file_entry(out, "backbone.onnx",
                                          common.tensor_specs(["crops"], [["N", 5, args.crop, args.crop]]),
                                          common.tensor_specs(["features"], [["N", f]])),
            "head": common.file_entry(out, "head.onnx",
                                      common.tensor_specs(["features", "mask"], [["M", f], ["M", f]]),
                                      common.tensor_specs(["logits"], [["M", 3]])),
        },
        "classes": ["HCC", "ICC", "metastasis"],
        "classifier": {"channels": SEQUENCES, "cropSize": args.crop, "dropoutP": 0.2, "featureSize": f,
                       "backbone": {"input": "crops", "output": "features"},
                       "head": {"features": "features", "mask": "mask", "logits": "logits"}},
        "training": {"none": "random weights, seed 121",
                     "parameters": common.count_params(backbone) + common.count_params(head)},
    }
    common.write_json(os.path.join(out, "manifest.json"), manifest)
    print(f"wrote {out}: DenseNet121, {manifest['training']['parameters']:,} parameters, {f} features")


if __name__ == "__main__":
    main()
