// A DICOMweb node in the app (issue 14 §2, round 8), in Chromium over the loopback bridge: the
// workstation opens with its DICOM listener off (WADO-RS needs no listening port: the retrieval
// is filed through a node that listens nowhere) and network.json naming one DICOMweb service
// ("pacsweb", a small QIDO-RS / WADO-RS server in this process on 127.0.0.1 holding one fixture
// study). The Network panel lists it with an Echo button; the Query PACS screen searches it,
// lists the study's series, retrieves the study by WADO-RS with its state on the row, and the
// instances are filed in the registry as a C-GET's are.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSettings, writeSettings } from "../../electron/services/network/settings";
import { checkConsistency } from "../services/import/helpers";
import { uids, writeSeries } from "../services/import/fixtures";
import { startHarness, type Harness } from "./harness";
import { freePort } from "../helpers/ports";

const B = "e2e-boundary";
const v = (vr: string, value?: unknown) => (value === undefined ? { vr } : { vr, Value: [value] });

describe("A DICOMweb node in the Network panel and the Query PACS screen", () => {
  let dir: string;
  let harness: Harness;
  let server: http.Server;
  const study = uids({ study: 51, series: 1 }).study;
  const series = [1, 2].map((k) => uids({ study: 51, series: k }).series);
  const seen: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-e2e-dicomweb-"));
    const files = [
      ...writeSeries(path.join(dir, "pacs"), {
        study: 51,
        series: 1,
        slices: 3,
        description: "t2 haste",
      }),
      ...writeSeries(path.join(dir, "pacs"), {
        study: 51,
        series: 2,
        slices: 3,
        description: "t1 vibe pre",
      }),
    ];
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push(`${req.method} ${url.pathname}${url.search}`);
      const json = (body: unknown) =>
        res.writeHead(200, { "Content-Type": "application/dicom+json" }).end(JSON.stringify(body));
      if (url.pathname === "/dw/studies" && url.searchParams.get("limit") === "1") {
        json([]);
      } else if (url.pathname === "/dw/studies") {
        if (url.searchParams.get("PatientID") !== "FIX51") {
          res.writeHead(204).end();
          return;
        }
        json([
          {
            "00080020": v("DA", "20260105"),
            "00080050": v("SH", "ACC51"),
            "00080061": v("CS", "MR"),
            "00081030": v("LO", "Liver MRI (web)"),
            "00100010": v("PN", { Alphabetic: "Test^Fixture51" }),
            "00100020": v("LO", "FIX51"),
            "0020000D": v("UI", study),
            "00201208": v("IS", 6),
          },
        ]);
      } else if (url.pathname === `/dw/studies/${study}/series`) {
        json(
          [0, 1].map((k) => ({
            "00080060": v("CS", "MR"),
            "0008103E": v("LO", k === 0 ? "t2 haste" : "t1 vibe pre"),
            "0020000E": v("UI", series[k]),
            "00200011": v("IS", k + 1),
            "00201209": v("IS", 3),
          })),
        );
      } else if (url.pathname === `/dw/studies/${study}`) {
        res.writeHead(200, {
          "Content-Type": `multipart/related; type="application/dicom"; boundary=${B}`,
        });
        for (const f of files) {
          res.write(`--${B}\r\nContent-Type: application/dicom\r\n\r\n`);
          res.write(fs.readFileSync(f));
          res.write("\r\n");
        }
        res.end(`--${B}--\r\n`);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dw`;
    const settings = readSettings(dir);
    writeSettings(dir, {
      local: { ...settings.local, enabled: false, port: await freePort(), aeTitle: "WS_WEB" },
      // A C-MOVE node beside it: with the listener off it can be searched, not retrieved.
      nodes: [{ name: "movepacs", aeTitle: "MOVEPACS", host: "127.0.0.1", port: await freePort() }],
      webNodes: [{ name: "pacsweb", url: base }],
    });
    harness = await startHarness(path.join(dir, "registry.sqlite"));
  });

  afterAll(async () => {
    await harness?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("lists the service on the Network panel and echoes it", async () => {
    const page = harness.page;
    await page.getByRole("button", { name: "Network" }).click();
    const table = page.getByRole("table", { name: "DICOMweb services" });
    await table.waitFor();
    expect(await table.textContent()).toContain("pacsweb");
    await page
      .getByTestId("listener-state")
      .filter({ hasText: "off (C-GET and WADO-RS retrievals still work" })
      .waitFor();
    await table.getByRole("button", { name: "Echo" }).click();
    await page.getByRole("status", { name: "Echo pacsweb" }).filter({ hasText: /OK/ }).waitFor();
    expect(seen).toContain("GET /dw/studies?limit=1");
    await page.getByRole("button", { name: "Close" }).click();
  });

  it("searches by QIDO-RS and retrieves the study by WADO-RS into the registry", async () => {
    const page = harness.page;
    await page.getByRole("button", { name: "Query PACS" }).click();
    await page.getByLabel("Node").selectOption("movepacs");
    await page.getByTestId("retrieve-unavailable").waitFor();
    await page.getByLabel("Node").selectOption("pacsweb");
    expect(await page.getByTestId("retrieve-unavailable").count()).toBe(0);
    await page.getByTestId("retrieve-method").filter({ hasText: "WADO-RS" }).waitFor();
    await page.getByLabel("Patient ID").fill("NOBODY");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No study matches.").waitFor();
    await page.getByLabel("Patient ID").fill("FIX51");
    await page.getByRole("button", { name: "Search" }).click();
    const row = page.locator(`tr[data-study="${study}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain("ACC51");
    await row.getByRole("button", { name: "Series" }).click();
    const labels = page.locator(`tr[data-series-of="${study}"] li .series-label`);
    await labels.nth(1).waitFor();
    expect(await labels.allTextContents()).toEqual([
      "#1 MR t2 haste (3 instances)",
      "#2 MR t1 vibe pre (3 instances)",
    ]);
    await row.getByRole("button", { name: "Retrieve", exact: true }).click();
    await row
      .getByTestId("retrieval-state")
      .filter({ hasText: "retrieved (6 instances)" })
      .waitFor({ timeout: 30_000 });
    const c = checkConsistency(path.join(dir, "registry.sqlite"));
    expect(c.instances).toBe(6);
    expect(c.series).toBe(2);
    expect(c.missingFiles).toEqual([]);
    expect(seen).toContain(`GET /dw/studies/${study}`);
    await page.getByRole("button", { name: "Close" }).click();
    // The Network panel lists what came in although the listener is off.
    await page.getByRole("button", { name: "Network" }).click();
    await page
      .getByRole("table", { name: "Received studies" })
      .filter({ hasText: `…${study.slice(-12)}` })
      .waitFor();
    await page.getByRole("button", { name: "Close" }).click();
  });
});
