#!/bin/bash
# The second held-out cohort of round 7 (seeds livercad-heldout2-R/-I/-J, scored once by the round-7
# models), regenerated to be scored once by the round-9 models.
cd /work/main
CLI="node bin/livercad.cjs"; W=/work/x11r9/ho2
gen() { [ -f "$W/$1/truth.json" ] && return; rm -rf "$W/$1"; $CLI phantom --out "$W/$1" --studies "$2" --seed "$3" --preset "$4" --jobs ${JOBS:-1} </dev/null | tail -1; }
T0=$(date +%s)
if [ "$1" = a ]; then
  gen ho2-randomized 300 livercad-heldout2-R randomized; echo "ho2-R $(( $(date +%s)-T0 ))s"
else
  gen ho2-small 150 livercad-heldout2-I small; echo "ho2-I $(( $(date +%s)-T0 ))s"
  gen ho2-clinical 150 livercad-heldout2-J clinical; echo "ho2-J $(( $(date +%s)-T0 ))s"
fi
echo DONE
