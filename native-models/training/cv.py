#!/usr/bin/python3
"""K-fold cross validation as the paper did it (issue 16 §4; paper, "Model Training": five folds,
each with its own training, validation and test studies): the cohort's studies are split into K
folds stratified per class (each class dealt round-robin over the folds after a seeded shuffle);
fold k's test studies are fold k, its validation studies fold (k + 1) mod K, its training studies
the other K - 2 folds. Every study is tested exactly once, so the K test results pool into one
out-of-fold results document. Run by train_cv.sh (`npm run train:cv`).

  cv.py split --cohort DIR --folds K --seed S --out WORK
    -> WORK/folds.json ({studyInstanceUid: fold}) and WORK/fold-k/{train,val,test}/ (hard-linked
       cohort folders, each with its own truth.json)
"""
import argparse
import json
import os
import random
import shutil
import sys

CLASSES = ("HCC", "ICC", "metastasis")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def stratified_folds(studies, k, seed):
    """{studyInstanceUid: fold}: per class, a seeded shuffle dealt round-robin over the K folds, the
    next class starting where the previous one stopped, so fold sizes differ by at most one and each
    class's share is the same in every fold (+- one study)."""
    if k < 3:
        raise SystemExit("cv: at least 3 folds (training, validation and test folds must differ)")
    rng = random.Random(seed)
    folds, start = {}, 0
    for cls in CLASSES:
        uids = sorted(s["studyInstanceUid"] for s in studies if s["label"] == cls)
        rng.shuffle(uids)
        for i, uid in enumerate(uids):
            folds[uid] = (start + i) % k
        start = (start + len(uids)) % k
    unknown = [s["studyInstanceUid"] for s in studies if s["label"] not in CLASSES]
    if unknown:
        raise SystemExit(f"cv: studies with an unknown label: {', '.join(unknown[:5])}")
    return folds


def roles(fold, k):
    """Which folds train, validate and test fold `fold`'s models."""
    val = (fold + 1) % k
    return [f for f in range(k) if f not in (fold, val)], val, fold


def subset(cohort, truth, uids, out):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    mine = [s for s in truth["studies"] if s["studyInstanceUid"] in uids]
    for st in mine:
        shutil.copytree(os.path.join(cohort, st["patientId"]), os.path.join(out, st["patientId"]),
                        copy_function=os.link)
    write_json(os.path.join(out, "truth.json"), {**truth, "studies": mine})
    return len(mine)


def cmd_split(args):
    truth = read_json(os.path.join(args.cohort, "truth.json"))
    folds = stratified_folds(truth["studies"], args.folds, args.seed)
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "folds.json"), folds)
    for f in range(args.folds):
        train, val, test = roles(f, args.folds)
        sizes = {}
        for role, which in (("train", set(train)), ("val", {val}), ("test", {test})):
            uids = {u for u, x in folds.items() if x in which}
            sizes[role] = subset(args.cohort, truth, uids, os.path.join(args.out, f"fold-{f}", role))
        per_class = {c: sum(1 for s in truth["studies"] if s["label"] == c and folds[s["studyInstanceUid"]] == f)
                     for c in CLASSES}
        print(f"fold {f}: train {sizes['train']} (folds {train}), validation {sizes['val']} (fold {val}), "
              f"test {sizes['test']} {per_class}")


def cmd_rename_models(args):
    """Gives every model folder under --models the id PREFIX + its id (folder name and manifest
    "id"). A fold's models are this run's own, not the shipped ones: the shipped ids are reserved
    for the pinned files (issue 12 section 4), so `livercad models add` records them under their
    own ids and every result names the fold's model."""
    for mid in sorted(os.listdir(args.models)):
        folder = os.path.join(args.models, mid)
        manifest_path = os.path.join(folder, "manifest.json")
        if mid.startswith(args.prefix) or not os.path.isfile(manifest_path):
            continue
        with open(manifest_path) as f:
            manifest = json.load(f)
        manifest["id"] = args.prefix + manifest["id"]
        # A new file, then a rename: a manifest hard-linked from a trained model stays as it was.
        with open(manifest_path + ".tmp", "w") as f:
            json.dump(manifest, f, indent=2)
        os.replace(manifest_path + ".tmp", manifest_path)
        os.rename(folder, os.path.join(args.models, args.prefix + mid))
        print(f"{mid} -> {args.prefix + mid}")


def main(argv):
    p = argparse.ArgumentParser(prog="cv.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("split")
    q.add_argument("--cohort", required=True)
    q.add_argument("--folds", type=int, default=5)
    q.add_argument("--seed", default="livercad-cv")
    q.add_argument("--out", required=True)
    r = sub.add_parser("rename-models")
    r.add_argument("--models", required=True)
    r.add_argument("--prefix", required=True)
    args = p.parse_args(argv)
    {"split": cmd_split, "rename-models": cmd_rename_models}[args.cmd](args)


if __name__ == "__main__":
    main(sys.argv[1:])
