#!/usr/bin/env bash
cd /work/main
OUT=/work/x11r10/models-r12 KEEP_DETECTORS=1 EXPORT_ARGS="--classifier-negatives" \
  VAL_PARTS="randomized:80:livercad-val2-R small:40:livercad-val2-C" \
  CLS_CANDIDATES="shipped=keep;reject=--label-smoothing 0.05 --input-norm ring-log --negatives-from-export" \
  STOP_AFTER=validation SKIP_BUILD=1 bash native-models/training/train_all.sh > /work/x11r10/train-log-12.txt 2>&1
echo "exit $?" >> /work/x11r10/train-log-12.txt
