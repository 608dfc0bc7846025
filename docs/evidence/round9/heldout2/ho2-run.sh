#!/bin/bash
# Held-out 2 (600 studies, round 7's seeds) scored once by the shipped round-9 models.
set -e
cd /work/main
CLI="node dist/cli.cjs"; PY=/usr/bin/python3; W=/work/x11r9/ho2; O=$W/out
T0=$(date +%s)
rm -rf $O && mkdir -p $O/db
$PY native-models/training/train.py merge-cohorts --out $O/cohort $W/ho2-randomized $W/ho2-small $W/ho2-clinical
$PY native-models/training/train.py shard-cohort --cohort $O/cohort --shards 2 --out $O/shards >/dev/null
for k in 0 1; do
  $CLI analyze $O/shards/shard-$k --db $O/db/registry-$k.sqlite --json $O/results-$k.json > $O/analyze-$k.txt 2>&1 &
done
wait
$PY native-models/training/train.py merge-results --out $O/results.json $O/results-0.json $O/results-1.json
rm -rf $O/db
$CLI evaluate --truth $O/cohort/truth.json --results $O/results.json > $O/heldout2-metrics.txt
for p in randomized small clinical; do
  $CLI evaluate --truth $W/ho2-$p/truth.json --results $O/results.json > $O/heldout2-$p-metrics.txt
done
echo "done in $(( $(date +%s)-T0 ))s"
