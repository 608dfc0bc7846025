#!/usr/bin/python3
"""Trains one shipped model from a `livercad export-training` folder and writes its model folder
(ONNX + manifest.json + reference outputs for test/models). Usage (see train_all.sh):

  train.py detector   --data EXPORT/detectors/<SEQ> --seq <SEQ> --out native-models/<id> ...
  train.py classifier --data EXPORT/classifier --out native-models/<id> ...
  train.py fake-export --out DIR   (small random tensors in the export format, for the smoke run)
  train.py shard-cohort | merge-cohorts | merge-results | select   (cohorts.py)
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classifier as cls_mod  # noqa: E402
import cohorts  # noqa: E402
import common  # noqa: E402
import detector as det_mod  # noqa: E402

SEQUENCES = ["T1_pre", "T2", "T1_arterial", "T1_venous", "DWI"]
CLASSES = ["HCC", "ICC", "metastasis"]
# The rejection output of a classifier trained with --negatives ("not a lesion").
REJECT_CLASS = "none"
VERSION = "1.0.0"


def log_to(path):
    f = open(path, "a", encoding="utf-8")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        f.write(line + "\n")
        f.flush()

    return log


def split_patients(records, val_fraction, seed):
    """Patient-level split: validation patients never contribute a training sample."""
    patients = sorted({r["patientId"] for r in records})
    rng = np.random.default_rng(seed)
    rng.shuffle(patients)
    val = set(patients[: int(round(len(patients) * val_fraction))])
    tr = [i for i, r in enumerate(records) if r["patientId"] not in val]
    va = [i for i, r in enumerate(records) if r["patientId"] in val]
    return tr, va, len(patients) - len(val), len(val)


def fixed_input(shape):
    """The deterministic input the shipped-model test feeds (test/models): value i of the flat
    tensor is ((i * 7919) mod 1000) / 1000, exact in float32 in Python and TypeScript."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.int64)
    return (((i * 7919) % 1000) / 1000).astype(np.float32).reshape(shape)


