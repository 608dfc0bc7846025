import { planCohort } from "../main/electron/phantom/plan";
const plans = planCohort({ studies: 80, seed: "livercad-val-R", preset: "randomized" } as never);
console.log(JSON.stringify(plans.map((p) => ({ uid: p.studyInstanceUid, d: p.distractors }))));
