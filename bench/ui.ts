/// <reference lib="dom" />
// `npm run bench:ui` (issue 6 §4): the workstation in Debian's Chromium with 100,000 studies in
// the registry. Measures, in the browser itself (renderer/perf.ts: input -> the frame showing the
// result): confidence slider change -> rows drawn (target < 50 ms), study open -> all five panes
// drawn (target < 500 ms), and the scroll rate with five panes redrawn per step.
//
// The registry holds the e2e phantom cohort (real images, fixture analyses: test/e2e/fixture.ts)
// plus synthetic worklist rows (patients "BENCH^nnnnnn", no images) up to 100,000 studies; the
// study opened is a phantom study, so its five panes decode real DICOM.
import fs from "node:fs";
import type { Page } from "playwright-core";
import { LESION_CLASSES } from "../electron/contract/domain";
import { openServices } from "../electron/services/compose";
import { buildFixture } from "../test/e2e/fixture";
import { startHarness, waitForPanes } from "../test/e2e/harness";
import type { PerfLog } from "../renderer/perf";

/** The page's window with the measurements renderer/perf.ts keeps (used inside page functions). */
type PerfWindow = Window & { __livercadPerf: PerfLog };

const TOTAL = Number(process.env.BENCH_UI_STUDIES ?? 100_000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}
function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] ?? NaN;
}

/** Synthetic studies with an analysis each, in one transaction (~1 s for 100k). */
async function addSyntheticStudies(dbFile: string, count: number): Promise<void> {
  const services = openServices({ dbFile });
  const db = services.registry.db;
  const now = new Date().toISOString();
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  db.transaction(() => {
    const patient = db.prepare(
      "INSERT INTO patients (patient_id, patient_name, birth_date, sex, created_at) VALUES (?, ?, '19600101', 'O', ?)",
    );
    const study = db.prepare(
      `INSERT INTO studies (patient_ref, study_instance_uid, study_date, study_time, description,
         accession_number, created_at, updated_at, assigned_at)
       VALUES (?, ?, ?, '120000', 'BENCH synthetic row', '', ?, ?, ?)`,
    );
    const analysis = db.prepare(
      `INSERT INTO analyses (study_ref, status, prediction, probabilities_json, confidence,
         uncertainty, sequences_json, models_json, provider, parameters_json, timings_json,
         app_version, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, '{}', '[]', 'bench (synthetic)', '{}', '{}', 'bench', ?, ?)`,
    );
    for (let i = 0; i < count; i++) {
      const id = String(i).padStart(6, "0");
      const p = patient.run(`BENCH${id}`, `BENCH^${id}`, now).lastInsertRowid;
      const day = String(1 + (i % 28)).padStart(2, "0");
      const s = study.run(
        p,
        `2.25.999${i}`,
        `2024${String(1 + (i % 12)).padStart(2, "0")}${day}`,
        now,
        now,
        now,
      ).lastInsertRowid;
      if (i % 20 === 0) {
        analysis.run(s, "no-roi", null, null, null, null, now, now);
        continue;
      }
      const raw = LESION_CLASSES.map(() => rand());
      const sum = raw.reduce((a, b) => a + b, 0);
      const probs = Object.fromEntries(LESION_CLASSES.map((c, k) => [c, raw[k]! / sum]));
      const best = LESION_CLASSES[raw.indexOf(Math.max(...raw))]!;
      const u = rand() * 0.05;
      analysis.run(s, "analyzed", best, JSON.stringify(probs), 1 - u, u, now, now);
    }
  })();
  await services.close();
}

