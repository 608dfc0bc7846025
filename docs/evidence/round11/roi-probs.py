"""Diagnostic for the next round (not a choice): on the validation cohort's randomized part, how the
shipped classifier's per-ROI output differs between ROIs on a lesion, on a cyst / haemangioma-like
distractor, and elsewhere: max probability, entropy, and whether the ROI's call agrees with the truth."""
import json, math, sys
W = "/work/main/native-models/training/work"
D = {x["uid"]: x["d"] for x in json.load(open("/work/x11r10/val-distractors.json"))}
T = json.load(open(f"{W}/cohort-val-randomized/truth.json"))["studies"]
R = {s["studyInstanceUid"]: s for s in json.load(open(sys.argv[1]))["studies"]}
def on(c, les): return any(math.dist(c, l["center_mm"]) <= l["diameter_mm"] / 2 + 10 for l in les)
def near(c, d):
    for k in ("cysts", "hemangiomas"):
        for b in d[k]:
            if math.dist(c, b["center"]) <= max(b["semiAxes"]) + 10: return k
    return "other"
groups = {}
for t in T:
    s = R.get(t["studyInstanceUid"])
    if not s or not s["rois"]: continue
    for r in s["rois"]:
        kind = "lesion" if on(r["center_mm"], t["lesions"]) else near(r["center_mm"], D[t["studyInstanceUid"]])
        p = r["probabilities"]; v = sorted(p.values(), reverse=True)
        ent = -sum(x * math.log(x) for x in p.values() if x > 0)
        call = max(p, key=p.get)
        g = groups.setdefault(kind, {"n": 0, "max": [], "ent": [], "right": 0, "score": []})
        g["n"] += 1; g["max"].append(v[0]); g["ent"].append(ent); g["right"] += call == t["label"]; g["score"].append(r["score"])
def med(x): x = sorted(x); return x[len(x) // 2]
for k, g in groups.items():
    print(f"{k:12s} ROIs {g['n']:4d}  median max-prob {med(g['max']):.3f}  median entropy {med(g['ent']):.3f}  "
          f"call = study label {g['right'] / g['n']:.2f}  median ROI score {med(g['score']):.3f}")
