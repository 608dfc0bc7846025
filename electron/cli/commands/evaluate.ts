// `livercad evaluate`: Table-3-style metrics of an analyze --json document against truth.json.
import fs from "node:fs";
import { UsageError } from "../../contract/errors";
import {
  evaluate,
  formatTable,
  matchCases,
  type ResultsLike,
  type TruthLike,
} from "../../evaluation/index";
import { intOption, stringOption, type Command } from "../command";

function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new UsageError(`${what} ${file} does not exist.`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

export const evaluateCommand: Command = {
  name: "evaluate",
  summary: "Score analysis results against ground truth (accuracy, F1, HCC LROC, localization).",
  usage: "--truth truth.json --results out.json [--top 70] [--json]",
  help: [
    "Options:",
    "  --truth FILE     a phantom cohort's truth.json",
    "  --results FILE   the document `livercad analyze --json` wrote",
    "  --top N          also report the N% most confident studies (default 70)",
    "  --json           print the metrics as JSON instead of the table",
    "Studies without a ROI count as misdiagnoses and as LROC false negatives (paper, Table 3).",
  ].join("\n"),
  options: {
    truth: { type: "string" },
    results: { type: "string" },
    top: { type: "string" },
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
    const cases = matchCases(
      readJson<TruthLike>(truthFile, "Truth file"),
      readJson<ResultsLike>(resultsFile, "Results file"),
    );
    const e = evaluate(cases, top / 100);
    if (args.values.json === true) {
      console.log(JSON.stringify(e, null, 2));
    } else {
      console.log(formatTable(e));
    }
    return 0;
  },
};
