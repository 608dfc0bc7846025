// `livercad evaluate`: Table-3-style metrics of an analyze --json document against ground truth
// (the phantom's truth.json, a label-only truth.json or a site's CSV), optionally beside readers,
// optionally written as a report with every figure (issue 16 §3).
import path from "node:path";
import { UsageError } from "../../contract/errors";
import {
  cohortAnalytics,
  evaluate,
  formatTable,
  formatTable3,
  matchTruth,
} from "../../evaluation/index";
import { registryLookup, Registry } from "../../registry/index";
import {
  readFolds,
  readReadersFile,
  readResults,
  readTruthFile,
  resultsLookup,
} from "../../services/evaluation/files";
import { APP_VERSION } from "../../services/analysis/results";
import { dataPaths } from "../../services/paths";
import { modelsOf, writeReport } from "../../report/report";
import { intOption, stringOption, type Command } from "../command";

export const evaluateCommand: Command = {
  name: "evaluate",
  summary: "Score analysis results against ground truth (Table 3, LROC, readers, report).",
  usage: "--truth FILE(.json|.csv) [--readers FILE.csv] --results out.json [--report DIR] [--json]",
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
    "  --top N          also report the N% most confident studies (default 70)",
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

    const results = readResults(resultsFile);
    const registry = dbFile ? Registry.open(dataPaths(dbFile)) : null;
    try {
      const lookup = resultsLookup(results, registry ? registryLookup(registry.db) : null);
      // truth.json names studies by UID only; one the results lack is a missing analysis (counted
      // as unlocalized), not an error, as it always was for the phantom.
      const truth = readTruthFile(truthFile, lookup, null);
      const reads = readersFile ? readReadersFile(readersFile, lookup) : [];
      const folds = foldsFile ? readFolds(foldsFile) : null;
      const e = evaluate(matchTruth(truth, results, folds), top / 100);
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
      registry?.close();
    }
  },
};
