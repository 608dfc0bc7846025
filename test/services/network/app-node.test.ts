// The listener inside the workstation (what the Electron main process and dev:web open): started
// when network.json enables it, not started otherwise, a taken port logged instead of failing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { echo } from "../../../electron/services/network/scu";
import { readSettings, writeSettings } from "../../../electron/services/network/settings";
import { dispatch, openWorkstation } from "../../../electron/services/workstation/index";
import { freePort } from "../../helpers/ports";

describe("DICOM listener in the workstation", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-app-node-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("stays off unless network.json enables it", async () => {
    const ws = openWorkstation({
      dbFile: path.join(dir, "off", "registry.sqlite"),
      transport: "bridge",
    });
    expect(await ws.network).toBeNull();
    await ws.close();
  });

  it("listens with the configured AE title and port when enabled", async () => {
    const root = path.join(dir, "on");
    const port = await freePort();
    const settings = readSettings(root);
    writeSettings(root, {
      ...settings,
      local: { ...settings.local, enabled: true, port, aeTitle: "WS1" },
    });
    const ws = openWorkstation({ dbFile: path.join(root, "registry.sqlite"), transport: "bridge" });
    try {
      const node = await ws.network;
      expect(node?.receiver.port).toBe(port);
      const r = await echo({ aeTitle: "WS1", host: "127.0.0.1", port }, { callingAeTitle: "TEST" });
      expect(r.status).toBe(0);
      // The Network panel's channels, through the one validating dispatcher.
      writeSettings(root, {
        ...readSettings(root),
        nodes: [
          { name: "self", aeTitle: "WS1", host: "127.0.0.1", port },
          { name: "nobody", aeTitle: "NOBODY", host: "127.0.0.1", port: await freePort() },
        ],
      });
      const status = await dispatch(ws.service.handlers, "network:status", {});
      expect(status).toMatchObject({
        ok: true,
        value: { enabled: true, listening: true, aeTitle: "WS1", bind: "127.0.0.1", port },
      });
      const self = await dispatch(ws.service.handlers, "network:echo", { name: "self" });
      expect(self).toMatchObject({ ok: true, value: { name: "self", ok: true, status: 0 } });
      const nobody = await dispatch(ws.service.handlers, "network:echo", { name: "nobody" });
      expect(nobody).toMatchObject({ ok: true, value: { ok: false, status: null } });
      expect((nobody as { value: { error: string } }).value.error).toMatch(/ECONNREFUSED/);
      const unknown = await dispatch(ws.service.handlers, "network:echo", { name: "ghost" });
      expect(unknown).toMatchObject({ ok: false, error: { code: "USAGE" } });
      expect((unknown as { error: { message: string } }).error.message).toMatch(
        /Unknown node "ghost"/,
      );
      const invalid = await dispatch(ws.service.handlers, "network:echo", { name: "" });
      expect(invalid.ok).toBe(false);
      // A second workstation on the same port logs why its listener did not start, and opens.
      const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
      const second = openWorkstation({
        dbFile: path.join(root, "registry.sqlite"),
        transport: "bridge",
      });
      expect(await second.network).toBeNull();
      expect(error.mock.calls[0]?.[0]).toMatch(/DICOM listener not started: .*EADDRINUSE/);
      error.mockRestore();
      await second.close();
    } finally {
      await ws.close();
    }
  });

  it("keeps network.json's Query/Retrieve switch through an edit without it, and sets it from one", async () => {
    const root = path.join(dir, "qr-off");
    const settings = readSettings(root);
    writeSettings(root, { ...settings, local: { ...settings.local, queryRetrieve: false } });
    const ws = openWorkstation({ dbFile: path.join(root, "registry.sqlite"), transport: "bridge" });
    try {
      const l = readSettings(root).local;
      const saved = await dispatch(ws.service.handlers, "network:save-settings", {
        local: {
          aeTitle: l.aeTitle,
          port: l.port,
          bind: l.bind,
          enabled: false,
          allowed: [],
          quietSeconds: l.quietSeconds + 5,
          autoAnalyze: l.autoAnalyze,
        },
        nodes: [],
      });
      expect(saved).toMatchObject({ ok: true, value: { queryRetrieve: false } });
      // An edit without the Q/R field (an older client) changed the quiet period, kept the switch.
      expect(readSettings(root).local).toMatchObject({
        quietSeconds: l.quietSeconds + 5,
        queryRetrieve: false,
      });
      // The editor's checkbox turns it on again, and the change is audited.
      const on = await dispatch(ws.service.handlers, "network:save-settings", {
        local: { ...readSettings(root).local, allowed: [], queryRetrieve: true },
        nodes: [],
      });
      expect(on).toMatchObject({ ok: true, value: { queryRetrieve: true } });
      expect(readSettings(root).local.queryRetrieve).toBe(true);
    } finally {
      await ws.close();
    }
  });

  it("refuses a settings file with a bad field, naming it", () => {
    const root = path.join(dir, "bad");
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, "network.json"), JSON.stringify({ local: { port: 70000 } }));
    expect(() => readSettings(root)).toThrow(/network\.json: local\.port: /);
  });
});
