// `livercad analyze [<dir>...]`: imports the given folders, analyzes every study not yet analyzed
// through the analysis service (jobs in the registry), prints a table, optionally writes out.json.
import fs from "node:fs";
import path from "node:path";
import { errorMessage, UsageError } from "../../contract/errors";
import { DEFAULT_PIPELINE_CONFIG, type PipelineConfig } from "../../pipeline/config";
import { studyResults, type AnalysisEvent, type StudyResult } from "../../services/analysis/index";
import { importPaths } from "../../services/import";
import { assignStudySequences, readInstance } from "../../services/import/defaults";
import { openServices } from "../../services/compose";
import { stringOption, type Command } from "../command";
import { summaryText } from "./import";
import { latestQualityFlags } from "../../registry";
import {
  auditAnalysisRequest,
  auditAnalysisResults,
  auditCliImport,
} from "../../services/site/audit-events";
import { qualitySummary } from "../../contract/quality";
import { asImportJob } from "../../services/site/cli-import-job";

export function resultsTable(results: StudyResult[]): string {
  const head = ["patient", "status", "prediction", "P(HCC/ICC/met)", "confidence", "ROIs", "ms"];
  const rows = results.map((r) => [
    r.patientId,
    r.status,
    r.prediction ?? "-",
    r.probabilities
      ? [r.probabilities.HCC, r.probabilities.ICC, r.probabilities.metastasis]
          .map((p) => p.toFixed(2))
          .join("/")
      : "-",
    r.confidence === null ? "-" : r.confidence.toFixed(4),
    String(r.rois.length),
    r.timings_ms.total === undefined ? "-" : r.timings_ms.total.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  const errors = results.filter((r) => r.error).map((r) => `  ${r.patientId}: ${r.error}`);
  return [line(head), ...rows.map(line), ...(errors.length ? ["Notes:", ...errors] : [])].join(
    "\n",
  );
}

/**
 * A --config file: a JSON object of pipeline parameters. A name the pipeline does not know is
 * refused (a typo would otherwise run the defaults silently); values are checked by
 * resolvePipelineConfig when the analysis starts.
 */
export function readConfigFile(file: string | undefined): Partial<PipelineConfig> {
  if (file === undefined) return {};
  if (!fs.existsSync(file)) throw new UsageError(`Config file ${file} does not exist.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`Config file ${file} is not valid JSON: ${errorMessage(err)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`Config file ${file} must hold a JSON object of pipeline parameters.`);
  }
  const known = Object.keys(DEFAULT_PIPELINE_CONFIG);
  const unknown = Object.keys(parsed).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new UsageError(
      `Config file ${file}: unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (known: ${known.join(", ")}).`,
    );
  }
  return parsed as Partial<PipelineConfig>;
}

export const analyzeCommand: Command = {
  name: "analyze",
  summary: "Import folders (optional) and analyze every study not yet analyzed.",
  usage: "[<dir>...] [--db FILE] [--json out.json] [--models DIR] [--config FILE]",
  help: [
    "Options:",
    "  --db FILE       registry database (default: the data directory's registry.sqlite)",
    "  --json FILE     write every analyzed study's latest result (issue 4 out.json format)",
    "  --models DIR    model root: one folder per model with a manifest.json",
    "                  (default: $LIVERCAD_MODELS, else native-models/)",
    "  --config FILE   JSON overrides of the pipeline parameters (threshold, top fraction, T ...)",
    "  --study UID     analyze this study again even if it was analyzed (repeatable)",
    "Analyses run as jobs in the registry: a run killed mid-way resumes on the next start.",
  ].join("\n"),
  options: {
    db: { type: "string" },
    json: { type: "string" },
    models: { type: "string" },
    config: { type: "string" },
    study: { type: "string", multiple: true },
  },
  allowPositionals: true,
  async run(args) {
    const config = readConfigFile(stringOption(args, "config"));
    const jsonPath = stringOption(args, "json");
    const services = openServices({
      dbFile: stringOption(args, "db"),
      models: { root: stringOption(args, "models") },
      analysis: { config },
    });
    const { registry, analysis: service, actor } = services;
    try {
      auditAnalysisResults(registry.db, () => actor, service);
      // Models first: without them nothing is imported half-way or queued for nothing.
      const { opened } = await service.prepared();
      if (service.requeued > 0) {
        console.log(`resuming ${service.requeued} analysis job(s) interrupted earlier`);
      }
      if (args.positionals.length > 0) {
        const report = await asImportJob(registry.db, args.positionals, (onProgress) =>
          importPaths(registry, args.positionals, {
            read: readInstance,
            assign: assignStudySequences,
            onProgress,
          }),
        );
        auditCliImport(registry.db, actor, "analyze", args.positionals.length, report);
        console.log(summaryText(report));
      }
      // --study UID: analyze again (a refused or stale study; issue 13 §2-3).
      const again = (args.values.study as string[] | undefined) ?? [];
      const queued = [...service.enqueue(again), ...service.enqueueUnanalyzed()];
      auditAnalysisRequest(registry.db, actor, again, true, queued.length);
      const ran = new Set<string>();
      const tty = process.stderr.isTTY === true;
      let done = 0;
      service.on((e: AnalysisEvent) => {
        if (e.type === "started") ran.add(e.studyInstanceUid);
        if (e.type === "finished") done += 1;
        if (tty && (e.type === "progress" || e.type === "finished")) {
          const what = e.type === "progress" ? e.stage : e.state;
          process.stderr.write(`\ranalyzing ${done}/${queued.length}: ${what}`.padEnd(48));
        }
      });
      const providers = [...new Set(opened.provenance.map((p) => p.provider))].join(", ");
      console.log(
        `models: ${opened.provenance.map((p) => `${p.id}@${p.version}`).join(", ")} (${providers})`,
      );
      const summary = await service.processQueue();
      if (tty) process.stderr.write("\n");
      const results = studyResults(registry.db);
      const mine = results.filter((r) => ran.has(r.studyInstanceUid));
      console.log(
        mine.length > 0 ? resultsTable(mine) : "no study needed an analysis (all up to date)",
      );
      console.log(
        `jobs: ${summary.done} done, ${summary.failed} failed, ${summary.cancelled} cancelled`,
      );
      // The image-quality gate's verdict of each study's latest analysis (issue 13 §3).
      const flags = latestQualityFlags(registry.db);
      for (const r of mine) {
        const q = flags.get(r.studyInstanceUid);
        if (q && q.status !== "ok")
          console.log(`quality ${q.status}: ${r.studyInstanceUid}: ${qualitySummary(q)}`);
      }
      if (jsonPath) {
        const studies = results.map((r) => {
          const quality = flags.get(r.studyInstanceUid);
          return quality ? { ...r, quality } : r;
        });
        fs.mkdirSync(path.dirname(path.resolve(jsonPath)), { recursive: true });
        fs.writeFileSync(jsonPath, `${JSON.stringify({ studies }, null, 2)}\n`);
        console.log(`results of ${results.length} studies written to ${jsonPath}`);
      }
      return summary.failed > 0 ? 1 : 0;
    } finally {
      await services.close();
    }
  },
};
