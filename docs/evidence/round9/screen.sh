#!/usr/bin/env bash
# Screening of the crop input normalization: the same data, seeds and recipe, STEPS steps each.
set -uo pipefail
cd /work/wt11
W=native-models/training/work
DATA="$W/export-train-randomized-0/classifier,$W/export-train-randomized-1/classifier,$W/export-train-randomized-2/classifier"
STEPS=${STEPS:-1200}
for norm in $NORMS; do
  LIVERCAD_TRAIN_THREADS=1 /usr/bin/python3 native-models/training/train.py classifier --data "$DATA" \
    --out /work/x11r9/screen-$norm --steps $STEPS --aug light --growth 16 --blocks 6,6,6 --label-smoothing 0.05 \
    --input-norm $norm --log /work/x11r9/screen-$norm.log --batch 32 --seed 5 >/dev/null 2>/work/x11r9/screen-$norm.err &
done
wait
grep -h "validation" /work/x11r9/screen-*.log
