// `npm run bench:export`: issue 15's targets on a 2-study phantom (seed 1515, preset small,
// analyzed with the shipped models; cached in the temp folder): a 400-study CSV case sheet
// (< 2 s; the two analyzed studies repeated under 400 study UIDs), a PDF case sheet per study
// (< 1 s each: five series read through the volume loader, key images, PDF) and an SR per study
// (< 50 ms each), in CPU milliseconds. Prints key=value lines and each time's ratio to its target (< 1 meets it).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SCHEMA_VERSION } from "../electron/registry";
import { openServices } from "../electron/services/compose";
import { ensureResultObject } from "../electron/services/export/result-objects";
import {
  SeriesSource,
  studiesToExport,
  type StudyExport,
} from "../electron/services/export/context";
import { keyImages, pdfBytes } from "../electron/services/export/pdf";
import { loadFive, registryStateDate, srBytes } from "../electron/services/export/service";
import { csvBytes, xlsxBytes } from "../electron/services/export/sheets";

const CLI = path.join(process.cwd(), "bin", "livercad.cjs");

function fixture(): string {
  // Keyed by schema version: opening a registry migrates it, and an older app sharing the temp
  // folder must not meet a database it refuses as newer.
  const dir = path.join(os.tmpdir(), `livercad-bench-export-1515-v${SCHEMA_VERSION}`);
  const db = path.join(dir, "data", "registry.sqlite");
  if (fs.existsSync(path.join(dir, "ready"))) return db;
  fs.rmSync(dir, { recursive: true, force: true });
  const run = (args: string[]) => execFileSync(process.execPath, [CLI, ...args], { stdio: "pipe" });
  run([
    "phantom",
    "--out",
    path.join(dir, "cohort"),
    "--studies",
    "2",
    "--seed",
    "1515",
    "--preset",
    "small",
  ]);
  run(["import", path.join(dir, "cohort"), "--db", db]);
  run(["analyze", "--db", db]);
  fs.writeFileSync(path.join(dir, "ready"), "");
  return db;
}

// CPU milliseconds (user + system) of this process, as bench:read: on a shared 2-core machine the
// wall clock measures the other jobs as much as this one.
const now = (): NodeJS.CpuUsage => process.cpuUsage();
const ms = (t0: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const services = openServices({ dbFile: fixture() });
  const reg = services.registry;
  try {
    const studies = studiesToExport(reg);
    const src = new SeriesSource(reg);

    // SR: the first study cold (its ROI series read from the store), then warm.
    let t = now();
    await srBytes(src, studies[0]!);
    const srCold = ms(t);
    const rounds = 20;
    t = now();
    for (let r = 0; r < rounds; r++) for (const s of studies) await srBytes(src, s);
    const srWarm = ms(t) / (rounds * studies.length);
    console.log(
      `sr_ms_cold=${srCold.toFixed(1)} sr_ms_warm=${srWarm.toFixed(2)} ratio_warm_to_50ms=${(srWarm / 50).toFixed(3)} ratio_cold_to_50ms=${(srCold / 50).toFixed(2)}`,
    );

    // Stored objects (issue 15 §1): the first export writes each SR into the managed store
    // (fsynced) with its row; every later one finds it (read back + sha256) instead of rebuilding.
    for (const r of reg.db
      .prepare<[], { p: string }>("SELECT store_path AS p FROM result_objects")
      .all()) {
      fs.rmSync(path.join(reg.paths.store, ...r.p.split("/")), { force: true });
    }
    reg.db.prepare("DELETE FROM result_objects").run();
    t = now();
    for (const s of studies) await ensureResultObject(reg, src, s, "sr");
    const storeFirst = ms(t) / studies.length;
    t = now();
    for (let r = 0; r < rounds; r++) {
      for (const s of studies) await ensureResultObject(reg, src, s, "sr");
    }
    const foundAgain = ms(t) / (rounds * studies.length);
    console.log(
      `sr_store_first_ms=${storeFirst.toFixed(2)} sr_found_again_ms=${foundAgain.toFixed(2)} ratio_found_to_50ms=${(foundAgain / 50).toFixed(3)}`,
    );

    // PDF: each study from a fresh source (series read again), key images, one PDF.
    const pdfTimes: number[] = [];
    for (const s of studies) {
      const fresh = new SeriesSource(reg);
      t = now();
      const sheet = { study: s, images: keyImages(s, await loadFive(fresh, s)) };
      await pdfBytes([sheet], registryStateDate([s]));
      pdfTimes.push(ms(t));
    }
    const pdfMax = Math.max(...pdfTimes);
    console.log(
      `pdf_ms_per_study=${pdfTimes.map((x) => x.toFixed(0)).join(",")} ratio_to_1000ms=${(pdfMax / 1000).toFixed(3)}`,
    );

    // CSV / XLSX of 400 studies (largest ROI sizes from the series headers, cached per series).
    const many: StudyExport[] = Array.from({ length: 400 }, (_, i) => {
      const s = studies[i % studies.length]!;
      return {
        ...s,
        result: { ...s.result, studyInstanceUid: `${s.result.studyInstanceUid}.${i}` },
      };
    });
    t = now();
    const extras = many.map((s) => ({ largestRoiMm: src.largestRoiMm(s) }));
    const csv = csvBytes(many, extras);
    const csvMs = ms(t);
    console.log(
      `csv_400_ms=${csvMs.toFixed(1)} bytes=${csv.length} ratio_to_2000ms=${(csvMs / 2000).toFixed(4)}`,
    );
    t = now();
    const xlsx = await xlsxBytes(many, extras, registryStateDate(many));
    console.log(`xlsx_400_ms=${ms(t).toFixed(1)} bytes=${xlsx.length}`);
    console.log(`peak_rss_mb=${(process.memoryUsage().rss / 2 ** 20).toFixed(0)}`);
  } finally {
    await services.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
