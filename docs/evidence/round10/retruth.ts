// Round 10b: rewrites truth.json + phantom.json of the evaluation cohorts from their plans (the
// pixels are unchanged by the truth change: verify.sh), so train_all.sh's stamps can be renewed.
import { writeCohortIndex } from "../main/electron/phantom/cohort";
const W = "/work/main/native-models/training/work";
const parts = [
  ["val", "randomized", 80, "livercad-val-R"], ["val", "small", 40, "livercad-val-C"],
  ["heldout", "randomized", 100, "livercad-heldout-R"], ["heldout", "small", 60, "livercad-heldout-I"],
  ["heldout", "clinical", 40, "livercad-heldout-J"], ["shift", "shifted", 80, "livercad-shift-S"],
] as const;
for (const [role, preset, studies, seed] of parts) {
  const s = writeCohortIndex({ outDir: `${W}/cohort-${role}-${preset}`, studies, seed, preset });
  console.log(role, preset, s.studies);
}
