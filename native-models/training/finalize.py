#!/usr/bin/python3
"""Last step of train_all.sh: writes the held-out metrics (`livercad evaluate --json` on the
held-out cohort, analyzed by the app with the freshly trained models) into every manifest, writes
each MODEL_CARD.md, and moves the recorded reference outputs into test/models/recorded-outputs.json
(the shipped-model test compares onnxruntime against them).

  finalize.py --models native-models --work native-models/training/work --heldout-parts "PRESET:N:SEED ..."
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

TARGETS = {
    "localizationRate": (">=", 0.95),
    "noRoiRate": ("<=", 0.02),
    "accuracy": (">=", 0.80),
    "meanF1": (">=", 0.75),
    "hccAuc": (">=", 0.90),
    "top70MeanF1Gain": (">=", 0.05),
}


def strip(m):
    out = {k: v for k, v in m.items() if k != "hccLroc"}
    lroc = m["hccLroc"]
    out["hccLroc"] = {k: v for k, v in lroc.items() if k != "curve"}
    return out


def summary(evaluation, studies, seed, parts=None, per_part=None):
    a, t = evaluation["all"], evaluation["top"]
    values = {
        "localizationRate": a["localizationRate"],
        "noRoiRate": a["noRoiRate"],
        "accuracy": a["accuracy"],
        "meanF1": a["meanF1"],
        "hccAuc": a["hccLroc"]["auc"],
        "top70MeanF1Gain": None if t["meanF1"] is None or a["meanF1"] is None else t["meanF1"] - a["meanF1"],
    }
    checks = {}
    for k, (op, bound) in TARGETS.items():
        v = values[k]
        # evaluate writes NaN (undefined, e.g. no ICC study kept) as null: never a met target.
        checks[k] = {"value": None if v is None else round(v, 4), "target": f"{op} {bound}",
                     "met": v is not None and bool(v >= bound if op == ">=" else v <= bound)}
    cohort = {"generator": "livercad phantom", "studies": studies, "seed": seed,
              "note": "held-out synthetic cohort; its seeds were never used in training or selection"}
    if parts:
        cohort["parts"] = parts
    out = {
        "cohort": cohort,
        "evaluatedWith": "livercad analyze (the app's pipeline, MC dropout T=100) + livercad evaluate",
        "all": strip(a),
        "top": strip(t),
        "targets": checks,
        "phantomTooEasy": bool((a["accuracy"] or 0) > 0.97),
    }
    if per_part:
        # Each part scored on its own (same results, that part's truth): the same targets per preset.
        out["byPart"] = {name: {k: v["value"] for k, v in summary(ev, n, s)["targets"].items()}
                         for name, (ev, n, s) in per_part.items()}
    return out


def fmt(v):
    return "n/a" if v is None else f"{v:.3f}"


PIPELINE_KEYS = ("scoreThreshold", "topFraction", "roiScore", "minDetectors", "sliceVoting", "mcSamples", "dropoutP")


def pipeline_of(results_path):
    """The pipeline parameters the held-out analyses ran with (`livercad analyze --json` records
    each study's config), so a manifest's metrics say which fusion and top fraction made them."""
    if not os.path.isfile(results_path):
        return None
    for s in common.read_json(results_path).get("studies", []):
        cfg = (s.get("model") or {}).get("config")
        if cfg:
            return {k: cfg[k] for k in PIPELINE_KEYS if k in cfg}
    return None


def ring_note(config):
    """The classifier's input normalization inside its backbone, for the model card."""
    norm = config.get("inputNorm", "none")
    if norm == "none":
        return ""
    return ("\n- Input: inside the backbone each channel of the crop becomes its log ratio to the median of the "
            "crop's 4-pixel outer ring (the liver around the lesion), clipped to +-3"
            + (", with the crop itself as five more channels" if norm == "ring-log+raw" else "")
            + " (`classifier.RingLogRatio`): the lesion read relative to its liver, as LI-RADS reads it.")


def card(manifest, held, seconds):
    m = manifest
    a = held["all"]
    t = held["top"]
    kind = "detector" if m["task"] == "detector" else "classifier"
    what = (f"CenterNet-style lesion detector for the {m['detector']['sequence']} series "
            f"(input channels {', '.join(m['detector']['channels'])}; 128 x 128 detector grid at 3 mm; "
            f"output stride {m['detector']['outputStride']}; heatmap logits + size + offset)"
            if kind == "detector" else
            f"DenseNet-style five-channel ROI classifier ({', '.join(m['classes'])}), "
            f"{m['classifier']['cropSize']} x {m['classifier']['cropSize']} crops of "
            f"{', '.join(m['classifier']['channels'])}, feature size {m['classifier']['featureSize']}, "
            f"dropout p = {m['classifier']['dropoutP']} before the final FC as an explicit mask input "
            "(backbone.onnx once per ROI, head.onnx T times)")
    tr = m["training"]
    tc = tr["trainingCohort"]
    data = (f"`livercad phantom`, {tc['studies']} studies: {common.describe_parts(tc['parts'])}" if tc.get("parts")
            else f"`livercad phantom --preset {tc['preset']}`, {tc['studies']} studies, seed `{tc['seed']}`")
    hc = held["cohort"]
    held_data = (f"{hc['studies']} phantom studies: {common.describe_parts(hc['parts'])}" if hc.get("parts")
                 else f"{hc['studies']} phantom studies, seed `{hc['seed']}`")
    by_part = "".join(
        f"\n- `{name}` part alone: " + ", ".join(f"{k} {fmt(v)}" for k, v in vals.items())
        for name, vals in held.get("byPart", {}).items())
    val = m.get("metrics", {}).get("validation", {})
    rows = "\n".join(
        f"| {c} | {fmt(a['perClass'][c]['sensitivity'])} | {fmt(a['perClass'][c]['specificity'])} | "
        f"{fmt(a['perClass'][c]['f1'])} | {fmt(t['perClass'][c]['f1'])} |" for c in ("HCC", "ICC", "metastasis"))
    pipe = (" (pipeline: " + ", ".join(f"{k} {v}" for k, v in held["pipeline"].items()) + ")"
            if held.get("pipeline") else "")
    checks = "\n".join(f"- {k}: {v['value']} (target {v['target']}): {'met' if v['met'] else 'NOT met'}"
                       for k, v in held["targets"].items())
    return f"""# {m['id']} {m['version']}

{what}.

## Intended use
Demonstration and research on **synthetic data** (the LiverCAD phantom) only. It is **not a
medical device and not for clinical use**: it has never seen a real MRI study, and nothing about
its behaviour on patients is known.

## Training
- Data: {data}, exported by `livercad export-training` (the app's own
  prepare and crop stages, percentile normalization {m['normalization']['low']}-{m['normalization']['high']}).
  Export shape {tr['export']['shape']}; 10% of the training patients held back for validation.
- Recipe: `native-models/training/` ({tr['config']['optimizer']}, {tr['config']['steps']} steps of
  batch {tr['config']['batch']}, seed {tr['config']['seed']}; loss: {tr['config']['loss']}).
  Augmentation for other scanners and sites: {tr['config']['augmentation']}.{ring_note(tr['config'])}
- Parameters: {tr['parameters']:,}; training time {tr['seconds']} s (one CPU thread, shared 2-core machine).
- Rebuild: `npm run train` (all six models from scratch; measured times in the README, "Models").

{"## Model selection" + chr(10) + tr["selection"] + chr(10) + chr(10) if tr.get("selection") else ""}## Validation (training-cohort patients not used for training)
`{json.dumps(val)}`

## Held-out evaluation (whole pipeline, all six models together)
{held_data} (seeds never used in training or selection), analyzed by `livercad analyze`{pipe} and
scored by `livercad evaluate`:

- ROI on a true lesion: {fmt(a['localizationRate'])} of studies; no-roi: {fmt(a['noRoiRate'])}
- accuracy {fmt(a['accuracy'])}, mean F1 {fmt(a['meanF1'])}; HCC-vs-others LROC AUC {fmt(a['hccLroc']['auc'])},
  sensitivity at 80% specificity {fmt(a['hccLroc']['sensitivityAt80Specificity'])}
- {round(t['fraction'] * 100)}% most confident studies: accuracy {fmt(t['accuracy'])}, mean F1 {fmt(t['meanF1'])},
  HCC AUC {fmt(t['hccLroc']['auc'])}{by_part}

| class | sensitivity | specificity | F1 | F1 (top {round(t['fraction'] * 100)}%) |
|---|---|---|---|---|
{rows}

Targets (issue 5 §3):
{checks}

## Limitations
- Trained and evaluated only on phantom studies from one generator: lesion shapes, enhancement
  patterns, noise and artefacts are simplified; the held-out cohort differs only by seed (and
  comes in the same presets as training). Real
  scanners, other vendors' reconstructions and real pathology (cysts, haemangiomas, FNH,
  post-treatment changes, cirrhotic nodules) are outside its experience.
- Three classes only (HCC, ICC, metastasis); every lesion is assumed to be one of them.
- 2D per-slice model on a fixed 3 mm detector grid / {128 if kind == 'detector' else m['classifier']['cropSize']} px input; lesions much smaller
  than ~2 grid pixels are hard to localize.
- Compact architecture sized for CPU training, not the paper's DLA34 / DenseNet121.
- Monte-Carlo dropout confidence reflects model uncertainty on this synthetic distribution only.
"""


PINS_COMMENT = (
    "Generated by native-models/training/finalize.py: sha256 of every shipped ONNX file. The app "
    "refuses a shipped model folder whose files differ (issue 12 \u00a74). Do not edit by hand."
)


def pins_of(models_dir):
    """sha256 of every file each manifest lists, keyed "<model id>/<file>" (electron/inference/pins.ts)."""
    files = {}
    for id_ in sorted(os.listdir(models_dir)):
        mpath = os.path.join(models_dir, id_, "manifest.json")
        if not os.path.isfile(mpath):
            continue
        for _, f in sorted(common.read_json(mpath)["files"].items()):
            with open(os.path.join(models_dir, id_, f["path"]), "rb") as fh:
                files[f"{id_}/{f['path']}"] = hashlib.sha256(fh.read()).hexdigest()
    return {"comment": PINS_COMMENT, "files": files}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", required=True)
    p.add_argument("--work")
    p.add_argument("--pins-only", action="store_true",
                   help="only write --pins from --models (train_all.sh, before the held-out analysis)")
    p.add_argument("--heldout-parts", default="",
                   help="PRESET:STUDIES:SEED ...: the held-out cohort's parts, each also scored alone "
                        "(WORK/heldout-PRESET-metrics.json)")
    p.add_argument("--heldout-studies", type=int, help="without --heldout-parts: the held-out cohort's size")
    p.add_argument("--heldout-seed", help="without --heldout-parts: the held-out cohort's seed")
    p.add_argument("--shift-parts", default="",
                   help="PRESET:STUDIES:SEED ...: the shift-test cohort (issue 11 §2), scored from "
                        "WORK/shift-metrics.json and written beside the held-out metrics")
    p.add_argument("--seconds", type=int, default=0)
    p.add_argument("--recorded", default="test/models/recorded-outputs.json")
    p.add_argument("--pins", default="electron/inference/pinned-models.json",
                   help="the shipped files' sha256, pinned in the app (issue 12 \u00a74)")
    args = p.parse_args()
    if args.pins_only:
        common.write_json(args.pins, pins_of(args.models))
        subprocess.run(["npx", "prettier", "--log-level", "warn", "--write", args.pins], check=False)
        return
    if not args.work:
        p.error("--work is required (unless --pins-only)")
    evaluation = common.read_json(os.path.join(args.work, "heldout-metrics.json"))
    parts = common.parse_parts(args.heldout_parts) if args.heldout_parts else None
    per_part = {q["preset"]: (common.read_json(os.path.join(args.work, f"heldout-{q['preset']}-metrics.json")),
                              q["studies"], q["seed"]) for q in parts or []}
    cohort = common.cohort_of_parts(parts) if parts else {"studies": args.heldout_studies, "seed": args.heldout_seed}
    held = summary(evaluation, cohort["studies"], cohort["seed"], parts, per_part)
    pipeline = pipeline_of(os.path.join(args.work, "heldout-results.json"))
    if pipeline:
        held["pipeline"] = pipeline
    shift = None
    if args.shift_parts:
        sparts = common.parse_parts(args.shift_parts)
        sc = common.cohort_of_parts(sparts)
        shift = summary(common.read_json(os.path.join(args.work, "shift-metrics.json")), sc["studies"], sc["seed"], sparts)
        shift["cohort"]["note"] = ("shift test: phantom settings never used in training (Siemens naming, thin "
                                   "contiguous T1, a larger habitus, a gamma intensity model); seeds never used in "
                                   "training or selection")
    recorded = {}
    written = []
    for id_ in sorted(os.listdir(args.models)):
        folder = os.path.join(args.models, id_)
        mpath = os.path.join(folder, "manifest.json")
        if not os.path.isfile(mpath):
            continue
        m = common.read_json(mpath)
        m.setdefault("metrics", {})["heldOut"] = held
        if shift:
            m["metrics"]["shiftTest"] = shift
        if args.seconds > 0:
            m["training"]["trainAllSeconds"] = args.seconds
        common.write_json(mpath, m)
        with open(os.path.join(folder, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
            f.write(card(m, held, args.seconds))
        ref = os.path.join(folder, "reference.json")
        if os.path.isfile(ref):
            recorded[id_] = common.read_json(ref)
            os.remove(ref)
        written.append(mpath)
    if recorded:
        # Merge: a rerun that retrains only some models keeps the others' recorded outputs.
        if os.path.isfile(args.recorded):
            recorded = {**common.read_json(args.recorded), **recorded}
        common.write_json(args.recorded, dict(sorted(recorded.items())))
        written.append(args.recorded)
    # Pins last: they cover the ONNX files exactly as shipped.
    common.write_json(args.pins, pins_of(args.models))
    written.append(args.pins)
    common.write_json(os.path.join(args.work, "heldout-summary.json"), held)
    # The repository checks JSON formatting with prettier; format what this step wrote.
    subprocess.run(["npx", "prettier", "--log-level", "warn", "--write", *written], check=False)
    for k, v in held["targets"].items():
        print(f"{k}: {v['value']} (target {v['target']}) {'met' if v['met'] else 'NOT MET'}")
    if shift:
        for k, v in shift["targets"].items():
            print(f"shift test {k}: {v['value']}")
    if held["phantomTooEasy"]:
        print("accuracy > 0.97: the phantom is too easy (issue 5 §3)")


if __name__ == "__main__":
    main()
