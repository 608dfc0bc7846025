"""Round 10: where the validation cohort's false-positive ROIs lie. Reads each results file, the
validation truth and the randomized part's distractors from the phantom's own plans
(val-distractors.json, written by distractors.ts), prints top-ROI misses and false-positive ROIs
by what they sit on (within the blob's largest semi-axis + 10 mm)."""
import json
import math
import sys

W = "/work/main/native-models/training/work"
D = {x["uid"]: x["d"] for x in json.load(open("/work/x11r10/val-distractors.json"))}
T = json.load(open(f"{W}/cohort-val-randomized/truth.json"))["studies"]


def on(c, les):
    return any(math.dist(c, l["center_mm"]) <= l["diameter_mm"] / 2 + 10 for l in les)


def near(c, d):
    kind = "other"
    for k in ("cysts", "hemangiomas"):
        for b in d[k]:
            if math.dist(c, b["center"]) <= max(b["semiAxes"]) + 10:
                kind = k
    return kind


for name, path in zip(sys.argv[1::2], sys.argv[2::2]):
    R = {s["studyInstanceUid"]: s for s in json.load(open(path))["studies"]}
    top, fp = {}, {"cysts": 0, "hemangiomas": 0, "other": 0}
    for t in T:
        r, les, d = R[t["studyInstanceUid"]], t["lesions"], D[t["studyInstanceUid"]]
        rois = sorted(r["rois"], key=lambda x: x["rank"])
        if rois and not on(rois[0]["center_mm"], les):
            k = near(rois[0]["center_mm"], d)
            top[k] = top.get(k, 0) + 1
        for x in rois:
            if not on(x["center_mm"], les):
                fp[near(x["center_mm"], d)] += 1
    print(f"{name}: randomized part (80): top ROI off every lesion in {sum(top.values())} studies, on {top}; "
          f"false-positive ROIs {sum(fp.values())}: {fp}")
