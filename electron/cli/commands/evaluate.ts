// `livercad evaluate`: Table-3-style metrics of an analyze --json document against ground truth
// (the phantom's truth.json, a label-only truth.json or a site's CSV), optionally beside readers,
// optionally written as a report with every figure (issue 16 §3).
import path from "node:path";
import { assess } from "../../contract/calibration";
import { UsageError } from "../../contract/errors";
import {
  cohortAnalytics,
  defaultRank,
  evaluate,
  formatConfidence,
  formatTable,
  formatTable3,
  matchTruth,
  type EvalCase,
  type RankBy,
} from "../../evaluation/index";
import { readCalibration } from "../../inference/calibration-store";
import { registryLookup } from "../../registry/index";
import {
  readFolds,
  readReadersFile,
  readResults,
  readTruthFile,
  resultsLookup,
} from "../../services/evaluation/files";
import { APP_VERSION } from "../../contract/version";
import { openServices } from "../../services/compose";
import { modelsOf, writeReport } from "../../report/report";
import { intOption, stringOption, type Command } from "../command";

export const evaluateCommand: Command = {
  name: "evaluate",
  summary: "Score analysis results against ground truth (Table 3, LROC, readers, report).",
  usage:
    "--truth FILE(.json|.csv) [--readers FILE.csv] --results out.json [--report DIR] [--top 70] " +
    "[--rank paper|assessment] [--models DIR] [--json]",
  help: [
    "Options:",
    "  --truth FILE     truth.json (phantom, or label-only) or a CSV: study_uid | accession |",
    "                   patient_id, label (HCC / ICC / metastasis), optional largest_lesion_mm",
    "  --readers FILE   reader study CSV: reader, study_uid | accession | patient_id, diagnosis,",
    "                   confidence (1-5)",
    "  --results FILE   the document `livercad analyze --json` wrote",
    "  --report DIR     write DIR/report.html, DIR/analytics.json and DIR/figures/*.svg|png",
    "  --db FILE        registry that resolves CSV accession numbers (default: none)",
    "  --folds FILE     {studyUid: fold} of a cross validation: Table 3 adds mean +- SD",
    "  --top N          also report the N% most confident studies (default 70): round(N% x n),",
    "                   halves up, the rule the worklist uses (6 studies at 70% keep 4)",
    "  --rank R         rank them by `assessment` (the calibrated rank score; the default when",
    "                   the results carry assessments) or `paper` (1 - mean MC variance)",
    "  --models DIR     re-assess every analyzed study with DIR's classifier calibration",
    "                   (results analyzed before `livercad calibrate` ran)",
    "  --resamples N    bootstrap resamples for the 95% intervals (default 1000)",
    "  --json           print the metrics as JSON instead of the table",
    "Studies without a ROI count as misdiagnoses and as LROC false negatives (paper, Table 3).",
    "A file with any bad row is rejected whole, with one message per row.",
  ].join("\n"),
  options: {
    truth: { type: "string" },
    readers: { type: "string" },
    results: { type: "string" },
    report: { type: "string" },
    db: { type: "string" },
    folds: { type: "string" },
    top: { type: "string" },
    resamples: { type: "string" },
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
    const resamples = intOption(args, "resamples", 1000);
    if (resamples < 10) throw new UsageError("--resamples must be at least 10");
    const readersFile = stringOption(args, "readers");
    const reportDir = stringOption(args, "report");
    const dbFile = stringOption(args, "db");
    const foldsFile = stringOption(args, "folds");
    const rankOption = stringOption(args, "rank");
    if (rankOption !== undefined && rankOption !== "paper" && rankOption !== "assessment") {
      throw new UsageError(`--rank must be "paper" or "assessment", got "${rankOption}"`);
    }
    const models = stringOption(args, "models");

    const results = readResults(resultsFile);
    const services = dbFile ? openServices({ dbFile }) : null;
    const registry = services?.registry ?? null;
    try {
      const lookup = resultsLookup(results, registry ? registryLookup(registry.db) : null);
      // truth.json names studies by UID only; one the results lack is a missing analysis (counted
      // as unlocalized), not an error, as it always was for the phantom.
      const truth = readTruthFile(truthFile, lookup, null);
      const reads = readersFile ? readReadersFile(readersFile, lookup) : [];
      const folds = foldsFile ? readFolds(foldsFile) : null;
      let cases = matchTruth(truth, results, folds);
      if (models !== undefined) cases = reassess(cases, path.resolve(models));
      const rank: RankBy = (rankOption as RankBy | undefined) ?? defaultRank(cases);
      if (rank === "assessment" && !cases.some((c) => c.assessment)) {
        throw new UsageError(
          `--rank assessment: ${resultsFile} carries no assessment (analyzed without a ` +
            "calibrated classifier); pass --models DIR with a calibrated classifier, or --rank paper",
        );
      }
      const e = evaluate(cases, top / 100, rank);
      const full = readersFile !== undefined || reportDir !== undefined || folds !== null;
      const analytics = full
        ? cohortAnalytics(truth, results, reads, { topPercent: top, resamples, folds })
        : null;
      let files: string[] = [];
      if (reportDir && analytics) {
        files = writeReport(path.resolve(reportDir), analytics, {
          title: "LiverCAD evaluation report",
          generatedAt: new Date().toISOString(),
          sources: [
            { label: "Ground truth", value: path.resolve(truthFile) },
            ...(readersFile ? [{ label: "Readers", value: path.resolve(readersFile) }] : []),
            { label: "CAD results", value: path.resolve(resultsFile) },
            ...(foldsFile ? [{ label: "Folds", value: path.resolve(foldsFile) }] : []),
          ],
          models: modelsOf(results),
          appVersion: APP_VERSION,
        });
      }
      if (args.values.json === true) {
        // `all` and `top` are the keys the training scripts read: they stay as they were.
        const out = analytics ? { ...e, analytics, reportFiles: files } : e;
        console.log(JSON.stringify(out, null, 2));
      } else {
        console.log(formatTable(e));
        console.log("");
        console.log(formatConfidence(e));
        if (analytics) {
          console.log(
            `\nTable 3 (95% bootstrap intervals, ${resamples} resamples` +
              `${analytics.composition.folds > 1 ? "; mean±SD over folds" : ""}):`,
          );
          console.log(formatTable3(analytics.table3));
        }
        if (files.length > 0) {
          const figures = files.filter((f) => f.endsWith(".svg")).length;
          console.log(`report: ${path.join(path.resolve(reportDir!), "report.html")}`);
          console.log(`figures=${figures} files=${files.length}`);
        }
      }
      return 0;
    } finally {
      await services?.close();
    }
  },
};

/** Every analyzed study with scores re-assessed under the classifier calibration under `root`. */
function reassess<T extends EvalCase>(cases: T[], root: string): T[] {
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
