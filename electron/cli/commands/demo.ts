// `livercad demo`: the main job on built-in demo data. For now it generates a small phantom cohort
// in the data directory (skipped when the same cohort is already there) and prints what was made;
// later issues extend it to import, analyze and print the worklist.
import path from "node:path";
import {
  generateCohort,
  readManifest,
  GENERATOR_VERSION,
  type CohortSummary,
} from "../../phantom/cohort";
import { defaultDataDir } from "../../services/paths";
import type { Command } from "../command";

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

export const demoCommand: Command = {
  name: "demo",
  summary: "Run on built-in demo data (generates a small synthetic cohort).",
  usage: "",
  options: {},
  async run() {
    const { dir, summary } = ensureDemoCohort();
    if (!summary) {
      console.log(
        `demo cohort already present: ${dir} (seed ${DEMO_SEED}, ${DEMO_STUDIES} studies)`,
      );
      return 0;
    }
    const c = summary.classes;
    console.log(
      [
        `demo cohort: ${dir}`,
        `  studies: ${summary.studies} (HCC ${c.HCC}, ICC ${c.ICC}, metastasis ${c.metastasis}; ${summary.cirrhosis} cirrhotic)`,
        `  series per study: ${summary.seriesPerStudy} (5 CAD sequences + localizer, in/opposed phase, ADC, delayed)`,
        `  files: ${summary.files}, ${(summary.bytes / 1e6).toFixed(1)} MB, ${summary.seconds.toFixed(1)} s`,
        `  truth: ${path.join(dir, "truth.json")}`,
      ].join("\n"),
    );
    return 0;
  },
};