def fixed_mask(rows, features):
    """The deterministic dropout mask the shipped-model test feeds the head: row-wise
    [0, 1.25, 0, 1.25, ...] (p = 0.2 inverted dropout values)."""
    return np.tile(np.array([0.0, 1.25], np.float32), (rows, features // 2 + 1))[:, :features].copy()


def sample_values(a, count=24):
    flat = a.reshape(-1)
    idx = np.linspace(0, len(flat) - 1, count).round().astype(int)
    return {"indices": idx.tolist(), "values": [float(v) for v in flat[idx]],
            "sum": float(flat.astype(np.float64).sum()), "dims": list(a.shape)}


def normalization(meta):
    n = meta.get("normalization")
    if isinstance(n, dict) and n.get("kind") == "percentile":
        return {"kind": "percentile", "low": n["low"], "high": n["high"]}
    return {"kind": "percentile", "low": 1, "high": 99}


def cohort_info(args):
    cohort = (common.cohort_of_parts(common.parse_parts(args.parts)) if args.parts else
              {"preset": args.preset, "studies": args.studies, "seed": args.cohort_seed})
    return {"trainingCohort": {"generator": "livercad phantom", **cohort}}


class Subset:
    """An export's memmap restricted to some sample indices (a patient-level split)."""

    def __init__(self, base, idx):
        self.base, self.idx = base, np.asarray(idx)
        self.shape = (len(idx),) + base.shape[1:]

    def __getitem__(self, k):
        return self.base[self.idx[k]]


def cmd_detector(args):
    common.seed_everything(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log = log_to(args.log) if args.log else print
    x, records, meta = common.open_exports(args.data, "boxes")
    index_coords = meta.get("boxCoordinates", "pixel-index") != "corner"
    channels = meta.get("channels") if isinstance(meta.get("channels"), list) else (
        [args.seq] if args.seq == "T2" else [args.seq, "T2"])
    tr, va, n_tr, n_va = split_patients(records, args.val_fraction, args.seed)
    log(f"{args.seq}: {len(records)} slices ({sum(1 for r in records if r['boxes'])} with lesions), "
        f"x {list(x.shape)}, train patients {n_tr}, validation {n_va}")
    sub_records = [records[i] for i in tr]
    model, stats = det_mod.train(Subset(x, tr), sub_records, x.shape[1], args.steps, args.batch, args.seed,
                                 log, index_coords=index_coords, width=args.width, lr=args.lr,
                                 pos_weighting=args.pos_weighting, crop=args.crop,
                                 hard_negatives=args.hard_negatives)
    val = det_mod.slice_recall(model, Subset(x, va), [records[i] for i in va], index_coords) if va else {}
    log(f"{args.seq} validation: {val}")
    h, w = x.shape[2] // det_mod.STRIDE, x.shape[3] // det_mod.STRIDE
    path = os.path.join(args.out, "model.onnx")
    dummy = torch.from_numpy(fixed_input((2, x.shape[1], x.shape[2], x.shape[3])))
    common.export_onnx(model, [dummy], path, ["input"], ["hm", "wh", "reg"])
    with torch.no_grad():
        hm, wh, reg = [t.numpy() for t in model(dummy)]
    files = {"model": common.file_entry(args.out, "model.onnx",
                                        common.tensor_specs(["input"], [["N", x.shape[1], x.shape[2], x.shape[3]]]),
                                        common.tensor_specs(["hm", "wh", "reg"],
                                                            [["N", 1, h, w], ["N", 2, h, w], ["N", 2, h, w]]))}
    manifest = {
        "schemaVersion": 1,
        "id": os.path.basename(os.path.normpath(args.out)),
        "version": VERSION,
        "description": f"CenterNet-style lesion detector for {args.seq} (compact residual/FPN backbone, "
                       "output stride 4); synthetic-data demonstration model, not for clinical use.",
        "task": "detector",
        "normalization": normalization(meta),
        "files": files,
        "detector": {"sequence": args.seq, "channels": channels, "outputStride": det_mod.STRIDE,
                     "heatmapActivation": "sigmoid", "input": "input",
                     "outputs": {"heatmap": "hm", "size": "wh", "offset": "reg"}},
        "training": {**cohort_info(args), "export": {"slices": len(records), "shape": list(x.shape)},
                     "config": {"steps": args.steps, "batch": args.batch, "seed": args.seed, "lr": args.lr,
                                "width": args.width, "window": args.crop, "hardNegatives": args.hard_negatives,
                                "optimizer": "AdamW + one-cycle",
                                "loss": "CenterNet focal (alpha 2, beta 4) + 0.1 L1 size + L1 offset",
                                "positiveSliceFraction": 0.6, "validationPatientFraction": args.val_fraction,
                                "lesionSliceSampling": ("weight 1/sqrt(smallest box side)" if args.pos_weighting == "size"
                                                        else "uniform"),
                                "augmentation": "gamma 0.7-1.45, scale 0.85-1.15, shift +-0.06, noise sd<=0.05, "
                                                "blur p 0.3, flips p 0.3, rotation +-10 deg, zoom 0.9-1.1, "
                                                "shift +-6%, T2-channel dropout p 0.1"},
                     "parameters": common.count_params(model), **stats, "torch": torch.__version__},
        "metrics": {"validation": val},
    }
    common.write_json(os.path.join(args.out, "manifest.json"), manifest)
    common.write_json(os.path.join(args.out, "reference.json"), {
        "input": {"rule": "((i * 7919) mod 1000) / 1000", "dims": list(dummy.shape)},
        "outputs": {"hm": sample_values(hm), "wh": sample_values(wh), "reg": sample_values(reg)}})
    log(f"wrote {args.out} ({os.path.getsize(path) / 1e6:.2f} MB)")


def cmd_classifier(args):
    common.seed_everything(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log = log_to(args.log) if args.log else print
    x, records, meta = common.open_exports(args.data, "labels")
    channels = meta.get("channels") if isinstance(meta.get("channels"), list) else SEQUENCES
    classes = list(CLASSES)
    if args.negatives:
        # A fourth, rejection output trained on the export's not-a-lesion crops (pipeline/run.ts
        # reads it through the manifest's rejectClass); the patients split as before.
        xn, rn, _ = common.open_exports(args.negatives, "labels")
        x = common.Concat([x, xn])
        records = records + [{**r, "sample": len(records) + i} for i, r in enumerate(rn)]
        classes.append(REJECT_CLASS)
    y = np.array([classes.index(r["label"]) for r in records])
    tr, va, n_tr, n_va = split_patients(records, args.val_fraction, args.seed)
    per_class = np.bincount(y, minlength=len(classes)).tolist()
    log(f"classifier: {len(records)} crops {list(x.shape)}, per class {per_class}, "
        f"train patients {n_tr}, validation {n_va}")

    blocks = tuple(int(v) for v in args.blocks.split(","))
    backbone, head, stats = cls_mod.train(Subset(x, tr), y[tr], args.steps, args.batch, args.seed, log,
                                          p=args.dropout, lr=args.lr, growth=args.growth, blocks=blocks,
                                          aug=args.aug, label_smoothing=args.label_smoothing,
                                          feature_norm=args.feature_norm, input_norm=args.input_norm,
                                          classes=len(classes))
    val = cls_mod.evaluate(backbone, head, Subset(x, va), y[va], classes=len(classes)) if va else {}
    log(f"classifier validation: {val}")
    s = x.shape[2]
    f = backbone.feature_size
    dummy = torch.from_numpy(fixed_input((2, x.shape[1], s, s)))
    bpath = os.path.join(args.out, "backbone.onnx")
    hpath = os.path.join(args.out, "head.onnx")
    common.export_onnx(backbone, [dummy], bpath, ["crops"], ["features"])
    with torch.no_grad():
        feats = backbone(dummy)
        mask = torch.from_numpy(fixed_mask(2, f))
        common.export_onnx(head, [feats, mask], hpath, ["features", "mask"], ["logits"])
        logits_ones = head(feats, torch.ones_like(feats)).numpy()
        logits_mask = head(feats, mask).numpy()
    manifest = {
        "schemaVersion": 1,
        "id": os.path.basename(os.path.normpath(args.out)),
        "version": VERSION,
        "description": "DenseNet-style five-channel ROI classifier (HCC / ICC / metastasis), backbone + "
                       "Monte-Carlo dropout head; synthetic-data demonstration model, not for clinical use.",
        "task": "classifier",
        "normalization": normalization(meta),
        "files": {
            "backbone": common.file_entry(args.out, "backbone.onnx",
                                          common.tensor_specs(["crops"], [["N", x.shape[1], s, s]]),
                                          common.tensor_specs(["features"], [["N", f]])),
            "head": common.file_entry(args.out, "head.onnx",
                                      common.tensor_specs(["features", "mask"], [["M", f], ["M", f]]),
                                      common.tensor_specs(["logits"], [["M", len(classes)]])),
        },
        "classes": classes,
        **({"rejectClass": REJECT_CLASS} if args.negatives else {}),
        "classifier": {"channels": channels, "cropSize": s, "dropoutP": args.dropout, "featureSize": f,
                       "backbone": {"input": "crops", "output": "features"},
                       "head": {"features": "features", "mask": "mask", "logits": "logits"}},
        "training": {**cohort_info(args), "export": {"crops": len(records), "shape": list(x.shape),
                                                     "perClass": dict(zip(classes, per_class))},
                     "config": {"steps": args.steps, "batch": args.batch, "seed": args.seed, "lr": args.lr,
                                "growth": args.growth, "blocks": list(blocks), "dropoutP": args.dropout,
                                "optimizer": "AdamW + one-cycle", "loss": f"cross-entropy, label smoothing {args.label_smoothing:g}",
                                "featureNorm": args.feature_norm, "inputNorm": args.input_norm,
                                "sampling": "class-balanced", "validationPatientFraction": args.val_fraction,
                                "augmentation": ("gamma 0.7-1.45, scale 0.85-1.15, shift +-0.06, noise sd<=0.05, "
                                                 "blur p 0.3, one-channel dropout p 0.15"
                                                 if args.aug == "full" else
                                                 "per-channel gamma 0.85-1.18, scale 0.95-1.05, shift +-0.02, "
                                                 "noise sd<=0.03, blur p 0.2")
                                                + "; flips p 0.5, rotation +-15 deg, zoom 0.85-1.15, shift +-5%"},
                     "parameters": common.count_params(backbone) + common.count_params(head), **stats,
                     "torch": torch.__version__},
        "metrics": {"validation": val},
    }
    common.write_json(os.path.join(args.out, "manifest.json"), manifest)
    common.write_json(os.path.join(args.out, "reference.json"), {
        "input": {"rule": "((i * 7919) mod 1000) / 1000", "dims": list(dummy.shape),
                  "mask": "row-wise [0, 1.25, 0, 1.25, ...]"},
        "outputs": {"features": sample_values(feats.numpy()), "logitsOnes": sample_values(logits_ones),
                    "logitsMask": sample_values(logits_mask)}})
    log(f"wrote {args.out}")


def cmd_fake_export(args):
    """Random tensors in the export format: lesion boxes drawn as bright discs, class by contrast."""
    rng = np.random.default_rng(args.seed)
    for seq in SEQUENCES:
        c = 1 if seq == "T2" else 2
        d = os.path.join(args.out, "detectors", seq)
        os.makedirs(d, exist_ok=True)
        n, size = args.n, args.size
        x = (rng.random((n, c, size, size)) * 0.2).astype(np.float32)
        recs = []
        yy, xx = np.mgrid[0:size, 0:size]
        for i in range(n):
            boxes = []
            if i % 2 == 0:
                r = rng.uniform(3, 10)
                cx, cy = rng.uniform(r + 2, size - r - 2, 2)
                x[i, :, (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] += 0.7
                boxes.append([cx - r, cy - r, cx + r, cy + r])
            rec = {"sample": i, "patientId": f"P{i // 4}", "slice": i % 4, "boxes": boxes}
            if i % 4 == 1:  # a distractor (the export's `negatives`): a dim disc, no target
                cx, cy = rng.uniform(6, size - 6, 2)
                x[i, :, (xx - cx) ** 2 + (yy - cy) ** 2 <= 9] += 0.3
                rec["negatives"] = [[cx - 3, cy - 3, cx + 3, cy + 3]]
            recs.append(rec)
        x.tofile(os.path.join(d, "x.f32"))
        common.write_json(os.path.join(d, "boxes.json"), recs)
        common.write_json(os.path.join(d, "meta.json"), {"shape": [n, c, size, size],
                                                          "channels": [seq] if c == 1 else [seq, "T2"]})
    d = os.path.join(args.out, "classifier")
    os.makedirs(d, exist_ok=True)
    s = args.crop
    x = (rng.random((args.n, 5, s, s)) * 0.3).astype(np.float32)
    labels = []
    for i in range(args.n):
        k = i % 3
        x[i, k + 1] += 0.5
        labels.append({"sample": i, "patientId": f"P{i // 3}", "label": CLASSES[k], "lesionIndex": 0})
    x.tofile(os.path.join(d, "x.f32"))
    common.write_json(os.path.join(d, "labels.json"), labels)
    common.write_json(os.path.join(d, "meta.json"), {"shape": [args.n, 5, s, s], "channels": SEQUENCES})
    # Not-a-lesion crops (export-training --classifier-negatives): flat, of the same patients.
    d = os.path.join(args.out, "classifier-negatives")
    os.makedirs(d, exist_ok=True)
    m = max(2, args.n // 3)
    x = (rng.random((m, 5, s, s)) * 0.3).astype(np.float32)
    x.tofile(os.path.join(d, "x.f32"))
    common.write_json(os.path.join(d, "labels.json"),
                      [{"sample": i, "patientId": f"P{i}", "label": REJECT_CLASS, "kind": "background"}
                       for i in range(m)])
    common.write_json(os.path.join(d, "meta.json"), {"shape": [m, 5, s, s], "channels": SEQUENCES})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("detector", "classifier"):
        q = sub.add_parser(name)
        q.add_argument("--data", required=True)
        q.add_argument("--out", required=True)
        q.add_argument("--steps", type=int, required=True)
        q.add_argument("--batch", type=int, default=32)
        q.add_argument("--seed", type=int, default=5)
        q.add_argument("--val-fraction", type=float, default=0.1)
        q.add_argument("--log")
        q.add_argument("--studies", type=int, default=0)
        q.add_argument("--cohort-seed", default="")
        q.add_argument("--preset", default="small")
        q.add_argument("--parts", default="", help="the training cohort's parts, PRESET:STUDIES:SEED ... "
                       "(replaces --studies, --cohort-seed and --preset in the manifest)")
        if name == "detector":
            q.add_argument("--seq", required=True, choices=SEQUENCES)
            q.add_argument("--width", type=int, default=8)
            q.add_argument("--hard-negatives", type=float, default=0.0,
                           help="share of the lesion-free samples windowed on a distractor (export `negatives`)")
            q.add_argument("--crop", type=int, default=64,
                           help="training window side in px (the detector runs on the whole 128x128 grid)")
            q.add_argument("--lr", type=float, default=2e-3)
            q.add_argument("--pos-weighting", choices=["size", "uniform"], default="size",
                           help="how lesion slices are drawn: 1/sqrt(box side), or uniformly")
        else:
            q.add_argument("--growth", type=int, default=12)
            q.add_argument("--blocks", default="4,4,4")
            q.add_argument("--dropout", type=float, default=0.2)
            q.add_argument("--aug", choices=["full", "light"], default="full")
            q.add_argument("--label-smoothing", type=float, default=0.05)
            q.add_argument("--feature-norm", choices=["none", "l2"], default="none",
                           help="l2: unit-length backbone features times sqrt(size), before the dropout head")
            q.add_argument("--input-norm", choices=cls_mod.INPUT_NORMS, default="none",
                           help="ring-log: each channel as its log ratio to the crop's outer-ring median, inside "
                                "the backbone (classifier.RingLogRatio); +raw: the crop as well")
            q.add_argument("--lr", type=float, default=3e-3)
            q.add_argument("--negatives", default="",
                           help="export folders (comma-separated) of not-a-lesion crops "
                                "(export-training --classifier-negatives): a fourth, rejection output")
    commands = {"detector": cmd_detector, "classifier": cmd_classifier, "fake-export": cmd_fake_export,
                **cohorts.add_commands(sub)}
    q = sub.add_parser("fake-export")
    q.add_argument("--out", required=True)
    q.add_argument("--n", type=int, default=16)
    q.add_argument("--size", type=int, default=128)
    q.add_argument("--crop", type=int, default=64)
    q.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    commands[args.cmd](args)


if __name__ == "__main__":
    main()
