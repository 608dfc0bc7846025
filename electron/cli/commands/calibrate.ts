// `livercad calibrate`: fits the classifier's calibration (issue 11 §3) on a validation cohort's
// results and writes it, with its provenance, into the classifier manifest under --models.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SCORE_NAMES, type Calibration } from "../../contract/calibration";
import { UsageError } from "../../contract/errors";
import {
  fitCalibration,
  matchCases,
  type CalibrationFit,
  type ResultsLike,
  type TruthLike,
} from "../../evaluation/index";
import { findClassifier, writeCalibration } from "../../inference/calibration-store";
import { APP_VERSION } from "../../contract/version";
import { defaultModelsRoot } from "../../services/analysis/index";
import { stringOption, type Command } from "../command";

function readJson<T>(file: string, what: string): { value: T; bytes: Buffer } {
  if (!fs.existsSync(file)) throw new UsageError(`${what} ${file} does not exist.`);
  const bytes = fs.readFileSync(file);
  try {
    return { value: JSON.parse(bytes.toString("utf8")) as T, bytes };
  } catch (err) {
    throw new UsageError(`${what} ${file} is not JSON: ${(err as Error).message}`);
  }
}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number, got "${value}"`);
  }
  return n;
}

const f3 = (v: number | null): string => (v === null || Number.isNaN(v) ? "n/a" : v.toFixed(3));
const pct = (v: number | null): string =>
  v === null || Number.isNaN(v) ? "n/a" : `${(v * 100).toFixed(1)}%`;

export function calibrationText(c: Calibration, fit: CalibrationFit, file: string): string {
  const lines = [
    `fitted on ${fit.fitted} of ${c.provenance.studies} studies of ${c.provenance.cohort} ` +
      `(accuracy ${f3(fit.accuracy)})`,
    "score           AURC   E-AURC",
    ...SCORE_NAMES.map(
      (s) =>
        `${s.padEnd(14)}  ${f3(c.aurc[s])}  ${f3(fit.eAurc[s])}` +
        (s === c.rankScore ? "  <- rank score (lowest AURC)" : ""),
    ),
    `temperature=${c.temperature.toFixed(4)}`,
    `ece_before=${f3(c.ece.before)} ece_after=${f3(c.ece.after)} (${c.ece.bins} bins)`,
    `conformal ${c.conformal.method} coverage=${c.conformal.coverage} qhat=${f3(c.conformal.qhat)}` +
      ` (on this cohort: covered ${pct(fit.conformal.coverage)},` +
      ` mean set size ${f3(fit.conformal.meanSetSize)})`,
    `  APS at the same coverage: qhat=${f3(fit.aps.qhat)} (covered ${pct(fit.aps.coverage)},` +
      ` mean set size ${f3(fit.aps.meanSetSize)})`,
    ...(["high", "medium", "low"] as const).map((b) => {
      const rule =
        b === "high"
          ? `>= ${pct(c.bands.high)}`
          : b === "medium"
            ? `>= ${pct(c.bands.medium)}`
            : `<  ${pct(c.bands.medium)}`;
      return `band ${b.padEnd(6)} ${rule}: ${c.bands.count[b]} studies, accuracy ${f3(c.bands.accuracy[b])}`;
    }),
    `close calls (top two within ${c.closeCallMargin}): ${fit.closeCalls.count} studies,` +
      ` accuracy ${f3(fit.closeCalls.accuracy)}`,
    `wrote the calibration into ${file}`,
  ];
  return lines.join("\n");
}

export const calibrateCommand: Command = {
  name: "calibrate",
  summary: "Fit the classifier's confidence calibration on a validation cohort's results.",
  usage:
    "--truth truth.json --results val-results.json --models DIR [--coverage 0.9] [--margin M] [--json]",
  help: [
    "Options:",
    "  --truth FILE     the validation cohort's truth.json",
    "  --results FILE   what `livercad analyze --json` wrote for that cohort",
    "  --models DIR     model root holding one classifier; its manifest.json gains a",
    "                   `calibration` block (the ONNX files and their sha256 stay untouched)",
    "  --coverage C     nominal coverage of the conformal prediction sets (default 0.9)",
    "  --margin M       close-call margin on calibrated probabilities (default 0.1)",
    "  --json           print the block and the fit report as JSON",
    "Fits: the rank score by lowest AURC of five candidates, the temperature (NLL), ECE before",
    "and after (15 bins), the split-conformal LAC threshold (APS reported beside it), band accuracies. Use a cohort that",
    "was not used for training, and verify with `livercad evaluate` on a held-out one.",
  ].join("\n"),
  options: {
    truth: { type: "string" },
    results: { type: "string" },
    models: { type: "string" },
    coverage: { type: "string" },
    margin: { type: "string" },
    json: { type: "boolean" },
  },
  async run(args) {
    const truthFile = stringOption(args, "truth");
    const resultsFile = stringOption(args, "results");
    if (truthFile === undefined || resultsFile === undefined) {
      throw new UsageError("--truth and --results are required");
    }
    const root = path.resolve(stringOption(args, "models") ?? defaultModelsRoot());
    const coverage = numberOption(stringOption(args, "coverage"), "coverage", 0.9);
    if (!(coverage > 0 && coverage < 1)) {
      throw new UsageError(`--coverage must lie strictly between 0 and 1, got ${coverage}`);
    }
    const margin = numberOption(stringOption(args, "margin"), "margin", 0.1);
    if (!(margin >= 0 && margin <= 1)) {
      throw new UsageError(`--margin must lie in 0..1, got ${margin}`);
    }
    const truth = readJson<TruthLike>(truthFile, "Truth file");
    const results = readJson<ResultsLike>(resultsFile, "Results file");
    if (!Array.isArray(truth.value?.studies)) {
      throw new UsageError(`Truth file ${truthFile} has no "studies" list.`);
    }
    if (!Array.isArray(results.value?.studies)) {
      throw new UsageError(`Results file ${resultsFile} has no "studies" list.`);
    }
    // Find the classifier first: a wrong --models fails before any fitting.
    const classifier = findClassifier(root);
    const cases = matchCases(truth.value, results.value);
    let fit: CalibrationFit;
    try {
      fit = fitCalibration(cases, { coverage, margin });
    } catch (err) {
      if (err instanceof RangeError) {
        throw new UsageError(`Cannot calibrate on ${resultsFile}: ${err.message}.`);
      }
      throw err;
    }
    for (const s of fit.skipped) console.error(`skipped ${s}`);
    const dates = results.value.studies
      .map((s) => s.analyzedAt)
      .filter((d): d is string => typeof d === "string")
      .sort();
    const calibration: Calibration = {
      ...fit.calibration,
      provenance: {
        cohort: resultsFile,
        studies: results.value.studies.length,
        fitted: fit.fitted,
        truthSha256: createHash("sha256").update(truth.bytes).digest("hex"),
        resultsDate: dates.at(-1) ?? null,
        appVersion: APP_VERSION,
      },
    };
    const file = writeCalibration(root, calibration);
    if (args.values.json === true) {
      console.log(
        JSON.stringify(
          {
            model: classifier.manifest.id,
            manifest: file,
            calibration,
            report: {
              fitted: fit.fitted,
              skipped: fit.skipped,
              accuracy: fit.accuracy,
              eAurc: fit.eAurc,
              conformal: fit.conformal,
              closeCalls: fit.closeCalls,
            },
          },
          null,
          2,
        ),
      );
    } else {
      console.log(calibrationText(calibration, fit, file));
    }
    return 0;
  },
};
