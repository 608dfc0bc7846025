#!/usr/bin/env bash
# `npm run train:cv`: K-fold cross validation of the whole recipe (issue 16 §4), as the paper
# evaluated its models: per fold, training / validation / test studies (cv.py), the five detectors
# and the classifier trained on the training folds with the recipe of train_all.sh, then the app
# itself (`livercad analyze`, MC dropout) on the fold's validation and test studies. The K test
# folds pool into one out-of-fold results document, scored by `livercad evaluate --folds`: Table 3
# as mean +- SD across folds (and pooled, with bootstrap intervals) and every figure in a report.
#
# Everything is set by environment, so the same script runs a tiny phantom check and a full run:
#   COHORT      a cohort folder (truth.json + one folder per study: the phantom's layout, which a
#               site's exported cohort follows); default: a phantom cohort CV_STUDIES:CV_SEED:CV_PRESET
#   FOLDS (5)   DET_STEPS / CLS_STEPS / BATCH   the training recipe's length (train_all.sh: 3000 / 4000 / 32)
#   WORK        scratch and output folder (default native-models/training/work-cv)
#   VALIDATE=0  skip analyzing the validation folds (they select nothing: one fixed recipe)
#   RESUME=1    keep WORK's split, each fold's trained models and each analyzed fold (a run that
#               stopped goes on where it stopped; a fold's analysis restarts in a fresh registry)
# Output: WORK/cv-results.json, WORK/folds.json, WORK/cv-metrics.json|txt, WORK/report/ (HTML,
# SVG, PNG), WORK/fold-K/val-metrics.txt, WORK/times.txt (seconds per step).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
CLI="node bin/livercad.cjs"
WORK=${WORK:-native-models/training/work-cv}
FOLDS=${FOLDS:-5}
CV_STUDIES=${CV_STUDIES:-400}
CV_SEED=${CV_SEED:-livercad-cv-A}
CV_PRESET=${CV_PRESET:-small}
SPLIT_SEED=${SPLIT_SEED:-livercad-cv}
DET_STEPS=${DET_STEPS:-3000}
CLS_STEPS=${CLS_STEPS:-4000}
BATCH=${BATCH:-32}
SEED=${SEED:-5}
VALIDATE=${VALIDATE:-1}
RESUME=${RESUME:-0}
CLS=(--aug light --growth 16 --blocks 6,6,6 --label-smoothing 0.05)
mkdir -p "$WORK"
[ "$RESUME" = 1 ] || : >"$WORK/times.txt"
T0=$(date +%s)
log() { echo "[$(date +%H:%M:%S) +$(($(date +%s) - T0))s] $*"; }
# timed NAME CMD...: runs CMD and appends "NAME SECONDS" to WORK/times.txt.
timed() {
  local name=$1 t
  shift
  t=$(date +%s)
  "$@"
  echo "$name $(($(date +%s) - t))" >>"$WORK/times.txt"
}

if [ ! -f dist/cli.cjs ] || [ "${SKIP_BUILD:-0}" != 1 ]; then node scripts/build.mjs; fi
if [ -z "${COHORT:-}" ]; then
  COHORT="$WORK/cohort"
  log "phantom cohort: $CV_STUDIES studies, seed $CV_SEED, preset $CV_PRESET"
  rm -rf "$COHORT"
  timed phantom $CLI phantom --out "$COHORT" --studies "$CV_STUDIES" --seed "$CV_SEED" --preset "$CV_PRESET" --jobs 2 </dev/null >/dev/null
fi
[ -f "$COHORT/truth.json" ] || { echo "train:cv: $COHORT/truth.json is missing" >&2; exit 2; }
if [ "$RESUME" = 1 ] && [ -f "$WORK/folds.json" ]; then
  log "resume: the split in $WORK/folds.json is kept"
else
  timed split $PY native-models/training/cv.py split --cohort "$COHORT" --folds "$FOLDS" --seed "$SPLIT_SEED" --out "$WORK"
