// The Network panel in Chromium over the loopback bridge: the workstation opens with network.json
// enabling its listener, a dcmtk storescp (spawned here, 127.0.0.1, free port) is a configured
// node; the panel shows where we listen and that Query/Retrieve is on (findscu answered), and the
// Echo button reaches the peer.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSettings, writeSettings } from "../../electron/services/network/settings";
import { startHarness, type Harness } from "./harness";
import { freePort } from "../helpers/ports";

const HAS_DCMTK = spawnSync("storescp", ["--version"]).status === 0;
/** LIVERCAD_DOCS_SCREENSHOTS=docs writes docs/network-panel.png. */
const shots = process.env.LIVERCAD_DOCS_SCREENSHOTS;

describe.skipIf(!HAS_DCMTK)("Network panel", () => {
  let dir: string;
  let harness: Harness;
  let scp: ChildProcess;
  let ourPort: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-e2e-network-"));
    ourPort = await freePort();
    const scpPort = await freePort();
    scp = spawn("storescp", ["-aet", "STORESCP", String(scpPort)]);
    const settings = readSettings(dir);
    writeSettings(dir, {
      local: { ...settings.local, enabled: true, port: ourPort, aeTitle: "WS_E2E" },
      nodes: [
        { name: "archive", aeTitle: "STORESCP", host: "127.0.0.1", port: scpPort },
        { name: "offline", aeTitle: "GONE", host: "127.0.0.1", port: await freePort() },
      ],
    });
    harness = await startHarness(path.join(dir, "registry.sqlite"));
  });

  afterAll(async () => {
    await harness?.close();
    scp?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("shows where the workstation listens and echoes the configured nodes", async () => {
    const page = harness.page;
    await page.getByRole("button", { name: "Network" }).click();
    await page.getByTestId("listener-state").filter({ hasText: "listening" }).waitFor();
    expect(await page.getByTestId("local-aet").textContent()).toBe("WS_E2E");
    expect(await page.getByTestId("local-address").textContent()).toBe(`127.0.0.1:${ourPort}`);
    // Issue 14 §4: the app's listener is a Query/Retrieve SCP too (findscu gets a final Success).
    expect(await page.getByTestId("local-qr").textContent()).toMatch(/^on: /);
    const found = await new Promise<string>((resolve) => {
      const c = spawn("findscu", [
        "-S",
        "-v",
        "-aec",
        "WS_E2E",
        "-k",
        "QueryRetrieveLevel=STUDY",
        "-k",
        "StudyInstanceUID",
        "127.0.0.1",
        String(ourPort),
      ]);
      let out = "";
      c.stdout.on("data", (d: Buffer) => (out += d.toString()));
      c.stderr.on("data", (d: Buffer) => (out += d.toString()));
      c.on("close", () => resolve(out));
    });
    expect(found).toMatch(/Received Final Find Response \(Success\)/);
    const rows = page.getByRole("table", { name: "Remote nodes" }).locator("tbody tr");
    expect(await rows.count()).toBe(2);
    await rows.nth(0).getByRole("button", { name: "Echo" }).click();
    await page.getByLabel("Echo archive").filter({ hasText: /^OK/ }).waitFor();
    await rows.nth(1).getByRole("button", { name: "Echo" }).click();
    await page
      .getByLabel("Echo offline")
      .filter({ hasText: /failed: .*ECONNREFUSED/ })
      .waitFor();
    if (shots) await page.screenshot({ path: path.join(shots, "network-panel.png") });
  });
});
