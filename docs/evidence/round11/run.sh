#!/usr/bin/env bash
# r11.sh NAME MODELS_SRC CONFIG_JSON [COHORT]: a copy of MODELS_SRC with renamed ids (not the pinned
# ones), the cohort (default: validation) analyzed with CONFIG (pipeline overrides), the copy's
# classifier calibrated on those results, evaluated (uncalibrated and recalibrated).
set -euo pipefail
cd /work/main
PY=/usr/bin/python3; CLI="node bin/livercad.cjs"; WORK=native-models/training/work
name=$1 src=$2 config=$3 cohort=${4:-$WORK/cohort-val}
T0=$(date +%s)
stage="$WORK/stage-r11-$name"
rm -rf "$stage" && mkdir -p "$stage"
for d in "$src"/classifier-densenet "$src"/detector-*; do cp -r "$d" "$stage/"; done
$PY native-models/training/cv.py rename-models --models "$stage" --prefix "r11-$name-" >/dev/null
rm -rf "$WORK/r11-$name"-* && mkdir -p "$WORK/r11-$name-db"
echo "$config" >"$WORK/r11-$name-config.json"
$PY native-models/training/train.py shard-cohort --cohort "$cohort" --shards 2 --out "$WORK/r11-$name-shards" >/dev/null
pids=()
for k in 0 1; do
  $CLI models add "$stage" --db "$WORK/r11-$name-db/registry-$k.sqlite" >/dev/null
  $CLI analyze "$WORK/r11-$name-shards/shard-$k" --db "$WORK/r11-$name-db/registry-$k.sqlite" --models "$stage" \
    --config "$WORK/r11-$name-config.json" --json "$WORK/r11-$name-results-$k.json" >"$WORK/r11-$name-analyze-$k.txt" 2>&1 &
  pids+=($!)
done
for k in "${pids[@]}"; do wait "$k"; done
$PY native-models/training/train.py merge-results --out "$WORK/r11-$name-results.json" \
  "$WORK/r11-$name-results-0.json" "$WORK/r11-$name-results-1.json" >/dev/null
rm -rf "$WORK/r11-$name-db"
$CLI evaluate --truth "$cohort/truth.json" --results "$WORK/r11-$name-results.json" >"$WORK/r11-$name-uncalibrated-metrics.txt"
$CLI calibrate --truth "$cohort/truth.json" --results "$WORK/r11-$name-results.json" --models "$stage" >"$WORK/r11-$name-calibration.txt"
$CLI evaluate --truth "$cohort/truth.json" --results "$WORK/r11-$name-results.json" --models "$stage" >"$WORK/r11-$name-metrics.txt"
$CLI evaluate --truth "$cohort/truth.json" --results "$WORK/r11-$name-results.json" --models "$stage" --json >"$WORK/r11-$name-metrics.json"
echo "$name done in $(($(date +%s) - T0)) s"