fi

COMMON=(--batch "$BATCH" --seed "$SEED" --val-fraction 0)
id_of() { echo "detector-$(echo "$1" | tr 'A-Z_' 'a-z-')"; }
RESULTS=()
for ((f = 0; f < FOLDS; f++)); do
  F="$WORK/fold-$f"
  if [ "$RESUME" = 1 ] && [ -f "$F/test-results.json" ]; then
    log "resume: fold $f is analyzed already"
    RESULTS+=("$F/test-results.json")
    continue
  fi
  if [ "$RESUME" = 1 ] && ls "$F"/models/*classifier-densenet/manifest.json >/dev/null 2>&1; then
    log "resume: fold $f's trained models are kept"
  else
    log "fold $f: export"
    rm -rf "$F/export" "$F/models" "$F"/*-db
    timed "fold-$f-export" $CLI export-training --cohort "$F/train" --out "$F/export" >"$F/export.log" 2>&1
    log "fold $f: train (detectors $DET_STEPS steps, classifier $CLS_STEPS steps)"
    pids=()
    for s in T1_pre T2 DWI T1_arterial T1_venous; do
      $PY native-models/training/train.py detector --data "$F/export/detectors/$s" --seq "$s" \
        --out "$F/models/$(id_of "$s")" --steps "$DET_STEPS" --log "$F/log-$s.txt" "${COMMON[@]}" >/dev/null 2>"$F/err-$s.txt" &
      pids+=($!)
      # Two trainers at a time: one thread each is ~10x faster per step than two on 2 cores.
      if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
    done
    for p in "${pids[@]}"; do wait "$p"; done
    t=$(date +%s)
    $PY native-models/training/train.py classifier --data "$F/export/classifier" --out "$F/models/classifier-densenet" \
      --steps "$CLS_STEPS" "${CLS[@]}" --log "$F/log-classifier.txt" "${COMMON[@]}" >/dev/null 2>"$F/err-classifier.txt"
    echo "fold-$f-classifier $(($(date +%s) - t))" >>"$WORK/times.txt"
  fi
  # The fold's models get their own ids (cv<f>-...) and are added to the fold's analysis
  # registries by an explicit `livercad models add`: the shipped ids are held to the pinned files.
  $PY native-models/training/cv.py rename-models --models "$F/models" --prefix "cv$f-" >/dev/null
  for role in test $([ "$VALIDATE" = 1 ] && echo val); do
    rm -rf "$F/$role-db"
    $CLI models add "$F/models" --db "$F/$role-db/registry.sqlite" >"$F/$role-models-add.txt"
    log "fold $f: analyze $role"
    timed "fold-$f-analyze-$role" $CLI analyze "$F/$role" --db "$F/$role-db/registry.sqlite" --models "$F/models" \
      --json "$F/$role-results.json" >"$F/$role-analyze.txt" 2>&1
  done
  if [ "$VALIDATE" = 1 ]; then
    $CLI evaluate --truth "$F/val/truth.json" --results "$F/val-results.json" >"$F/val-metrics.txt"
  fi
  RESULTS+=("$F/test-results.json")
done
$PY native-models/training/train.py merge-results --out "$WORK/cv-results.json" "${RESULTS[@]}" >/dev/null
log "out-of-fold evaluation"
$CLI evaluate --truth "$COHORT/truth.json" --results "$WORK/cv-results.json" --folds "$WORK/folds.json" \
  --report "$WORK/report" --json >"$WORK/cv-metrics.json"
$CLI evaluate --truth "$COHORT/truth.json" --results "$WORK/cv-results.json" --folds "$WORK/folds.json" | tee "$WORK/cv-metrics.txt"
echo "total $(($(date +%s) - T0))" >>"$WORK/times.txt"
log "done: $WORK/report/report.html; seconds per step in $WORK/times.txt"
