// The Analytics screen end to end in Debian's Chromium (issue 16 §5): a rejected truth file lists
// its bad rows and stores nothing; a good one and a reader file import; Table 3 has the CAD and
// each reader; the plots draw the number of points the analytics computed; hovering a point shows
// its threshold and counts; a figure and the report export to files.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFixture, type Fixture } from "./fixture";
import { startHarness, type Harness } from "./harness";

let fx: Fixture;
let h: Harness;

interface TruthJson {
  studies: { studyInstanceUid: string; label: string; lesions: { diameter_mm: number }[] }[];
}

beforeAll(async () => {
  // The screen is under test here, not the models: the fixture's labelled analysis rows (no
  // inference run, fixture.ts) keep the set-up within minutes on a loaded 2-core machine.
  process.env.LIVERCAD_E2E_FIXTURE_ANALYSES = "1";
  fx = await buildFixture();
  h = await startHarness(fx.dbFile);
}, 400_000);

afterAll(async () => {
  await h?.close();
  if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
});

const count = (table: string): number =>
  (h.registry.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

async function importFile(kind: "truth" | "readers", file: string): Promise<void> {
  await h.page.getByLabel("File kind").selectOption(kind);
  await h.page.getByLabel("File path").fill(file);
  await h.page.getByRole("button", { name: "Import file" }).click();
}

describe("Analytics screen", () => {
  it("imports truth and readers, draws every point, hovers, exports", async () => {
    const truth = JSON.parse(
      fs.readFileSync(path.join(fx.dir, "cohort", "truth.json"), "utf8"),
    ) as TruthJson;
    const { page } = h;
    await page.getByRole("button", { name: "Analytics" }).click();
    await page.getByTestId("an-empty").waitFor();

    // A rejected file: one message per bad row, nothing stored.
    const bad = path.join(fx.dir, "bad-truth.csv");
    fs.writeFileSync(
      bad,
      `study_uid,label\n${truth.studies[0]!.studyInstanceUid},HCC\n9.9.9,HCC\n${truth.studies[1]!.studyInstanceUid},cyst\n`,
    );
    await importFile("truth", bad);
    const errors = page.getByTestId("import-errors");
    await errors.waitFor();
    expect(await errors.locator("li").allTextContents()).toEqual([
      'line 3: unknown study: no study with study_uid "9.9.9"',
      'line 4: unknown label "cyst" (expected HCC / ICC / metastasis)',
    ]);
    expect(count("ground_truth")).toBe(0);
    expect(count("evaluation_imports")).toBe(0);

    // The real files: semicolons and a BOM, as a European spreadsheet saves them.
    const good = path.join(fx.dir, "truth.csv");
    fs.writeFileSync(
      good,
      "\uFEFFstudy_uid;label;largest_lesion_mm\n" +
        truth.studies
          .map(
            (s) =>
              `${s.studyInstanceUid};${s.label};${Math.max(...s.lesions.map((l) => l.diameter_mm)).toFixed(1)}`,
          )
          .join("\n"),
    );
    await importFile("truth", good);
    await page
      .getByTestId("import-result")
      .filter({ hasText: "truth.csv: 4 rows stored" })
      .waitFor();
    const readers = path.join(fx.dir, "readers.csv");
    fs.writeFileSync(
      readers,
      "reader,study_uid,diagnosis,confidence\n" +
        truth.studies
          .flatMap((s, i) => [
            `R1,${s.studyInstanceUid},${s.label},${5 - i}`,
            `R2,${s.studyInstanceUid},${i === 0 ? "ICC" : s.label},${1 + i}`,
          ])
          .join("\n"),
    );
    await importFile("readers", readers);
    await page
      .getByTestId("import-result")
      .filter({ hasText: "readers.csv: 8 rows stored" })
      .waitFor();
    expect(count("ground_truth")).toBe(4);
    expect(count("reader_reads")).toBe(8);

    // Table 3: CAD and both readers.
    const heads = page.getByTestId("table3").locator("thead th");
    await page.getByTestId("table3").waitFor();
    await page.waitForFunction(
      () => document.querySelectorAll("[data-testid=table3] thead th").length === 4,
    );
    expect((await heads.allTextContents()).slice(1)).toEqual(["CAD n=4", "R1 n=4", "R2 n=4"]);

    // Every figure draws the points the analytics computed.
    const a = await h.service.handlers["evaluation:analytics"]({
      importId: null,
      search: "",
      topPercent: 70,
    });
    const lroc = page.locator('[data-figure="fig3-lroc"]');
    await lroc.locator("svg").waitFor();
    const dots = await lroc.locator('svg g[aria-label="dot"] > *').count();
    expect(dots).toBe(a.lroc.points.length + a.lroc.readers.length);
    expect(await lroc.getAttribute("data-points")).toBe(String(dots));
    const cad5 = page.locator('[data-figure="fig5-cad-cutoff"] svg g[aria-label="dot"] > *');
    expect(await cad5.count()).toBe(3 * a.cutoff[0]!.points.length);
    const top = page.locator('[data-figure="fig6-lroc-top"] svg g[aria-label="dot"] > *');
    expect(await top.count()).toBe(a.topLroc.points.length + a.topLroc.readers.length);
    expect(await page.locator(".an-figure").count()).toBe(9);

    // Hover: threshold and counts (dispatched: a reader diamond may lie over the curve point).
    await lroc
      .locator('svg g[aria-label="dot"]')
      .first()
      .locator("> *")
      .nth(1)
      .dispatchEvent("mouseover");
    await expect
      .poll(() => lroc.getByTestId("hover").textContent())
      .toMatch(
        /P\(HCC\) >= 0\.\d{3}\s+sensitivity \d+\.\d% \(TP \d+\), 1 - specificity \d+\.\d% \(FP \d+\)/,
      );

    // Exports: one figure, then the whole report.
    const out = path.join(fx.dir, "exports");
    await page.getByLabel("Export folder").fill(out);
    await lroc.getByRole("button", { name: "Export SVG/PNG" }).click();
    await page.getByTestId("export-status").filter({ hasText: "fig3-lroc.png" }).waitFor();
    expect(fs.readFileSync(path.join(out, "fig3-lroc.svg"), "utf8")).toMatch(/^<svg /);
    expect(fs.readFileSync(path.join(out, "fig3-lroc.png")).subarray(1, 4).toString()).toBe("PNG");
    await page.getByRole("button", { name: "Export report" }).click();
    await page
      .getByTestId("export-status")
      .filter({ hasText: "Report:" })
      .waitFor({ timeout: 30_000 });
    expect(fs.readFileSync(path.join(out, "report.html"), "utf8")).toContain("Table 3");
    expect(
      fs.readdirSync(path.join(out, "figures")).filter((f) => f.endsWith(".png")),
    ).toHaveLength(9);

    // LIVERCAD_SCREENSHOTS=docs: the README's pictures of the screen and of one report page.
    const shots = process.env.LIVERCAD_SCREENSHOTS;
    if (shots) {
      await page.getByTestId("table3").scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots, "analytics-screen.png") });
      const report = await h.browser.newPage({ viewport: { width: 1100, height: 1500 } });
      await report.goto(`file://${path.join(out, "report.html")}`);
      await report.screenshot({ path: path.join(shots, "evaluation-report.png") });
      await report.close();
    }
  });
});
