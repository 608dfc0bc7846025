// `livercad phantom`: writes a synthetic multi-phase liver MRI cohort (DICOM + truth.json), or
// with --montage DIR the per-class PNG montages used in the README.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../contract/errors";
import { LESION_CLASSES } from "../../contract/domain";
import {
  generateCohort,
  writeCohortIndex,
  type CohortOptions,
  type CohortSummary,
} from "../../phantom/cohort";
import { studyMontage } from "../../phantom/montage";
import { planCohort } from "../../phantom/plan";
import { PRESETS, type Preset } from "../../phantom/protocol";
import { intOption, stringOption, type Command } from "../command";

export function presetOption(value: string | undefined): Preset {
  if (value === undefined) return "small";
  const known = PRESETS.find((p) => p === value);
  if (known) return known;
  throw new UsageError(`--preset must be one of ${PRESETS.join(", ")}, got "${value}"`);
}

/** Parses the internal `--shard j/J` option of the worker processes that `--jobs` starts. */
function shardOption(value: string | undefined): CohortOptions["shard"] {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index >= count) throw new UsageError(`--shard must be j/J with j < J, got "${value}"`);
  return { index, count };
}

/**
 * Runs `jobs` copies of this command, each writing every jobs-th study (--shard), then writes the
 * truth index here. Processes rather than worker threads: the generator is synchronous CPU work
 * and a process needs no separate worker bundle. Each worker prints its summary as JSON.
 */
async function generateInParallel(opts: CohortOptions, jobs: number): Promise<CohortSummary> {
  const start = process.hrtime.bigint();
  const script = process.argv[1];
  if (!script) throw new Error("cannot locate the livercad script to start workers");
  const runs = Array.from(
    { length: jobs },
    (_, j) =>
      new Promise<CohortSummary>((resolve, reject) => {
        const args = [script, "phantom", "--out", opts.outDir, "--studies", String(opts.studies)];
        args.push("--seed", opts.seed, "--preset", opts.preset, "--shard", `${j}/${jobs}`);
        const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
        let stdout = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
          if (code !== 0) reject(new Error(`phantom worker ${j}/${jobs} exited with ${code}`));
          else resolve(JSON.parse(stdout) as CohortSummary);
        });
      }),
  );
  const parts = await Promise.all(runs);
  const index = writeCohortIndex(opts);
  return {
    ...index,
    files: parts.reduce((n, p) => n + p.files, 0),
    bytes: parts.reduce((n, p) => n + p.bytes, 0),
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
  };
}

/** Seed and study count that make the README montages (one study of each class). */
export const MONTAGE_SEED = "montage-1";

export const phantomCommand: Command = {
  name: "phantom",
  summary: "Write a synthetic multi-phase liver MRI cohort (DICOM + truth.json).",
  usage:
    "--out DIR --studies N --seed S [--preset small|clinical|randomized|shifted] | --montage DIR",
  help: [
    "Options:",
    "  --out DIR        output folder: one folder per patient, DIR/truth.json, DIR/phantom.json",
    "  --studies N      number of studies (class mix of the paper's Table 2)",
    "  --seed S         any string; the same seed writes the same bytes",
    "  --preset P       small (half matrices, default), clinical (Table 1 matrices), randomized\n" +
      "                   (domain randomization: vendors, geometry, signals, anatomy, artefacts)\n" +
      "                   or shifted (the shift test: settings never used in training)",
    "  --jobs J         generate with J processes (default 1; same bytes for any J)",
    "  --montage DIR    instead: write DIR/phantom-{HCC,ICC,metastasis}.png (clinical preset)",
  ].join("\n"),
  options: {
    out: { type: "string" },
    studies: { type: "string" },
    seed: { type: "string" },
    preset: { type: "string" },
    montage: { type: "string" },
    jobs: { type: "string" },
    shard: { type: "string" },
  },
  async run(args) {
    const montage = stringOption(args, "montage");
    if (montage !== undefined) {
      fs.mkdirSync(montage, { recursive: true });
      const plans = planCohort({ seed: MONTAGE_SEED, studies: 12, preset: "clinical" });
      for (const label of LESION_CLASSES) {
        // The first typical study of each class whose index lesion is of median-ish size.
        const study = plans.find(
          (p) => p.label === label && !p.atypical && (p.lesions[0]?.diameterMm ?? 0) >= 25,
        );
        if (!study) throw new Error(`no ${label} study in the montage plan`);
        const file = path.join(montage, `phantom-${label}.png`);
        fs.writeFileSync(file, studyMontage(study));
        console.log(
          `${file}: ${study.patientId} ${label}, index lesion ${study.lesions[0]?.diameterMm.toFixed(0)} mm`,
        );
      }
      // The range of the randomized family (six studies) and of the shift test (two).
      for (const [preset, count] of [
        ["randomized", 6],
        ["shifted", 2],
      ] as const) {
        const random = planCohort({ seed: MONTAGE_SEED, studies: count, preset });
        random.forEach((study, k) => {
          const file = path.join(montage, `phantom-${preset}-${k + 1}.png`);
          fs.writeFileSync(file, studyMontage(study));
          const t1 = study.series.find((s) => s.kind === "T1_venous");
          console.log(
            `${file}: ${study.label}, ${t1?.vendor} ${t1?.matrix}x${t1?.rows}, index lesion ${study.lesions[0]?.diameterMm.toFixed(0)} mm`,
          );
        });
      }
      return 0;
    }
    const out = stringOption(args, "out");
    const seed = stringOption(args, "seed");
    if (out === undefined || seed === undefined)
      throw new UsageError("--out and --seed are required");
    const studies = intOption(args, "studies", 0);
    if (studies < 1) throw new UsageError("--studies must be a positive integer");
    const opts: CohortOptions = {
      outDir: path.resolve(out),
      studies,
      seed,
      preset: presetOption(stringOption(args, "preset")),
    };
    const shard = shardOption(stringOption(args, "shard"));
    if (shard) {
      console.log(JSON.stringify(generateCohort({ ...opts, shard })));
      return 0;
    }
    const jobs = intOption(args, "jobs", 1);
    if (jobs < 1) throw new UsageError("--jobs must be a positive integer");
    const summary =
      jobs > 1
        ? await generateInParallel(opts, Math.min(jobs, studies))
        : generateCohort({
            ...opts,
            onStudy: (done, total, study) => {
              if (process.stderr.isTTY)
                process.stderr.write(`\r${done}/${total} ${study.patientId}`);
            },
          });
    if (process.stderr.isTTY) process.stderr.write("\n");
    console.log(
      `wrote ${summary.studies} studies (HCC ${summary.classes.HCC}, ICC ${summary.classes.ICC}, ` +
        `metastasis ${summary.classes.metastasis}), ${summary.files} files, ` +
        `${(summary.bytes / 1e6).toFixed(1)} MB in ${summary.seconds.toFixed(1)} s to ${summary.outDir}`,
    );
    return 0;
  },
};
