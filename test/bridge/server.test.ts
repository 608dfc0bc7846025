// The loopback bridge's gatekeeping, against the real service on an empty registry.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBridge, TOKEN_HEADER, type Bridge } from "../../electron/bridge/server";
import { decodeWire } from "../../electron/bridge/wire";
import type { Result } from "../../electron/contract/ipc";
import { openWorkstation } from "../../electron/services/workstation/index";

let dir: string;
let closeWorkstation: () => Promise<void>;
let bridge: Bridge;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-bridge-"));
  const staticDir = path.join(dir, "static");
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, "index.html"), "<!doctype html><title>t</title>");
  fs.writeFileSync(path.join(dir, "secret.txt"), "not for the page");
  const ws = openWorkstation({
    dbFile: path.join(dir, "db", "r.sqlite"),
    transport: "bridge",
    actor: "t",
    modelsRoot: path.join(dir, "no-models"),
  });
  closeWorkstation = ws.close;
  bridge = await startBridge({ service: ws.service, staticDir });
});

afterAll(async () => {
  await bridge.close();
  await closeWorkstation();
  fs.rmSync(dir, { recursive: true, force: true });
});

function raw(pathname: string, headers: Record<string, string>, method = "GET"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: bridge.port, path: pathname, method, headers },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function call(channel: string, body: unknown): Promise<Result<unknown>> {
  const res = await fetch(`${bridge.url}/api/${channel}`, {
    method: "POST",
    headers: { [TOKEN_HEADER]: bridge.token },
    body: JSON.stringify(body),
  });
  return decodeWire(await res.arrayBuffer()) as Result<unknown>;
}

describe("loopback bridge", () => {
  it("listens on 127.0.0.1 only, with a long random token", () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(bridge.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it("requires the token for the API and the page, and sets a cookie from ?token=", async () => {
    const host = `127.0.0.1:${bridge.port}`;
    expect(await raw("/api/app:info", { host }, "POST")).toBe(401);
    expect(await raw("/", { host })).toBe(401);
    expect(await raw(`/?token=${bridge.token}`, { host })).toBe(200);
    expect(await raw("/", { host, cookie: `livercad_token=${bridge.token}` })).toBe(200);
    expect(await raw("/api/app:info", { host, [TOKEN_HEADER]: bridge.token }, "POST")).toBe(200);
  });

  it("refuses another Host (DNS rebinding), another Origin, and paths outside the renderer", async () => {
    const token = { [TOKEN_HEADER]: bridge.token, cookie: `livercad_token=${bridge.token}` };
    expect(
      await raw("/api/app:info", { ...token, host: `evil.example:${bridge.port}` }, "POST"),
    ).toBe(421);
    expect(
      await raw(
        "/api/app:info",
        { ...token, host: `127.0.0.1:${bridge.port}`, origin: "http://evil.example" },
        "POST",
      ),
    ).toBe(403);
    expect(await raw("/..%2Fsecret.txt", { ...token, host: `127.0.0.1:${bridge.port}` })).toBe(404);
  });

  it("validates payloads before the service and reports service errors by code", async () => {
    const unknown = await call("nope", {});
    expect(!unknown.ok && unknown.error.code).toBe("UNKNOWN_CHANNEL");
    const invalid = await call("worklist:page", { queue: "everything" });
    expect(!invalid.ok && invalid.error.code).toBe("INVALID_REQUEST");
    const missing = await call("study:detail", { studyInstanceUid: "1.2.3" });
    expect(!missing.ok && missing.error.code).toBe("USAGE");
    // Without trained models an analysis request is answered with the reason, not queued.
    const analyze = await call("analysis:enqueue", { studyInstanceUids: [], unanalyzed: true });
    expect(!analyze.ok && analyze.error.code).toBe("MODEL_INTEGRITY");
    const info = await call("app:info", {});
    expect(info.ok && info.value).toMatchObject({ actor: "t", transport: "bridge" });
  });
});
