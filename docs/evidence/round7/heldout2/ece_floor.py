"""ECE noise floor: the ECE (15 equal-width bins, as `livercad evaluate`) a perfectly calibrated
model would show on a cohort of this size with these calibrated confidences (outcomes drawn as
Bernoulli(confidence), 5000 replicates, seed 7)."""
import json, math, random, sys
def ece(conf, correct, bins=15):
    acc = [[0, 0.0, 0] for _ in range(bins)]
    for c, r in zip(conf, correct):
        b = min(bins - 1, max(0, math.ceil(c * bins - 1e-12) - 1))
        acc[b][0] += 1; acc[b][1] += c; acc[b][2] += r
    return sum(n / len(conf) * abs(k / n - s / n) for n, s, k in acc if n)
rng = random.Random(7)
for path in sys.argv[1:]:
    conf = [s["assessment"]["probCorrect"] for s in json.load(open(path))["studies"]
            if s.get("status") == "analyzed" and s.get("assessment")]
    sims = sorted(ece(conf, [rng.random() < c for c in conf]) for _ in range(5000))
    print(f"{path}: n={len(conf)} perfectly calibrated ECE median {sims[2500]:.3f}, "
          f"90% range {sims[250]:.3f}-{sims[4750]:.3f}, P(ECE <= 0.05) {sum(x <= 0.05 for x in sims)/5000:.2f}")
# Cohort size at which a perfectly calibrated model's median ECE falls to 0.05 (held-out
# confidences resampled with replacement).
if len(sys.argv) > 1:
    base = [s["assessment"]["probCorrect"] for s in json.load(open(sys.argv[1]))["studies"]
            if s.get("status") == "analyzed" and s.get("assessment")]
    for n in (400, 800, 1600):
        sims = sorted(ece(conf, [rng.random() < c for c in conf])
                      for conf in ([rng.choice(base) for _ in range(n)] for _ in range(1000)))
        print(f"n={n}: perfectly calibrated ECE median {sims[500]:.3f}, 90% range {sims[50]:.3f}-{sims[950]:.3f}")
