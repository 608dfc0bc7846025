// Starts what an end-to-end test needs: the fixture registry, the workstation service behind the
// loopback bridge (serving the built renderer), and Debian's Chromium driven by playwright-core.
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startBridge, type Bridge } from "../../electron/bridge/server";
import type { Registry } from "../../electron/registry/index";
import {
  openWorkstation,
  type WorkstationService,
} from "../../electron/services/workstation/index";

export const CHROMIUM = process.env.LIVERCAD_CHROMIUM ?? "/usr/bin/chromium";
/** FIELD-NOTES: the flags Debian's chromium needs headless in a container. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
];
export const RENDERER_DIR = path.resolve("dist/renderer");
export const ACTOR = "nurse.e2e";

export interface Harness {
  registry: Registry;
  service: WorkstationService;
  bridge: Bridge;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function startHarness(
  dbFile: string,
  viewport = { width: 1600, height: 900 },
): Promise<Harness> {
  if (!fs.existsSync(path.join(RENDERER_DIR, "index.html"))) {
    throw new Error("dist/renderer is missing: run `node scripts/build.mjs` first.");
  }
  const workstation = openWorkstation({ dbFile, transport: "bridge", actor: ACTOR });
  const { registry, service } = workstation;
  service.warm();
  const bridge = await startBridge({ service, staticDir: RENDERER_DIR });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(bridge.pageUrl);
  return {
    registry,
    service,
    bridge,
    browser,
    page,
    async close() {
      await browser.close();
      await bridge.close();
      await workstation.close();
      if (errors.length > 0) throw new Error(`Page errors: ${errors.join("; ")}`);
    },
  };
}

/** Waits until all five panes have drawn a slice. */
export async function waitForPanes(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll<HTMLElement>(".pane")).filter(
        (p) => p.dataset.slice !== "",
      ).length === 5,
    null,
    { timeout: 30_000 },
  );
}
