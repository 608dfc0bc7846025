// `livercad export-training`: the training tensors of a phantom cohort, made by the pipeline's own
// prepare and crop stages (the trainer in native-models/training reads only this output).
import path from "node:path";
import { SEQUENCES } from "../../contract/domain";
import { UsageError } from "../../contract/errors";
import { exportTraining } from "../../services/training-export/index";
import { intOption, stringOption, type Command } from "../command";
import { readConfigFile } from "./analyze";

export const exportTrainingCommand: Command = {
  name: "export-training",
  summary: "Export detector slices + boxes and classifier crops + labels from a phantom cohort.",
  usage:
    "--cohort DIR --out DIR [--jitter K] [--seed S] [--negatives F] [--distractor-slices] [--classifier-negatives] [--config FILE]",
  help: [
    "Options:",
    "  --cohort DIR     a phantom cohort (DIR/truth.json + one folder per study)",
    "  --out DIR        output: detectors/<SEQ>/{x.f32,boxes.json,meta.json},",
    "                   classifier/{x.f32,labels.json,meta.json}",
    "  --jitter K       jittered ROI copies per lesion slice (centre +-20%, size +-25%; default 4)",
    "  --seed S         integer seed of the jitter and of the lesion-free slice draw (default 1)",
    "  --negatives F    share of lesion-free slices kept for the detectors (default 0.25)",
    "  --distractor-slices",
    "                   also keep every lesion-free slice with a distractor (truth.json's",
    "                   distractorBoxes), the detectors' hard negatives (round 10; default: only",
    "                   the draw above, as the shipped detectors were trained)",
    "  --classifier-negatives",
    "                   also write not-a-lesion crops (distractors and background) to",
    "                   classifier-negatives/{x.f32,labels.json,meta.json}, for a classifier",
    "                   with a rejection output (train.py classifier --negatives)",
    "  --config FILE    JSON overrides of the pipeline config (detectorSize, cropSize, ...)",
    "x.f32 is raw little-endian float32 with the shape in meta.json.",
  ].join("\n"),
  options: {
    cohort: { type: "string" },
    out: { type: "string" },
    jitter: { type: "string" },
    seed: { type: "string" },
    negatives: { type: "string" },
    "distractor-slices": { type: "boolean" },
    "classifier-negatives": { type: "boolean" },
    config: { type: "string" },
  },
  async run(args) {
    const cohort = stringOption(args, "cohort");
    const out = stringOption(args, "out");
    if (cohort === undefined || out === undefined) {
      throw new UsageError("--cohort and --out are required");
    }
    const negatives = Number(stringOption(args, "negatives") ?? "0.25");
    const config = readConfigFile(stringOption(args, "config"));
    const summary = await exportTraining({
      cohortDir: path.resolve(cohort),
      outDir: path.resolve(out),
      jitter: intOption(args, "jitter", 4),
      seed: intOption(args, "seed", 1),
      negativeShare: negatives,
      distractorSlices: args.values["distractor-slices"] === true,
      classifierNegatives: args.values["classifier-negatives"] === true,
      config,
      onStudy: (done, total, patientId) => {
        if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} ${patientId}`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const det = SEQUENCES.map((s) => `${s} ${summary.detectorSamples[s]}`).join(", ");
    console.log(
      [
        `exported ${summary.studies} studies to ${path.resolve(out)} in ${summary.seconds.toFixed(1)} s`,
        `  detector samples: ${det}`,
        `  classifier samples: ${summary.classifierSamples}`,
        `  written: ${(summary.bytes / 1e6).toFixed(1)} MB`,
      ].join("\n"),
    );
    return 0;
  },
};
