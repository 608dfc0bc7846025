#!/usr/bin/env bash
# Round 10 screening: one detector (T1_venous, the fusion's reference) per recipe, 2000 steps, on
# the training export; compared by its own slice validation (held-back training patients).
set -uo pipefail
cd /work/main
W=native-models/training/work
D=""; for p in randomized small clinical; do for k in 0 1 2; do D+="$W/export-train-$p-$k/detectors/T1_venous,"; done; done
run() { # name args...
  local name=$1; shift
  /usr/bin/python3 native-models/training/train.py detector --data "$D" --seq T1_venous --out /work/x11r10/screen/$name \
    --steps ${STEPS:-2000} --batch 32 --seed 5 "$@" --log /work/x11r10/screen/$name.log >/dev/null 2>/work/x11r10/screen/$name.err
}
mkdir -p /work/x11r10/screen
(run base; run w12 --width 12) &
(run c96 --crop 96; run full16 --crop 128 --batch 16) &
wait
grep -h "validation:" screen/*.log
