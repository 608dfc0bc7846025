// `livercad worklist`: analyzed studies by confidence; the N% most confident are marked, the rest
// (and every study without a prediction) are listed as needing a radiologist's review. Same
// ranking and rule as the app's worklist (services/workstation/worklist.ts, issue 11 §3).
import type { Assessment } from "../../contract/confidence";
import { confidentCount } from "../../contract/confidence";
import { UsageError } from "../../contract/errors";
import { studyResults, type StudyResult } from "../../services/analysis/index";
import { openServices } from "../../services/compose";
import { intOption, stringOption, type Command } from "../command";

export interface WorklistEntry {
  rank: number;
  studyInstanceUid: string;
  patientId: string;
  status: StudyResult["status"];
  prediction: StudyResult["prediction"];
  confidence: number | null;
  /** The calibrated reading, when the analysis has one (issue 11 §3). */
  assessment: Assessment | null;
  /** Among the top N% most confident predictions. */
  confident: boolean;
  flag: "confident" | "needs radiologist review";
}

/**
 * The app's ranking: analyzed studies with an assessment by its rank score (or, with
 * `minProbCorrect`, by its calibrated probability of being right), then analyzed studies without
 * one by the paper's confidence, then the rest; ties keep registry order. The confident list is
 * confidentCount(analyzed studies, topPercent), or the studies with probCorrect >= minProbCorrect.
 */
export function worklist(
  results: StudyResult[],
  topPercent: number,
  minProbCorrect: number | null = null,
): WorklistEntry[] {
  const key = (r: StudyResult): [number, number] => {
    if (r.status !== "analyzed" || r.confidence === null) return [0, 0];
    if (r.assessment) {
      return [2, minProbCorrect === null ? r.assessment.rankScore : r.assessment.probCorrect];
    }
    return [1, r.confidence];
  };
  const ordered = results
    .map((r, i) => ({ r, i, k: key(r) }))
    .sort((a, b) => b.k[0] - a.k[0] || b.k[1] - a.k[1] || a.i - b.i);
  const scored = ordered.filter((o) => o.k[0] > 0).length;
  const keep =
    minProbCorrect === null
      ? confidentCount(scored, topPercent)
      : ordered.filter((o) => o.k[0] === 2 && o.r.assessment!.probCorrect >= minProbCorrect).length;
  return ordered.map(({ r }, i) => {
    const confident = i < keep && r.status === "analyzed";
    return {
      rank: i + 1,
      studyInstanceUid: r.studyInstanceUid,
      patientId: r.patientId,
      status: r.status,
      prediction: r.prediction,
      confidence: r.confidence,
      assessment: r.assessment ?? null,
      confident,
      flag: confident ? "confident" : "needs radiologist review",
    };
  });
}

export function worklistText(list: WorklistEntry[], top: number | string): string {
  const rows = list.map((e) => [
    String(e.rank),
    e.patientId,
    e.status,
    e.prediction ?? "-",
    e.confidence === null ? "-" : e.confidence.toFixed(4),
    e.assessment ? `${Math.round(e.assessment.probCorrect * 100)}% ${e.assessment.band}` : "-",
    e.assessment ? e.assessment.predictionSet.join(" or ") : "-",
    e.flag + (e.assessment?.closeCall ? ", close call" : ""),
  ]);
  const head = ["#", "patient", "status", "prediction", "confidence", "right", "set", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (c: string[]): string =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const n = list.filter((e) => e.confident).length;
  return [
    line(head),
    ...rows.map(line),
    typeof top === "number"
      ? `${n} of ${list.length} studies in the ${top}% most confident`
      : `${n} of ${list.length} studies with ${top}`,
  ].join("\n");
}

export const worklistCommand: Command = {
  name: "worklist",
  summary: "List analyzed studies by confidence; the least confident need a radiologist.",
  usage: "[--top 70 | --min-prob-correct P] [--json] [--db FILE]",
  help: [
    "Options:",
    "  --top N      mark the N% most confident studies (default 70, the paper's operating point):",
    "               round(N% x analyzed studies), halves up, as the app (6 studies at 70% keep 4)",
    "  --min-prob-correct P",
    "               instead mark the studies whose calibrated probability of being right is",
    "               >= P (0..1): a list that does not change when other studies are imported",
    "  --json       print JSON",
    "  --db FILE    registry database",
  ].join("\n"),
  options: {
    top: { type: "string" },
    "min-prob-correct": { type: "string" },
    json: { type: "boolean" },
    db: { type: "string" },
  },
  async run(args) {
    const top = intOption(args, "top", 70);
    if (top < 0 || top > 100) throw new UsageError("--top must be a percentage in 0..100");
    const minText = stringOption(args, "min-prob-correct");
    const min = minText === undefined ? null : Number(minText);
    if (min !== null && (minText!.trim() === "" || !(min >= 0 && min <= 1))) {
      throw new UsageError(`--min-prob-correct must be a probability in 0..1, got "${minText}"`);
    }
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      const list = worklist(studyResults(registry.db), top, min);
      if (args.values.json === true) {
        console.log(
          JSON.stringify(
            { top, ...(min !== null ? { minProbCorrect: min } : {}), studies: list },
            null,
            2,
          ),
        );
        return 0;
      }
      if (list.length === 0) {
        console.log("no analyzed studies yet: run `livercad analyze`");
        return 0;
      }
      console.log(worklistText(list, min === null ? top : `a calibrated P(right) >= ${min}`));
      return 0;
    } finally {
      await services.close();
    }
  },
};