/** docs/screenshot-*.png for the README: the worklist at 100k studies and a phantom study. */
async function screenshots(page: Page, uid: string): Promise<void> {
  await page.getByRole("button", { name: /Back to worklist/ }).click();
  await page.locator(".search").fill("");
  await page.locator("[data-testid=queue-confident]").click();
  await page.locator("#confidence-slider").fill("70");
  await page.locator(".vrow[data-uid]").nth(2).click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: "docs/screenshot-worklist.png" });
  await page.locator(".search").fill(uid);
  await page.locator(`.vrow[data-uid="${uid}"]`).dblclick();
  await waitForPanes(page);
  await page.waitForTimeout(500);
  await page.screenshot({ path: "docs/screenshot-study.png" });
  console.log("wrote docs/screenshot-worklist.png, docs/screenshot-study.png");
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const fx = await buildFixture();
  await addSyntheticStudies(fx.dbFile, TOTAL - fx.studies.length);
  const setupS = (performance.now() - t0) / 1000;
  const h = await startHarness(fx.dbFile);
  const { page } = h;
  try {
    const firstRows = performance.now();
    await page.waitForSelector(".vrow[data-uid]", { timeout: 60_000 });
    const firstListMs = performance.now() - firstRows;

    // Slider: 30 changes, each waiting for its measurement (input -> rows painted).
    const values = Array.from({ length: 30 }, (_, i) => 10 + ((i * 37) % 90));
    for (const [i, v] of values.entries()) {
      await page.locator("#confidence-slider").fill(String(v));
      await page.waitForFunction(
        (n) => (window as PerfWindow).__livercadPerf.sliderToRows.length > n,
        i,
      );
    }
    const slider = await page.evaluate(() => (window as PerfWindow).__livercadPerf.sliderToRows);

    // Study open: cold (volumes decoded from DICOM on first use) then warm, on phantom studies.
    const open: number[] = [];
    for (const s of [...fx.studies, ...fx.studies]) {
      await page.locator("[data-testid=queue-all]").click();
      await page.locator(".search").fill(s.studyInstanceUid);
      await page.locator(`.vrow[data-uid="${s.studyInstanceUid}"]`).dblclick();
      await waitForPanes(page);
      await page.waitForFunction(
        (n) => (window as PerfWindow).__livercadPerf.studyOpenToPanes.length > n,
        open.length,
      );
      open.push(
        (await page.evaluate(() => (window as PerfWindow).__livercadPerf.studyOpenToPanes.at(-1)))!,
      );
      await page.getByRole("button", { name: /Back to worklist/ }).click();
    }
    const cold = open.slice(0, fx.studies.length);
    const warm = open.slice(fx.studies.length);

    // Scroll: 24 steps down then up on the active pane; each step ends when the pane shows the
    // new slice and a frame has been produced with all five panes redrawn.
    await page.locator(".search").fill(fx.studies[0]!.studyInstanceUid);
    await page.locator(`.vrow[data-uid="${fx.studies[0]!.studyInstanceUid}"]`).dblclick();
    await waitForPanes(page);
    const scroll = await page.evaluate(async () => {
      const pane = document.querySelector<HTMLElement>('.pane[data-sequence="T1_venous"]')!;
      pane.focus();
      const steps: [string, number][] = [];
      for (let i = 0; i < 12; i++) steps.push(["ArrowDown", 1]);
      for (let i = 0; i < 24; i++) steps.push(["ArrowUp", -1]);
      const start = performance.now();
      let done = 0;
      for (const [key, d] of steps) {
        const before = Number(pane.dataset.slice);
        window.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
        const want = before + d;
        await new Promise<void>((resolve) => {
          const check = () => {
            if (Number(pane.dataset.slice) === want || Date.now() - start > 20_000) resolve();
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        });
        done++;
      }
      return { steps: done, ms: performance.now() - start };
    });
    const fps = (scroll.steps / scroll.ms) * 1000;
    if (process.env.BENCH_UI_SCREENSHOTS) await screenshots(page, fx.studies[0]!.studyInstanceUid);

    console.log(`studies in registry: ${TOTAL} (setup ${setupS.toFixed(1)} s)`);
    console.log(
      `first worklist page drawn: ${firstListMs.toFixed(0)} ms (index built at start-up)`,
    );
    console.log(
      `slider -> rows drawn: median ${median(slider).toFixed(1)} ms, p95 ${p95(slider).toFixed(1)} ms (n=${slider.length}, target < 50)`,
    );
    console.log(
      `study open -> five panes: cold median ${median(cold).toFixed(0)} ms, warm median ${median(warm).toFixed(0)} ms (target < 500)`,
    );
    console.log(
      `scroll: ${fps.toFixed(1)} steps/s with five panes redrawn (${scroll.steps} steps)`,
    );
    console.log(
      `slider_ms_median=${median(slider).toFixed(1)} slider_ms_p95=${p95(slider).toFixed(1)} open_cold_ms=${median(cold).toFixed(0)} open_warm_ms=${median(warm).toFixed(0)} scroll_steps_per_s=${fps.toFixed(1)} first_page_ms=${firstListMs.toFixed(0)} studies=${TOTAL}`,
    );
  } finally {
    await h.close();
    if (process.env.BENCH_UI_KEEP) console.log(`kept: ${fx.dbFile}`);
    else fs.rmSync(fx.dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
