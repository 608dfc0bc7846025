// `livercad demo`: the main job on built-in demo data: generates a small phantom cohort in the data
// directory (skipped when the same cohort is already there), imports it, analyzes every study not
// yet analyzed with the shipped models and prints the worklist (issue 4 §4).
import path from "node:path";
import { studyResults } from "../../services/analysis/index";
import { openServices } from "../../services/compose";
import { importPaths } from "../../services/import";
import { assignStudySequences, readInstance } from "../../services/import/defaults";
import { dataPaths } from "../../services/paths";
import {
  generateCohort,
  readManifest,
  GENERATOR_VERSION,
  type CohortSummary,
} from "../../phantom/cohort";
import { defaultDataDir } from "../../services/paths";
import { stringOption, type Command } from "../command";
import { resultsTable } from "./analyze";
import { worklist, worklistText } from "./worklist";

export const DEMO_SEED = "livercad-demo-1";
export const DEMO_STUDIES = 6;

export interface DemoCohort {
  dir: string;
  /** Null when an identical cohort was already there and nothing was written. */
  summary: CohortSummary | null;
}

/** Makes sure the demo cohort exists under the data directory. */
export function ensureDemoCohort(dataDir = defaultDataDir()): DemoCohort {
  const dir = path.join(dataDir, "demo-cohort");
  const m = readManifest(dir);
  if (
    m &&
    m.seed === DEMO_SEED &&
    m.studies === DEMO_STUDIES &&
    m.preset === "small" &&
    m.version === GENERATOR_VERSION
  ) {
    return { dir, summary: null };
  }
  return {
    dir,
    summary: generateCohort({
      outDir: dir,
      studies: DEMO_STUDIES,
      seed: DEMO_SEED,
      preset: "small",
    }),
  };
}

/** What `demo` prints about the cohort it generated (or found). */
function cohortText(dir: string, summary: CohortSummary | null): string {
  if (!summary) {
    return `demo cohort already present: ${dir} (seed ${DEMO_SEED}, ${DEMO_STUDIES} studies)`;
  }
  const c = summary.classes;
  return [
    `demo cohort: ${dir}`,
    `  studies: ${summary.studies} (HCC ${c.HCC}, ICC ${c.ICC}, metastasis ${c.metastasis}; ${summary.cirrhosis} cirrhotic)`,
    `  series per study: ${summary.seriesPerStudy} (5 CAD sequences + localizer, in/opposed phase, ADC, delayed)`,
    `  files: ${summary.files}, ${(summary.bytes / 1e6).toFixed(1)} MB, ${summary.seconds.toFixed(1)} s`,
    `  truth: ${path.join(dir, "truth.json")}`,
  ].join("\n");
}

export const demoCommand: Command = {
  name: "demo",
  summary: "Generate a small synthetic cohort, import it, analyze it, print the worklist.",
  usage: "[--models DIR] [--db FILE]",
  help: [
    "Options:",
    "  --models DIR   model root (default: $LIVERCAD_MODELS, else native-models/)",
    "  --db FILE      registry database (default: the data directory's registry.sqlite)",
    "Every step is skipped when already done: the cohort, imported files, analyzed studies.",
  ].join("\n"),
  options: { models: { type: "string" }, db: { type: "string" } },
  async run(args) {
    const dbFile = stringOption(args, "db");
    const paths = dataPaths(dbFile);
    const { dir, summary } = ensureDemoCohort(dbFile ? paths.root : defaultDataDir());
    console.log(cohortText(dir, summary));
    const services = openServices({
      dbFile,
      models: { root: stringOption(args, "models") },
      analysis: {},
    });
    const { registry, analysis: service } = services;
    try {
      const { opened } = await service.prepared();
      const report = await importPaths(registry, [dir], {
        read: readInstance,
        assign: assignStudySequences,
      });
      const s = report.summary;
      console.log(
        `import: ${s.imported} files imported, ${s.duplicates} already there; ` +
          `${s.studies} studies (${s.complete} complete)`,
      );
      console.log(`models: ${opened.provenance.map((p) => `${p.id}@${p.version}`).join(", ")}`);
      const queued = service.enqueueUnanalyzed();
      const ran = new Set<string>();
      service.on((e) => {
        if (e.type === "started") ran.add(e.studyInstanceUid);
      });
      const done = await service.processQueue();
      const results = studyResults(registry.db);
      if (queued.length > 0) {
        console.log(`analysis: ${done.done} done, ${done.failed} failed`);
        console.log(resultsTable(results.filter((r) => ran.has(r.studyInstanceUid))));
      }
      console.log("\nworklist (70% most confident marked):");
      console.log(worklistText(worklist(results, 70), 70));
      return done.failed > 0 ? 1 : 0;
    } finally {
      await services.close();
    }
  },
};
