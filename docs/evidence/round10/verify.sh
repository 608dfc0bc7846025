#!/usr/bin/env bash
# Round 10b: the truth change must leave the pixels alone. The validation cohort's randomized part
# is generated again by the new code and its DICOM files compared with those of the old code; then
# the evaluation cohorts' truth.json (+ phantom.json) are rewritten from the plans and restamped.
set -euo pipefail
cd /work/main
WORK=native-models/training/work
OLD=$WORK/cohort-val-randomized
(cd $OLD && find . -name '*.dcm' -type f | sort | xargs sha256sum) > /work/x11r10/val-R-old.sha
node bin/livercad.cjs phantom --out /work/x11r10/val-R-new --studies 80 --seed livercad-val-R --preset randomized --jobs 2 </dev/null | tail -1
(cd /work/x11r10/val-R-new && find . -name '*.dcm' -type f | sort | xargs sha256sum) > /work/x11r10/val-R-new.sha
if cmp -s /work/x11r10/val-R-old.sha /work/x11r10/val-R-new.sha; then
  echo "identical: $(wc -l < /work/x11r10/val-R-new.sha) DICOM files"
else
  echo "DIFFERENT"; exit 1
fi
