#!/bin/bash
# run.sh NAME CONFIG.json COHORT-DIR...: analyze the merged cohort (two shards) with the shipped models, evaluate.
set -e
cd /work/main
CLI="node dist/cli.cjs"; PY=/usr/bin/python3; W=/work/x11
name=$1 config=$2; shift 2
T0=$(date +%s)
if [ ! -d "$W/merged-$name" ]; then :; fi
rm -rf "$W/$name" && mkdir -p "$W/$name/db"
$PY native-models/training/train.py merge-cohorts --out "$W/$name/cohort" "$@" >/dev/null
$PY native-models/training/train.py shard-cohort --cohort "$W/$name/cohort" --shards 2 --out "$W/$name/shards" >/dev/null
pids=()
for k in 0 1; do
  $CLI analyze "$W/$name/shards/shard-$k" --db "$W/$name/db/registry-$k.sqlite" --config "$config" \
    --json "$W/$name/results-$k.json" >"$W/$name/analyze-$k.txt" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait $p; done
$PY native-models/training/train.py merge-results --out "$W/$name/results.json" "$W/$name/results-0.json" "$W/$name/results-1.json" >/dev/null
rm -rf "$W/$name/db"
$CLI evaluate --truth "$W/$name/cohort/truth.json" --results "$W/$name/results.json" --json > "$W/$name/metrics.json"
$CLI evaluate --truth "$W/$name/cohort/truth.json" --results "$W/$name/results.json" > "$W/$name/metrics.txt"
echo "$name done in $(( $(date +%s)-T0 ))s"
