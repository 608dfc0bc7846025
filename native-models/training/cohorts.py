"""The cohort and result files around the app's own commands (train_all.sh): cohorts split into
shards for parallel export / analyze and merged from parts, analyze results merged, and the
classifier candidate chosen on the validation cohort. Run through train.py (`train.py select ...`).
"""
import os
import shutil

import common
import finalize


def cmd_shard_cohort(args):
    """Splits a phantom cohort into K shards (hard links, no copy) so that K `livercad
    export-training` processes run side by side: on this loaded 2-core machine one export took
    ~6 s per study; the trainer reads the K exports as one (--data A,B,C)."""
    truth = common.read_json(os.path.join(args.cohort, "truth.json"))
    for k in range(args.shards):
        out = os.path.join(args.out, f"shard-{k}")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        mine = truth["studies"][k :: args.shards]
        for st in mine:
            src = os.path.join(args.cohort, st["patientId"])
            shutil.copytree(src, os.path.join(out, st["patientId"]), copy_function=os.link)
        common.write_json(os.path.join(out, "truth.json"), {**truth, "studies": mine})
        print(f"{out}: {len(mine)} studies")


def cmd_merge_cohorts(args):
    """One cohort folder from several (hard links, no copy) with one truth.json listing all their
    studies in order: the validation and held-out cohorts mix presets, and `livercad evaluate`
    scores one truth file."""
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    studies, seen = [], set()
    for cohort in args.inputs:
        for st in common.read_json(os.path.join(cohort, "truth.json"))["studies"]:
            if st["patientId"] in seen or st["studyInstanceUid"] in seen:
                raise SystemExit(f"{cohort}: study {st['patientId']} already in another part")
            seen.update((st["patientId"], st["studyInstanceUid"]))
            shutil.copytree(os.path.join(cohort, st["patientId"]), os.path.join(args.out, st["patientId"]),
                            copy_function=os.link)
            studies.append(st)
    common.write_json(os.path.join(args.out, "truth.json"), {"studies": studies})
    print(f"{args.out}: {len(studies)} studies from {len(args.inputs)} cohorts")


def cmd_merge_results(args):
    """Concatenates the studies of several `livercad analyze --json` documents (analyze shards)."""
    studies = []
    for f in args.inputs:
        studies += common.read_json(f)["studies"]
    common.write_json(args.out, {"studies": studies})
    print(f"{args.out}: {len(studies)} studies")


def cmd_select(args):
    """Chooses the shipped classifier among the candidate recipes by their metrics on the
    validation cohort (its own seed: neither training nor held-out), analyzed by the app with the
    shipped detectors, each candidate calibrated there as the chosen one will be (train_all.sh).
    Rule: among the candidates that meet every issue-5 target on validation, the highest mean F1 on
    the 70% most confident studies (good classification and an informative confidence together);
    if none meets them all, the highest of that same number. Copies the winner to --out and records
    the choice in its manifest."""
    val = (common.cohort_of_parts(common.parse_parts(args.val_parts)) if args.val_parts else
           {"studies": args.val_studies, "seed": args.val_seed})
    studies, seed = val["studies"], val["seed"]
    cohort = (f"{studies} phantom studies: {common.describe_parts(val['parts'])}" if args.val_parts else
              f"{studies} phantom studies, seed {seed}")
    rows = []
    for spec in args.candidates:
        name, _, recipe = spec.partition("=")
        ev = common.read_json(os.path.join(args.work, f"val-{name}-metrics.json"))
        summ = finalize.summary(ev, studies, seed)
        rows.append({"name": name, "recipe": recipe.strip() or "defaults",
                     "meetsAllTargets": all(v["met"] for v in summ["targets"].values()),
                     "top70MeanF1": None if summ["top"]["meanF1"] is None else round(summ["top"]["meanF1"], 4),
                     **{k: v["value"] for k, v in summ["targets"].items()}})
    pool = [r for r in rows if r["meetsAllTargets"]] or rows
    best = max(pool, key=lambda r: (r["top70MeanF1"] or 0, r["meanF1"] or 0))
    for r in rows:
        r["chosen"] = r is best
        print(f"candidate {r['name']} ({r['recipe']}): accuracy {r['accuracy']} mean F1 {r['meanF1']} "
              f"HCC AUC {r['hccAuc']} top-70% gain {r['top70MeanF1Gain']} top-70% mean F1 {r['top70MeanF1']}"
              f"{'  <- chosen' if r['chosen'] else ''}")
    shutil.rmtree(args.out, ignore_errors=True)
    shutil.copytree(os.path.join(args.work, f"cand-{best['name']}", "classifier-densenet"), args.out)
    mpath = os.path.join(args.out, "manifest.json")
    m = common.read_json(mpath)
    listing = "; ".join(
        f"{r['name']} ({r['recipe']}): accuracy {r['accuracy']}, mean F1 {r['meanF1']}, HCC AUC {r['hccAuc']}, "
        f"top-70% gain {r['top70MeanF1Gain']}" for r in rows)
    m["training"]["selection"] = (
        f"Chosen among {len(rows)} classifier recipes trained on the same data, by their metrics on a separate "
        f"validation cohort ({cohort}, used neither for training "
        f"nor for the held-out evaluation), analyzed by the app with the shipped detectors, each candidate "
        f"calibrated there as it would ship. Rule: among candidates meeting every issue-5 target on validation, "
        f"the highest mean F1 on the 70% most confident studies (ranked by the calibrated score); else the "
        f"highest of that number. Validation: {listing}. "
        f"Chosen: {best['name']}." + (f" {args.note}" if args.note else ""))
    m["training"]["candidates"] = rows
    common.write_json(mpath, m)


def add_commands(sub):
    """Registers this module's commands on train.py's subparsers; returns {name: function}."""
    q = sub.add_parser("shard-cohort")
    q.add_argument("--cohort", required=True)
    q.add_argument("--shards", type=int, required=True)
    q.add_argument("--out", required=True)
    q = sub.add_parser("merge-cohorts")
    q.add_argument("--out", required=True)
    q.add_argument("inputs", nargs="+")
    q = sub.add_parser("merge-results")
    q.add_argument("--out", required=True)
    q.add_argument("inputs", nargs="+")
    q = sub.add_parser("select")
    q.add_argument("--work", required=True)
    q.add_argument("--out", required=True)
    q.add_argument("--val-parts", default="", help="the validation cohort's parts, PRESET:STUDIES:SEED ...")
    q.add_argument("--val-studies", type=int, help="without --val-parts: the validation cohort's size")
    q.add_argument("--val-seed", help="without --val-parts: the validation cohort's seed")
    q.add_argument("--note", default="", help="appended to the selection record (history of the shared recipe)")
    q.add_argument("candidates", nargs="+", help="NAME=RECIPE ARGS (one per candidate)")
    return {"shard-cohort": cmd_shard_cohort, "merge-cohorts": cmd_merge_cohorts,
            "merge-results": cmd_merge_results, "select": cmd_select}
