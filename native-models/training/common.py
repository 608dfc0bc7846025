"""Shared helpers of the training recipes (issue 5): seeding, the export-format readers, ONNX export
and the manifest writer. Run everything with Debian's /usr/bin/python3 (torch 1.13, onnx 1.12).

Export format (written by `livercad export-training`, never by a second preprocessing path):
  DIR/x.f32       float32, C order, shape meta.json "shape" ([N, C, H, W])
  DIR/boxes.json  detectors: [{sample, patientId, slice, boxes: [[x0, y0, x1, y1], ...]}]
  DIR/labels.json classifier: [{sample, patientId, label, lesionIndex}]
  DIR/meta.json   shapes, channels, normalization
"""
import hashlib
import inspect
import json
import os
import random

import numpy as np
import torch


def seed_everything(seed, threads=1):
    """One intra-op thread by default: on this shared 2-core machine (load ~13) a 2-thread step
    took ~10x the wall time of a 1-thread step (OpenMP barriers wait on descheduled threads;
    measured 5.8 s vs 0.4 s for a detector batch). train_all.sh runs two trainings side by side."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    torch.set_num_threads(int(os.environ.get("LIVERCAD_TRAIN_THREADS", threads)))
    # Deterministic kernels where PyTorch has them (CPU convolutions already are).
    torch.use_deterministic_algorithms(True, warn_only=True)


def device():
    """CUDA when PyTorch sees a GPU, else the CPU; LIVERCAD_TRAIN_DEVICE=cpu|cuda forces one."""
    return torch.device(os.environ.get("LIVERCAD_TRAIN_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu"))


def parse_parts(spec):
    """A cohort made of parts, "PRESET:STUDIES:SEED PRESET:STUDIES:SEED ..." (train_all.sh), as
    [{"preset", "studies", "seed"}]; one part per preset."""
    parts = []
    for item in spec.split():
        preset, studies, seed = item.split(":", 2)
        parts.append({"preset": preset, "studies": int(studies), "seed": seed})
    if len({q["preset"] for q in parts}) != len(parts):
        raise ValueError(f"one part per preset: {spec!r}")
    return parts


def cohort_of_parts(parts):
    """What manifests record of a cohort made of parts: presets, total studies, seeds, the parts."""
    return {"preset": "+".join(q["preset"] for q in parts), "studies": sum(q["studies"] for q in parts),
            "seed": " + ".join(q["seed"] for q in parts), "parts": parts}


def describe_parts(parts):
    """One line for manifests and cards: "400 `small` studies (seed A) + 200 `clinical` ..."."""
    return " + ".join(f"{q['studies']} `{q['preset']}` studies (seed {q['seed']})" for q in parts)


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def tensor_shape(meta, records, x_path, channels=None, size=None):
    """[N, C, H, W] of DIR/x.f32: meta.json's shape when it has one, else from the file size."""
    for key in ("shape", "xShape", "dims"):
        if isinstance(meta.get(key), list) and len(meta[key]) == 4:
            return [int(v) for v in meta[key]]
    n = len(records)
    per = os.path.getsize(x_path) // 4 // max(n, 1)
    c = channels or int(meta.get("channels") if isinstance(meta.get("channels"), int) else len(meta.get("channels", [])) or 1)
    side = size or int(round((per / c) ** 0.5))
    return [n, c, side, side]


def open_export(folder, kind):
    """Opens one export folder as (memmap x [N,C,H,W], records, meta); kind is boxes or labels."""
    meta = read_json(os.path.join(folder, "meta.json"))
    records = read_json(os.path.join(folder, f"{kind}.json"))
    x_path = os.path.join(folder, "x.f32")
    shape = tensor_shape(meta, records, x_path)
    expected = int(np.prod(shape)) * 4
    actual = os.path.getsize(x_path)
    if actual != expected:
        raise SystemExit(f"{x_path}: {actual} bytes, meta/records say {shape} ({expected} bytes)")
    x = np.memmap(x_path, dtype=np.float32, mode="r", shape=tuple(shape))
    for i, r in enumerate(records):
        if int(r.get("sample", i)) != i:
            raise SystemExit(f"{folder}: record {i} has sample {r.get('sample')}")
    return x, records, meta


class Concat:
    """Several exports' x as one [N, C, H, W] array for fancy (index-array) reads."""

    def __init__(self, parts):
        self.parts = parts
        self.offsets = np.cumsum([0] + [p.shape[0] for p in parts])
        self.shape = (int(self.offsets[-1]),) + tuple(parts[0].shape[1:])

    def __getitem__(self, idx):
        idx = np.asarray(idx)
        part = np.searchsorted(self.offsets, idx, side="right") - 1
        out = np.empty((len(idx),) + self.shape[1:], np.float32)
        for k in np.unique(part):
            sel = part == k
            out[sel] = self.parts[k][idx[sel] - self.offsets[k]]
        return out


def open_exports(folders, kind):
    """open_export over a comma-separated list of export folders (shards of one cohort)."""
    folders = [f for f in folders.split(",") if f]
    opened = [open_export(f, kind) for f in folders]
    if len(opened) == 1:
        return opened[0]
    records = []
    for _, recs, _ in opened:
        for r in recs:
            records.append({**r, "sample": len(records)})
    meta = dict(opened[0][2])
    meta["shape"] = [len(records)] + list(opened[0][0].shape[1:])
    return Concat([o[0] for o in opened]), records, meta


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_onnx(model, args, path, inputs, outputs):
    """Exports in eval mode, opset 13, batch axes symbolic ("N", or "M" for head rows)."""
    model.eval()
    axes = {}
    for name, arg in zip(inputs, args):
        axes[name] = {0: "M" if name == "mask" or (name == "features" and len(args) == 2) else "N"}
    for name in outputs:
        axes[name] = {0: "M" if len(args) == 2 else "N"}
    # torch >= 2.9 exports through dynamo by default (other opsets, onnxscript needed); the
    # TorchScript exporter keeps the graphs the same as with Debian's torch 1.13, which lacks the flag.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with torch.no_grad():
        torch.onnx.export(
            model, tuple(args), path, input_names=inputs, output_names=outputs,
            dynamic_axes=axes, opset_version=13, do_constant_folding=True, **legacy,
        )
    import onnx

    onnx.checker.check_model(onnx.load(path))
    return axes


def tensor_specs(names, shapes):
    return [{"name": n, "dtype": "float32", "shape": list(s)} for n, s in zip(names, shapes)]


def file_entry(folder, rel, inputs, outputs):
    return {
        "path": rel,
        "sha256": sha256_file(os.path.join(folder, rel)),
        "inputs": inputs,
        "outputs": outputs,
    }


def count_params(model):
    return int(sum(p.numel() for p in model.parameters()))
