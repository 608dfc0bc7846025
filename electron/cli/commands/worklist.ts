// `livercad worklist`: analyzed studies by confidence; the N% most confident are marked, the rest
// (and every study without a prediction) are listed as needing a radiologist's review.
import { UsageError } from "../../contract/errors";
import { keptCount, mostConfident } from "../../evaluation/index";
import { Registry } from "../../registry";
import { studyResults, type StudyResult } from "../../services/analysis/index";
import { dataPaths } from "../../services/paths";
import { intOption, stringOption, type Command } from "../command";

export interface WorklistEntry {
  rank: number;
  studyInstanceUid: string;
  patientId: string;
  status: StudyResult["status"];
  prediction: StudyResult["prediction"];
  confidence: number | null;
  /** Among the top N% most confident predictions. */
  confident: boolean;
  flag: "confident" | "needs radiologist review";
}

/** The same ordering and rounding as `livercad evaluate --top` (evaluation/metrics.ts). */
export function worklist(results: StudyResult[], topPercent: number): WorklistEntry[] {
  const ordered = mostConfident(results, 1);
  const keep = keptCount(results.length, topPercent / 100);
  return ordered.map((r, i) => {
    const confident = i < keep && r.status === "analyzed";
    return {
      rank: i + 1,
      studyInstanceUid: r.studyInstanceUid,
      patientId: r.patientId,
      status: r.status,
      prediction: r.prediction,
      confidence: r.confidence,
      confident,
      flag: confident ? "confident" : "needs radiologist review",
    };
  });
}

export function worklistText(list: WorklistEntry[], top: number): string {
  const rows = list.map((e) => [
    String(e.rank),
    e.patientId,
    e.status,
    e.prediction ?? "-",
    e.confidence === null ? "-" : e.confidence.toFixed(4),
    e.flag,
  ]);
  const head = ["#", "patient", "status", "prediction", "confidence", ""];
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
    `${n} of ${list.length} studies in the ${top}% most confident`,
  ].join("\n");
}

export const worklistCommand: Command = {
  name: "worklist",
  summary: "List analyzed studies by confidence; the least confident need a radiologist.",
  usage: "[--top 70] [--json] [--db FILE]",
  help: [
    "Options:",
    "  --top N      mark the N% most confident studies (default 70, the paper's operating point)",
    "  --json       print JSON",
    "  --db FILE    registry database",
  ].join("\n"),
  options: { top: { type: "string" }, json: { type: "boolean" }, db: { type: "string" } },
  async run(args) {
    const top = intOption(args, "top", 70);
    if (top < 0 || top > 100) throw new UsageError("--top must be a percentage in 0..100");
    const registry = Registry.open(dataPaths(stringOption(args, "db")));
    try {
      const list = worklist(studyResults(registry.db), top);
      if (args.values.json === true) {
        console.log(JSON.stringify({ top, studies: list }, null, 2));
        return 0;
      }
      if (list.length === 0) {
        console.log("no analyzed studies yet: run `livercad analyze`");
        return 0;
      }
      console.log(worklistText(list, top));
      return 0;
    } finally {
      registry.close();
    }
  },
};
