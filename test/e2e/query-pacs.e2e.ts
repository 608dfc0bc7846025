// The Query PACS screen in Chromium over the loopback bridge: the workstation opens with its
// listener enabled and a configured node "pacs" (a minimal query/retrieve SCP on 127.0.0.1,
// fake-pacs.ts) holding one fixture study. The screen searches by patient ID, shows the study in
// its results table, retrieves it by C-MOVE with its state shown on the row, and the study is
// then imported like a received one, its worklist row marked "receiving…" until its arrival
// window closes. A second node "slowpacs" sends one instance every 300 ms: its retrieval is
// cancelled from the row (C-CANCEL) and ends "cancelled" with the counts so far, what came kept.
// LIVERCAD_DOCS_SCREENSHOTS=DIR saves DIR/query-pacs-retrieving.png and query-pacs-cancel.png.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSettings, writeSettings } from "../../electron/services/network/settings";
import type { NetworkStatusView } from "../../electron/contract/ipc";
import { dispatch } from "../../electron/services/workstation/index";
import { checkConsistency } from "../services/import/helpers";
import { uids, writeSeries } from "../services/import/fixtures";
import { startFakePacs } from "./fake-pacs";
import { startHarness, type Harness } from "./harness";
import { freePort } from "../helpers/ports";

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

const shots = process.env.LIVERCAD_DOCS_SCREENSHOTS;
const SLOW_INSTANCES = 30;

