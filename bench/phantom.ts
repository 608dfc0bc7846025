// `npm run bench:phantom`: phantom cohort generation speed and size for both presets, measured in
// one run on this machine, plus the projection for the paper-sized 400-study cohort.
// Prints key=value lines. Env: PHANTOM_BENCH_STUDIES (default 3 small / 2 clinical).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateCohort } from "../electron/phantom/cohort";
import type { Preset } from "../electron/phantom/protocol";

const COHORT = 400;

function bench(preset: Preset, studies: number): { perSecond: number; mbPerStudy: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `phantom-bench-${preset}-`));
  try {
    const cpu0 = process.cpuUsage();
    const s = generateCohort({ outDir: dir, studies, seed: "bench-1", preset });
    const cpu = process.cpuUsage(cpu0);
    // CPU seconds too: on a shared machine wall time includes other processes' load.
    const cpuPerStudy = (cpu.user + cpu.system) / 1e6 / s.studies;
    const perSecond = s.studies / s.seconds;
    const mbPerStudy = s.bytes / 1e6 / s.studies;
    console.log(`${preset}.studies=${s.studies}`);
    console.log(`${preset}.files_per_study=${(s.files / s.studies).toFixed(0)}`);
    console.log(`${preset}.seconds=${s.seconds.toFixed(2)}`);
    console.log(`${preset}.studies_per_s=${perSecond.toFixed(3)}`);
    console.log(`${preset}.s_per_study=${(1 / perSecond).toFixed(2)}`);
    console.log(`${preset}.cpu_s_per_study=${cpuPerStudy.toFixed(2)}`);
    console.log(
      `${preset}.cohort${COHORT}_cpu_minutes=${((cpuPerStudy * COHORT) / 60).toFixed(1)}`,
    );
    console.log(`${preset}.mb_per_study=${mbPerStudy.toFixed(2)}`);
    console.log(`${preset}.cohort${COHORT}_minutes=${(COHORT / perSecond / 60).toFixed(1)}`);
    console.log(`${preset}.cohort${COHORT}_gb=${((mbPerStudy * COHORT) / 1000).toFixed(2)}`);
    return { perSecond, mbPerStudy };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const n = Number(process.env.PHANTOM_BENCH_STUDIES ?? 0);
console.log(`cpus=${os.cpus().length} node=${process.version}`);
const small = bench("small", n || 3);
const clinical = bench("clinical", n || 2);
console.log(`clinical_vs_small.time_ratio=${(small.perSecond / clinical.perSecond).toFixed(2)}`);
console.log(`clinical_vs_small.size_ratio=${(clinical.mbPerStudy / small.mbPerStudy).toFixed(2)}`);
