"""Re-aggregate study probabilities from per-ROI results: weight each ROI by score**alpha."""
import json, math, sys
src, dst, alpha = sys.argv[1], sys.argv[2], float(sys.argv[3])
d = json.load(open(src))
C = ["HCC", "ICC", "metastasis"]
for s in d["studies"]:
    if s.get("status") != "analyzed" or not s.get("rois"):
        continue
    w = [max(r["score"], 1e-9) ** alpha for r in s["rois"]]
    p = {c: sum(wi * r["probabilities"][c] for wi, r in zip(w, s["rois"])) / sum(w) for c in C}
    s["probabilities"] = p
    order = sorted(C, key=lambda c: -p[c])
    s["prediction"] = order[0]
    sc = s["scores"]
    sc["maxProb"] = p[order[0]]
    sc["margin"] = p[order[0]] - p[order[1]]
    sc["negEntropy"] = sum(v * math.log(v) for v in p.values() if v > 0)
    s["assessment"] = None
json.dump(d, open(dst, "w"))
