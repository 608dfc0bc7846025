// The real Electron app, driven by Playwright's _electron, where an Electron binary is installed.
// Installs made with ELECTRON_SKIP_BINARY_DOWNLOAD (this project's CI) have none: the test then
// reports plainly that it was skipped instead of passing silently.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { _electron as electron } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Api } from "../../electron/contract/ipc";

type AppWindow = Window & { api?: Api; require?: unknown; process?: unknown };

function electronBinary(): string | null {
  try {
    const bin = createRequire(import.meta.url)("electron") as unknown;
    return typeof bin === "string" && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (binary === null) {
  console.warn(
    "SKIPPED: the Electron _electron test: no Electron binary is installed " +
      "(ELECTRON_SKIP_BINARY_DOWNLOAD). The same UI and services are tested in Chromium.",
  );
}

describe("Electron app", () => {
  it.skipIf(binary === null)(
    "opens one hardened window whose page reaches the services through the preload only",
    async () => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-electron-"));
      const app = await electron.launch({
        executablePath: binary!,
        args: [path.resolve("dist/electron/main.js"), "--no-sandbox"],
        env: { ...process.env, LIVERCAD_HOME: home },
      });
      try {
        const page = await app.firstWindow();
        await page.waitForSelector("[data-testid=queue-confident]");
        expect(await page.title()).toBe("LiverCAD Workstation");
        const exposed = await page.evaluate(() => {
          const w = window as AppWindow;
          return {
            api: typeof w.api?.["app:info"],
            require: typeof w.require,
            process: typeof w.process,
          };
        });
        expect(exposed).toEqual({ api: "function", require: "undefined", process: "undefined" });
        const info = await page.evaluate(() => (window as AppWindow).api!["app:info"]({}));
        expect(info.ok && info.value.transport).toBe("ipc");
        expect(app.windows()).toHaveLength(1);
      } finally {
        await app.close();
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
