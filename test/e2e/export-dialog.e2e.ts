// Issue 15 §4 end to end, in Debian's Chromium over the loopback bridge, on the export tests'
// fixture (2 phantom studies analyzed by the shipped models): the Export dialog from the worklist
// refuses a relative folder, exports the listed studies' CSV case sheet into a temp folder and
// shows the done summary; from the study view it exports that study's SR; the study view's
// Results in DICOM lists the stored SR / GSPS and exports them; Stop export cancels a running
// de-identified export and removes its files.
// LIVERCAD_DOCS_SCREENSHOTS=DIR saves the dialog as DIR/export-dialog.png and the results panel
// as DIR/results-in-dicom.png.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFixture, exportFixture, tempOut } from "../export/fixture";
import { startHarness, type Harness } from "./harness";

let h: Harness;
let dataDir: string;
const shots = process.env.LIVERCAD_DOCS_SCREENSHOTS;

beforeAll(async () => {
  const dbFile = copyFixture(exportFixture());
  dataDir = path.dirname(path.dirname(dbFile));
  h = await startHarness(dbFile);
});

afterAll(async () => {
  await h?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("Export dialog", () => {
  it("exports the worklist's studies as a CSV case sheet, with progress and a summary", async () => {
    const page = h.page;
    await page.locator("[data-testid=queue-all]").click();
    await page.locator(".vrow[data-uid]").first().waitFor();
    await page.getByTestId("worklist-export").click();
    const dialog = page.getByRole("dialog", { name: "Export results" });
    await dialog.waitFor();

    await dialog.getByLabel("Output folder").fill("relative/folder");
    await dialog.getByRole("button", { name: "Start export" }).click();
    await dialog.getByTestId("export-message").filter({ hasText: "absolute path" }).waitFor();

    const out = tempOut();
    await dialog.getByLabel("Export format").selectOption("csv");
    await dialog.getByLabel("Output folder").fill(out);
    await dialog.getByRole("button", { name: "Start export" }).click();
    const summary = dialog.getByTestId("export-summary");
    await summary.waitFor({ timeout: 30_000 });
    expect(await summary.textContent()).toMatch(/Done: 1 file written for 2 studies into/);
    expect(await dialog.getByTestId("export-count").textContent()).toBe("1 / 1 files");
    expect(fs.existsSync(path.join(out, "case-sheet.csv"))).toBe(true);
    if (shots) await page.screenshot({ path: path.join(shots, "export-dialog.png") });
    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "detached" });
  });

  it("lists the files that could not be written", async () => {
    const page = h.page;
    await page.getByTestId("worklist-export").click();
    const dialog = page.getByRole("dialog", { name: "Export results" });
    const out = tempOut();
    fs.mkdirSync(path.join(out, "case-sheet.csv"));
    await dialog.getByLabel("Output folder").fill(out);
    await dialog.getByRole("button", { name: "Start export" }).click();
    await dialog.getByTestId("export-summary").waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId("export-summary").textContent()).toMatch(
      /Done: 0 files written, 1 failed/,
    );
    const errors = dialog.getByRole("list", { name: "Export file errors" }).locator("li");
    expect(await errors.count()).toBe(1);
    expect(await errors.first().textContent()).toMatch(/^case-sheet\.csv: .*(EISDIR|directory)/i);
    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "detached" });
  });

  it("exports the open study's DICOM SR from the study view", async () => {
    const page = h.page;
    const row = page.locator(".vrow[data-uid]").first();
    const uid = (await row.getAttribute("data-uid"))!;
    await row.dblclick();
    await page.getByTestId("study-export").click();
    const dialog = page.getByRole("dialog", { name: "Export results" });
    await dialog.getByLabel("Export format").selectOption("sr");
    const out = tempOut();
    await dialog.getByLabel("Output folder").fill(out);
    await dialog.getByRole("button", { name: "Start export" }).click();
    const summary = dialog.getByTestId("export-summary");
    await summary.waitFor({ timeout: 30_000 });
    expect(await summary.textContent()).toMatch(/Done: 1 file written for 1 study into/);
    expect(fs.existsSync(path.join(out, `${uid}.sr.dcm`))).toBe(true);
  });

  it("the study view's Results in DICOM lists the stored SR and exports the current objects", async () => {
    const page = h.page;
    // Still in the study view of the SR export above (the dialog is closed first).
    await page.getByRole("button", { name: "Close" }).click();
    const panel = page.getByRole("region", { name: "Results in DICOM" });
    await panel.getByTestId("results-list").locator("li").first().waitFor();
    const out = tempOut();
    await panel.getByLabel("Results output folder").fill(out);
    await panel.getByTestId("results-export").click();
    const msg = panel.getByTestId("results-message");
    await msg.waitFor({ timeout: 30_000 });
    expect(await msg.textContent()).toMatch(/^Exported [12] objects?\.$/);
    const files = fs.readdirSync(out);
    expect(files.some((f) => f.endsWith(".sr.dcm"))).toBe(true);
    // The list reloads after the export: every object now stored (with its date).
    await panel
      .getByTestId("results-list")
      .locator("li", { hasText: /stored \d{4}-/ })
      .first()
      .waitFor();
    const items = await panel.getByTestId("results-list").locator("li").allTextContents();
    expect(items.some((t) => /SR \(TID 1500\).*stored/.test(t))).toBe(true);
    expect(items.some((t) => /not stored yet/.test(t))).toBe(false);
    if (shots) await panel.screenshot({ path: path.join(shots, "results-in-dicom.png") });
  });
});

describe("Stop export", () => {
  it("stops a running de-identified export: state cancelled, no file left", async () => {
    const page = h.page;
    await page.getByRole("button", { name: /Back to worklist/ }).click();
    await page.locator("[data-testid=queue-all]").click();
    await page.locator(".vrow[data-uid]").first().waitFor();
    await page.getByTestId("worklist-export").click();
    const dialog = page.getByRole("dialog", { name: "Export results" });
    await dialog.getByLabel("Export format").selectOption("deid");
    const out = path.join(tempOut(), "deid");
    await dialog.getByLabel("Output folder").fill(out);
    await dialog.getByRole("button", { name: "Start export" }).click();
    await dialog.getByTestId("export-stop").click();
    const summary = dialog.getByTestId("export-summary");
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.textContent()).toMatch(/^Export cancelled: \d+ partial files? removed/);
    const left = fs.existsSync(out)
      ? fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      : [];
    expect(left).toEqual([]);
  });
});
