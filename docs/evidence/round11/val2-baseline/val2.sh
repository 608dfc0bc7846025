#!/usr/bin/env bash
# A fresh validation cohort (seeds never used before: livercad-val2-R / -C, the make-up of the
# round-5 validation cohort) and the shipped models' baseline on it, for the next round's rule.
set -euo pipefail
cd /work/main
W=native-models/training/work; CLI="node bin/livercad.cjs"; PY=/usr/bin/python3
T0=$(date +%s)
rm -rf $W/cohort-val2-randomized $W/cohort-val2-small $W/cohort-val2
$CLI phantom --out $W/cohort-val2-randomized --studies 80 --seed livercad-val2-R --preset randomized --jobs 2 </dev/null >/dev/null
$CLI phantom --out $W/cohort-val2-small --studies 40 --seed livercad-val2-C --preset small --jobs 2 </dev/null >/dev/null
$PY native-models/training/train.py merge-cohorts --out $W/cohort-val2 $W/cohort-val2-randomized $W/cohort-val2-small
echo "generated in $(($(date +%s) - T0)) s"
/work/x11r10/r11.sh val2-shipped /work/main/native-models '{}' $W/cohort-val2
echo "all done in $(($(date +%s) - T0)) s"
