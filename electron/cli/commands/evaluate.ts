// `livercad evaluate`: Table-3-style metrics of an analyze --json document against truth.json.
import fs from "node:fs";
import path from "node:path";
import { assess } from "../../contract/calibration";
import { UsageError } from "../../contract/errors";
import {
  defaultRank,
  evaluate,
  formatConfidence,
  formatTable,
  matchCases,
  type EvalCase,
  type RankBy,
  type ResultsLike,
  type TruthLike,
} from "../../evaluation/index";
import { readCalibration } from "../../inference/calibration-store";
import { intOption, stringOption, type Command } from "../command";

function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new UsageError(`${what} ${file} does not exist.`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

export const evaluateCommand: Command = {
  name: "evaluate",
  summary: "Score analysis results against ground truth (accuracy, F1, HCC LROC, localization).",
  usage:
    "--truth truth.json --results out.json [--top 70] [--rank paper|assessment] [--models DIR] [--json]",
  help: [
    "Options:",
    "  --truth FILE     a phantom cohort's truth.json",
    "  --results FILE   the document `livercad analyze --json` wrote",
    "  --top N          also report the N% most confident studies (default 70): round(N% x n),",
    "                   halves up, the rule the worklist uses (6 studies at 70% keep 4)",
    "  --rank R         rank them by `assessment` (the calibrated rank score; the default when",
    "                   the results carry assessments) or `paper` (1 - mean MC variance)",
    "  --models DIR     re-assess every analyzed study with DIR's classifier calibration",
    "                   (results analyzed before `livercad calibrate` ran)",
    "  --json           print the metrics as JSON instead of the table",
    "Studies without a ROI count as misdiagnoses and as LROC false negatives (paper, Table 3).",
  ].join("\n"),
  options: {
    truth: { type: "string" },
    results: { type: "string" },
    top: { type: "string" },
    rank: { type: "string" },
    models: { type: "string" },
    json: { type: "boolean" },
  },
  async run(args) {
    const truthFile = stringOption(args, "truth");
    const resultsFile = stringOption(args, "results");
    if (truthFile === undefined || resultsFile === undefined) {
      throw new UsageError("--truth and --results are required");
    }
    const top = intOption(args, "top", 70);
    if (top < 1 || top > 100) throw new UsageError("--top must be a percentage in 1..100");
    const rankOption = stringOption(args, "rank");
    if (rankOption !== undefined && rankOption !== "paper" && rankOption !== "assessment") {
      throw new UsageError(`--rank must be "paper" or "assessment", got "${rankOption}"`);
    }
    let cases = matchCases(
      readJson<TruthLike>(truthFile, "Truth file"),
      readJson<ResultsLike>(resultsFile, "Results file"),
    );
    const models = stringOption(args, "models");
    if (models !== undefined) cases = reassess(cases, path.resolve(models));
    const rank: RankBy = (rankOption as RankBy | undefined) ?? defaultRank(cases);
    if (rank === "assessment" && !cases.some((c) => c.assessment)) {
      throw new UsageError(
        `--rank assessment: ${resultsFile} carries no assessment (analyzed without a ` +
          "calibrated classifier); pass --models DIR with a calibrated classifier, or --rank paper",
      );
    }
    const e = evaluate(cases, top / 100, rank);
    if (args.values.json === true) {
      console.log(JSON.stringify(e, null, 2));
    } else {
      console.log(formatTable(e));
      console.log("");
      console.log(formatConfidence(e));
    }
    return 0;
  },
};

/** Every analyzed study with scores re-assessed under the classifier calibration under `root`. */
function reassess(cases: EvalCase[], root: string): EvalCase[] {
  const calibration = readCalibration(root);
  if (!calibration) {
    throw new UsageError(
      `The classifier under ${root} has no calibration block; run \`livercad calibrate\` first.`,
    );
  }
  return cases.map((c) =>
    c.status === "analyzed" && c.probabilities && c.scores
      ? { ...c, assessment: assess(c.probabilities, c.scores, calibration) }
      : { ...c, assessment: null },
  );
}
