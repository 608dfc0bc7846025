#!/bin/bash
# cohorts for the inference-side fusion experiment (issue 11), same seeds as train_all.sh
cd /work/main
CLI="node dist/cli.cjs"
W=/work/x11
gen() { [ -f "$W/$1/truth.json" ] && return; rm -rf "$W/$1"; $CLI phantom --out "$W/$1" --studies "$2" --seed "$3" --preset "$4" --jobs 1 </dev/null; }
T0=$(date +%s)
gen val-randomized 80 livercad-val-R randomized; echo "val-R $(( $(date +%s)-T0 ))s"
gen val-small 40 livercad-val-C small; echo "val-C $(( $(date +%s)-T0 ))s"
gen shift 80 livercad-shift-S shifted; echo "shift $(( $(date +%s)-T0 ))s"
gen heldout-randomized 100 livercad-heldout-R randomized; echo "ho-R $(( $(date +%s)-T0 ))s"
gen heldout-small 60 livercad-heldout-I small; echo "ho-I $(( $(date +%s)-T0 ))s"
gen heldout-clinical 40 livercad-heldout-J clinical; echo "ho-J $(( $(date +%s)-T0 ))s"
echo DONE