describe("Query PACS screen", () => {
  let dir: string;
  let harness: Harness;
  let pacs: Awaited<ReturnType<typeof startFakePacs>>;
  let slow: Awaited<ReturnType<typeof startFakePacs>>;
  const study = uids({ study: 41, series: 1 }).study;
  const slowStudy = uids({ study: 42, series: 1 }).study;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-e2e-qr-"));
    const input = path.join(dir, "pacs-files");
    writeSeries(input, { study: 41, series: 1, slices: 3, description: "t2 haste" });
    writeSeries(input, { study: 41, series: 2, slices: 3, description: "t1 vibe pre" });
    const ourPort = await freePort();
    pacs = await startFakePacs({
      aeTitle: "FAKEPACS",
      study: {
        studyInstanceUid: study,
        patientName: "Test^Fixture41",
        patientId: "FIX41",
        studyDate: "20260101",
        accessionNumber: "ACC41",
        description: "Liver MRI",
        files: filesUnder(input),
        series: [
          {
            seriesInstanceUid: uids({ study: 41, series: 1 }).series,
            seriesNumber: 1,
            description: "t2 haste",
            instances: 3,
          },
          {
            seriesInstanceUid: uids({ study: 41, series: 2 }).series,
            seriesNumber: 2,
            description: "t1 vibe pre",
            instances: 3,
          },
        ],
      },
      destinations: { WS_QR: { host: "127.0.0.1", port: ourPort } },
    });
    const slowFiles = writeSeries(path.join(dir, "slow-files"), {
      study: 42,
      series: 1,
      slices: SLOW_INSTANCES,
      description: "t2 haste",
    });
    slow = await startFakePacs({
      aeTitle: "SLOWPACS",
      study: {
        studyInstanceUid: slowStudy,
        patientName: "Test^Fixture42",
        patientId: "FIX42",
        studyDate: "20260102",
        accessionNumber: "ACC42",
        description: "Liver MRI, slow",
        files: slowFiles,
        series: [],
      },
      destinations: { WS_QR: { host: "127.0.0.1", port: ourPort } },
      subOperationMs: 300,
    });
    const settings = readSettings(dir);
    writeSettings(dir, {
      local: {
        ...settings.local,
        enabled: true,
        port: ourPort,
        aeTitle: "WS_QR",
        // Long enough to see the worklist row's "receiving…" before the window closes.
        quietSeconds: 8,
        autoAnalyze: false,
      },
      nodes: [
        { name: "pacs", aeTitle: "FAKEPACS", host: "127.0.0.1", port: pacs.port },
        { name: "slowpacs", aeTitle: "SLOWPACS", host: "127.0.0.1", port: slow.port },
      ],
    });
    harness = await startHarness(path.join(dir, "registry.sqlite"));
  });

  afterAll(async () => {
    await harness?.close();
    await pacs?.close();
    await slow?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("searches the node, shows the study, retrieves it with its state on the row", async () => {
    const page = harness.page;
    await page.getByRole("button", { name: "Query PACS" }).click();
    await page.getByLabel("Node").filter({ hasText: "pacs" }).waitFor();
    await page.getByLabel("Patient ID").fill("NOBODY");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No study matches.").waitFor();
    await page.getByLabel("Patient ID").fill("FIX41");
    await page.getByRole("button", { name: "Search" }).click();
    const row = page.locator(`tr[data-study="${study}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain("ACC41");
    expect(await row.textContent()).toContain("2026-01-01");
    // The study's series, by a series-level C-FIND.
    await row.getByRole("button", { name: "Series" }).click();
    const series = page.locator(`tr[data-series-of="${study}"] li .series-label`);
    await series.nth(1).waitFor();
    expect(await series.allTextContents()).toEqual([
      "#1 MR t2 haste (3 instances)",
      "#2 MR t1 vibe pre (3 instances)",
    ]);
    // Each series row can be retrieved on its own (SERIES level; checked against dcmqrscp in
    // query-retrieve.test.ts, this fake PACS moves whole studies).
    expect(
      await page
        .locator(`tr[data-series-of="${study}"]`)
        .getByRole("button", { name: "Retrieve series" })
        .count(),
    ).toBe(2);
    await row.getByRole("button", { name: "Retrieve", exact: true }).click();
    await row
      .getByTestId("retrieval-state")
      .filter({ hasText: "retrieved (6 instances)" })
      .waitFor({
        timeout: 30_000,
      });
    // Imported like a received study: its instances are in the registry, and while its arrival
    // window is open its worklist row says "receiving…"; then the window closes.
    const c = checkConsistency(path.join(dir, "registry.sqlite"));
    expect(c.instances).toBe(6);
    expect(c.series).toBe(2);
    expect(c.missingFiles).toEqual([]);
    await page.getByRole("button", { name: "Close" }).click();
    await page.locator("[data-testid=queue-all]").click();
    const worklistRow = page.locator(`[data-uid="${study}"]`);
    await worklistRow.getByTestId("receiving").waitFor({ timeout: 6_000 });
    await expect
      .poll(
        async () => {
          const s = await dispatch(harness.service.handlers, "network:status", {});
          return s.ok ? (s.value as NetworkStatusView).arrivals.map((a) => a.state) : [];
        },
        { timeout: 30_000 },
      )
      .toEqual(["settled"]);
    await worklistRow.getByTestId("receiving").waitFor({ state: "detached", timeout: 6_000 });
  });

  it("cancels a running retrieval from its row: cancelled with the counts so far, what came kept", async () => {
    const page = harness.page;
    await page.getByRole("button", { name: "Query PACS" }).click();
    await page.getByLabel("Node").selectOption("slowpacs");
    await page.getByLabel("Patient ID").fill("FIX42");
    await page.getByRole("button", { name: "Search" }).click();
    const row = page.locator(`tr[data-study="${slowStudy}"]`);
    await row.waitFor();
    await row.getByRole("button", { name: "Retrieve", exact: true }).click();
    const state = row.getByTestId("retrieval-state");
    await state.filter({ hasText: /retrieving: [2-9]\d* done/ }).waitFor({ timeout: 30_000 });
    if (shots) await page.screenshot({ path: path.join(shots, "query-pacs-retrieving.png") });
    await row.getByRole("button", { name: "Cancel" }).click();
    await state.filter({ hasText: /^cancelled \(/ }).waitFor({ timeout: 30_000 });
    const text = (await state.textContent()) ?? "";
    const m =
      /^cancelled \((\d+) done, 0 failed, (\d+) not sent; what arrived stays imported\)$/.exec(
        text,
      );
    expect(m, text).not.toBeNull();
    const done = Number(m![1]);
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done + Number(m![2])).toBe(SLOW_INSTANCES);
    // The cancel reached the peer once, by the retrieval's Message ID; it stopped sending.
    expect(slow.seen.cancels).toHaveLength(1);
    expect(slow.seen.sent).toBeLessThan(SLOW_INSTANCES);
    // Cancel is gone once it ended; Retrieve can start it again.
    expect(await row.getByRole("button", { name: "Cancel" }).count()).toBe(0);
    expect(await row.getByRole("button", { name: "Retrieve", exact: true }).isEnabled()).toBe(true);
    if (shots) await page.screenshot({ path: path.join(shots, "query-pacs-cancel.png") });
    // What arrived is imported whole: the slow study's rows match the count, files all there.
    const c = checkConsistency(path.join(dir, "registry.sqlite"));
    expect(c.instances).toBe(6 + done);
    expect(c.missingFiles).toEqual([]);
    await page.getByRole("button", { name: "Close" }).click();
  });
});
