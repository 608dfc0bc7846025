// The Network settings editor in Chromium over the loopback bridge (issue 14 round 6): the
// workstation opens listening on one port with one node (a dcmtk storescp spawned here on
// 127.0.0.1); the editor flags a too-long AE title and a bad host as they are typed, then saves a
// new AE title, port, quiet period, a second node retrieved by C-GET and two DICOMweb services
// (one logging in by an Authorization variable, one by OAuth client credentials; both ways on one
// service are refused). The listener answers on the new port only, network.json holds what
// `livercad nodes` would list, the change is audited, and the new node echoes.
// LIVERCAD_DOCS_SCREENSHOTS=docs writes docs/network-settings.png.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echo } from "../../electron/services/network/scu";
import { readSettings, writeSettings } from "../../electron/services/network/settings";
import { ACTOR, startHarness, type Harness } from "./harness";
import { freePort } from "../helpers/ports";

const HAS_DCMTK = spawnSync("storescp", ["--version"]).status === 0;
const shots = process.env.LIVERCAD_DOCS_SCREENSHOTS;
const IDP_URL = "https://idp.hospital.local/realms/site/protocol/openid-connect/token";

describe.skipIf(!HAS_DCMTK)("Network settings editor", () => {
  let dir: string;
  let harness: Harness;
  let scp: ChildProcess;
  let oldPort: number;
  let newPort: number;
  let scpPort: number;
  let webUrl: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-e2e-netsettings-"));
    oldPort = await freePort();
    newPort = await freePort();
    scpPort = await freePort();
    webUrl = `http://127.0.0.1:${await freePort()}/dicom-web`;
    scp = spawn("storescp", ["-aet", "STORESCP", String(scpPort)]);
    const settings = readSettings(dir);
    writeSettings(dir, {
      local: { ...settings.local, enabled: true, port: oldPort, aeTitle: "WS_E2E" },
      nodes: [{ name: "archive", aeTitle: "STORESCP", host: "127.0.0.1", port: scpPort }],
    });
    harness = await startHarness(path.join(dir, "registry.sqlite"));
  });

  afterAll(async () => {
    await harness?.close();
    scp?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("edits the listener and the nodes, restarts the listener and audits the change", async () => {
    const page = harness.page;
    await page.getByRole("button", { name: "Network" }).click();
    await page.getByTestId("listener-state").filter({ hasText: "listening" }).waitFor();
    await page.getByRole("button", { name: "Edit settings" }).click();
    const form = page.getByRole("form", { name: "Edit network settings" });
    const save = form.getByRole("button", { name: "Save" });

    // Checked as typed: PS3.5 allows 16 characters in an AE title.
    await form.getByLabel("Local AE title", { exact: true }).fill("WORKSTATION_EDITED");
    await form.getByLabel("Local AE title problem").filter({ hasText: "18 characters" }).waitFor();
    expect(await save.isDisabled()).toBe(true);
    await form.getByLabel("Local AE title", { exact: true }).fill("WS_EDITED");
    await form.getByLabel("Local port", { exact: true }).fill(String(newPort));
    await form.getByLabel("Quiet period", { exact: true }).fill("5");
    await form.getByLabel("Allowed calling AEs").fill("STORESCP\nMR1@127.0.0.1");

    await form.getByRole("button", { name: "Add node" }).click();
    const row = form.locator("[data-node-row='1']");
    await row.getByLabel("Node name", { exact: true }).fill("pacs2");
    await row.getByLabel("Node AE title", { exact: true }).fill("STORESCP");
    await row.getByLabel("Node host", { exact: true }).fill("bad host!");
    await row.getByLabel("Node host problem").waitFor();
    expect(await save.isDisabled()).toBe(true);
    await row.getByLabel("Node host", { exact: true }).fill("127.0.0.1");
    await row.getByLabel("Node port", { exact: true }).fill(String(scpPort));
    await row.getByLabel("Retrieve by").selectOption("get");
    expect(await save.isDisabled()).toBe(false);

    // A DICOMweb service: one name space with the DIMSE nodes, an http(s) base URL.
    await form.getByRole("button", { name: "Add DICOMweb service" }).click();
    const web = form.locator("[data-web-row='0']");
    await web.getByLabel("Service name", { exact: true }).fill("archive");
    await web.getByLabel("Service name problem").filter({ hasText: "listed twice" }).waitFor();
    await web.getByLabel("Service name", { exact: true }).fill("web1");
    await web.getByLabel("Service URL", { exact: true }).fill("pacs:8042");
    await web.getByLabel("Service URL problem").waitFor();
    expect(await save.isDisabled()).toBe(true);
    await web.getByLabel("Service URL", { exact: true }).fill(webUrl);
    await web.getByLabel("Authorization variable", { exact: true }).fill("PACS-AUTH");
    await web.getByLabel("Authorization variable problem").waitFor();
    expect(await save.isDisabled()).toBe(true);
    await web.getByLabel("Authorization variable", { exact: true }).fill("PACS_AUTH");
    expect(await save.isDisabled()).toBe(false);
    // One way to log in per service: OAuth beside the Authorization variable is refused.
    const webOAuth = form.locator("[data-web-oauth-row='0']");
    await webOAuth.getByLabel("OAuth token URL", { exact: true }).fill("https://idp/token");
    await webOAuth.getByLabel("OAuth token URL problem").filter({ hasText: "not both" }).waitFor();
    expect(await save.isDisabled()).toBe(true);
    await webOAuth.getByLabel("OAuth token URL", { exact: true }).fill("");
    // A second service behind an identity provider: OAuth client credentials, all three needed.
    await form.getByRole("button", { name: "Add DICOMweb service" }).click();
    const web2 = form.locator("[data-web-row='1']");
    const web2OAuth = form.locator("[data-web-oauth-row='1']");
    await web2.getByLabel("Service name", { exact: true }).fill("cloud");
    await web2.getByLabel("Service URL", { exact: true }).fill(`${webUrl}/cloud`);
    await web2OAuth.getByLabel("OAuth token URL", { exact: true }).fill(IDP_URL);
    await web2OAuth.getByLabel("OAuth client id problem").filter({ hasText: "required" }).waitFor();
    expect(await save.isDisabled()).toBe(true);
    await web2OAuth.getByLabel("OAuth client id", { exact: true }).fill("livercad-ws");
    await web2OAuth.getByLabel("OAuth client secret variable", { exact: true }).fill("IDP_SECRET");
    await web2OAuth.getByLabel("OAuth scope", { exact: true }).fill("dicomweb");
    expect(await save.isDisabled()).toBe(false);
    // The listener stops answering Query/Retrieve (stores only).
    await form.getByLabel("Query/Retrieve", { exact: true }).uncheck();
    if (shots) await page.screenshot({ path: path.join(shots, "network-settings.png") });

    await save.click();
    await page.getByTestId("settings-saved").waitFor();
    await page.getByTestId("local-aet").filter({ hasText: "WS_EDITED" }).waitFor();
    expect(await page.getByTestId("local-address").textContent()).toBe(`127.0.0.1:${newPort}`);
    await page.getByTestId("listener-state").filter({ hasText: "listening" }).waitFor();

    // Saved where `livercad nodes` and `livercad listen` read it.
    const saved = readSettings(dir);
    expect(saved.local).toMatchObject({
      aeTitle: "WS_EDITED",
      port: newPort,
      quietSeconds: 5,
      allowed: [{ aeTitle: "STORESCP" }, { aeTitle: "MR1", addresses: ["127.0.0.1"] }],
      queryRetrieve: false,
    });
    expect(await page.getByTestId("local-qr").textContent()).toBe("off");
    expect(saved.nodes).toEqual([
      { name: "archive", aeTitle: "STORESCP", host: "127.0.0.1", port: scpPort },
      { name: "pacs2", aeTitle: "STORESCP", host: "127.0.0.1", port: scpPort, retrieve: "get" },
    ]);
    expect(saved.webNodes).toEqual([
      { name: "web1", url: webUrl, authEnv: "PACS_AUTH" },
      {
        name: "cloud",
        url: `${webUrl}/cloud`,
        oauth: {
          tokenUrl: IDP_URL,
          clientId: "livercad-ws",
          secretEnv: "IDP_SECRET",
          scope: "dicomweb",
        },
      },
    ]);

    // The listener was restarted: it answers as WS_EDITED on the new port, the old one is closed.
    const onNew = await echo(
      { aeTitle: "WS_EDITED", host: "127.0.0.1", port: newPort },
      { callingAeTitle: "STORESCP", timeoutMs: 10_000 },
    );
    expect(onNew.status).toBe(0);
    await expect(
      echo(
        { aeTitle: "WS_E2E", host: "127.0.0.1", port: oldPort },
        { callingAeTitle: "STORESCP", timeoutMs: 10_000 },
      ),
    ).rejects.toThrow(/ECONNREFUSED/);

    // Audited with the user, what changed from what to what.
    const audit = harness.registry.db
      .prepare<[], { actor: string; details_json: string }>(
        "SELECT actor, details_json FROM audit_log WHERE action = 'network.settings'",
      )
      .all();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe(ACTOR);
    expect(JSON.parse(audit[0]!.details_json)).toMatchObject({
      local: {
        aeTitle: { from: "WS_E2E", to: "WS_EDITED" },
        port: { from: oldPort, to: newPort },
        queryRetrieve: { to: false },
      },
      added: ["pacs2", "web1", "cloud"],
    });

    // The new node is in the table with its method, and its Echo button reaches it.
    const rows = page.getByRole("table", { name: "Remote nodes" }).locator("tbody tr");
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toContain("C-GET");
    await rows.nth(1).getByRole("button", { name: "Echo" }).click();
    await page.getByLabel("Echo pacs2").filter({ hasText: /^OK/ }).waitFor();
    const webRows = page.getByRole("table", { name: "DICOMweb services" }).locator("tbody tr");
    expect(await webRows.count()).toBe(2);
    expect(await webRows.first().textContent()).toContain(`${webUrl} (login from $PACS_AUTH)`);
    expect(await webRows.nth(1).textContent()).toContain(
      `(OAuth client livercad-ws at ${IDP_URL}, secret from $IDP_SECRET)`,
    );
  });
});
