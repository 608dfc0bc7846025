// OAuth 2.0 client credentials for a DICOMweb service (oauth.ts, dicomweb.ts `request`): an
// identity provider and a QIDO-RS / STOW-RS service in this process on 127.0.0.1. The token is
// asked for once and shared, renewed when it expires and when the service revokes it (the request
// is sent again once, body included), and every failure names the node and the cause without the
// secret. Then the same through the built CLI (`livercad nodes --add ... --oauth-*`, `echo`).
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { webEcho, webSend, type WebNode } from "../../../electron/services/network/dicomweb";
import { forgetTokens } from "../../../electron/services/network/oauth";
import { readSettings } from "../../../electron/services/network/settings";
import { CLI } from "../../helpers/cli";
import { mrFile } from "../import/fixtures";

const SECRET = "s3cr3t:with spaces&more";
const CLIENT = "livercad ws@site";
const ENV = "LIVERCAD_TEST_OAUTH_SECRET";

/** What the fake provider and service saw and do. */
const idp = {
  tokenRequests: 0,
  lastForm: new URLSearchParams(),
  expiresIn: 3600 as number | null,
  /** Tokens the service accepts. */
  valid: new Set<string>(),
  /** The service refuses every token (a client without the right role). */
  refuseAll: false,
  serviceHits: 0,
  stowBodies: [] as number[],
  /** A broken provider: its 200 answer as given here instead of a token. */
  answer: null as string | null,
};

function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64")}`;
}

let server: http.Server;
let base = "";

function node(extra: Partial<NonNullable<WebNode["oauth"]>> = {}): WebNode {
  return {
    name: "cloudpacs",
    url: `${base}/dw`,
    oauth: { tokenUrl: `${base}/token`, clientId: CLIENT, secretEnv: ENV, ...extra },
  };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? "";
      if (url === "/token") {
        idp.tokenRequests += 1;
        idp.lastForm = new URLSearchParams(body.toString());
        const json = { "Content-Type": "application/json" };
        if (req.headers.authorization !== basic(CLIENT, SECRET)) {
          res
            .writeHead(401, json)
            .end(JSON.stringify({ error: "invalid_client", error_description: "bad secret" }));
          return;
        }
        if (idp.answer !== null) {
          res.writeHead(200, json).end(idp.answer);
          return;
        }
        if (idp.lastForm.get("grant_type") !== "client_credentials") {
          res.writeHead(400, json).end(JSON.stringify({ error: "unsupported_grant_type" }));
          return;
        }
        const token = `tok-${idp.tokenRequests}`;
        idp.valid.add(token);
        res.writeHead(200, json).end(
          JSON.stringify({
            access_token: token,
            token_type: "bearer",
            ...(idp.expiresIn === null ? {} : { expires_in: idp.expiresIn }),
          }),
        );
        return;
      }
      idp.serviceHits += 1;
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      if (idp.refuseAll || !idp.valid.has(token)) {
        res.writeHead(401, { "WWW-Authenticate": 'Bearer error="invalid_token"' }).end();
        return;
      }
      if (req.method === "POST") {
        idp.stowBodies.push(body.length);
        // Refers every part's SOP Instance UID back as stored (read from the request).
        const uids = [...body.toString("latin1").matchAll(/1\.2\.826\.0\.1\.3680043\.[\d.]+/g)];
        const refs = [...new Set(uids.map((m) => m[0]))].map((uid) => ({
          "00081155": { vr: "UI", Value: [uid] },
        }));
        res
          .writeHead(200, { "Content-Type": "application/dicom+json" })
          .end(JSON.stringify({ "00081199": { vr: "SQ", Value: refs } }));
        return;
      }
      res.writeHead(200, { "Content-Type": "application/dicom+json" }).end("[]");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  forgetTokens();
  Object.assign(idp, {
    tokenRequests: 0,
    expiresIn: 3600,
    refuseAll: false,
    serviceHits: 0,
    stowBodies: [],
    answer: null,
  });
  idp.valid.clear();
  process.env[ENV] = SECRET;
});

describe("OAuth client credentials for a DICOMweb service", () => {
  it("asks for one token, by HTTP Basic with the form-encoded id and secret, and shares it", async () => {
    await Promise.all([webEcho(node()), webEcho(node()), webEcho(node())]);
    await webEcho(node());
    expect(idp.tokenRequests).toBe(1);
    expect(idp.serviceHits).toBe(4);
    expect(idp.lastForm.get("grant_type")).toBe("client_credentials");
    expect(idp.lastForm.has("scope")).toBe(false);
    await webEcho(node({ scope: "dicomweb.read dicomweb.write" }));
    expect(idp.tokenRequests).toBe(2);
    expect(idp.lastForm.get("scope")).toBe("dicomweb.read dicomweb.write");
  });

  it("renews the token shortly before it expires", async () => {
    idp.expiresIn = 1; // renewed 0.1 s before its end (a tenth of its life)
    await webEcho(node());
    await webEcho(node());
    expect(idp.tokenRequests).toBe(1);
    await new Promise((r) => setTimeout(r, 1000));
    await webEcho(node());
    expect(idp.tokenRequests).toBe(2);
  });

  it("renews a revoked token and sends the request again once, STOW-RS body included", async () => {
    idp.expiresIn = null; // no expires_in: used until the service refuses it
    await webEcho(node());
    idp.valid.clear(); // revoked at the provider
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-oauth-"));
    const file = path.join(dir, "a.dcm");
    fs.writeFileSync(file, mrFile({ study: 77, series: 1, slices: 1 }, 0));
    const [outcome] = await webSend(node(), [file]);
    expect(outcome).toMatchObject({ ok: true, status: 0 });
    expect(idp.tokenRequests).toBe(2);
    // One refused try, one stored: the retry carried the whole body.
    expect(idp.stowBodies).toHaveLength(1);
    expect(idp.stowBodies[0]).toBeGreaterThan(fs.statSync(file).size);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("says so when the service refuses even a fresh token, after one retry", async () => {
    idp.refuseAll = true;
    await expect(webEcho(node())).rejects.toThrow(
      /cloudpacs \(http:.*\/dw\/studies\?limit=1\): HTTP 401 Unauthorized \(the service refused a fresh token of client livercad ws@site from http:.*\/token: check the client's roles and scope\)/,
    );
    expect(idp.serviceHits).toBe(2);
    expect(idp.tokenRequests).toBe(2);
  });

  it("names the refused client and the secret's variable, never the secret", async () => {
    process.env[ENV] = "wrong";
    const err = await webEcho(node()).catch((e: Error) => e);
    expect(String(err)).toMatch(
      /cloudpacs: token request to http:.*\/token: HTTP 401 Unauthorized: invalid_client: bad secret \(the client id livercad ws@site or the secret in LIVERCAD_TEST_OAUTH_SECRET was refused\)/,
    );
    expect(String(err)).not.toContain("wrong");
    expect(idp.serviceHits).toBe(0);
  });

  it("sends nothing when the secret's variable is not set, and names an unreachable provider", async () => {
    delete process.env[ENV];
    await expect(webEcho(node())).rejects.toThrow(
      /cloudpacs: its OAuth client secret comes from the environment variable LIVERCAD_TEST_OAUTH_SECRET, which is not set/,
    );
    expect(idp.tokenRequests + idp.serviceHits).toBe(0);
    process.env[ENV] = SECRET;
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(webEcho(node({ tokenUrl: `http://127.0.0.1:${port}/token` }))).rejects.toThrow(
      new RegExp(`cloudpacs: token request to http://127.0.0.1:${port}/token: .*ECONNREFUSED`),
    );
  });
});

describe("OAuth: a provider answering 200 without a usable token", () => {
  it.each([
    ["<html>login page</html>", /the answer has no access_token/],
    [JSON.stringify({ token_type: "bearer" }), /the answer has no access_token/],
    [
      JSON.stringify({ access_token: "t", token_type: "mac" }),
      /token type "mac" is not supported \(a Bearer token is, RFC 6750\)/,
    ],
    [JSON.stringify({ access_token: "t" }), /token type "" is not supported/],
  ])("refuses %s by name, sending nothing to the service", async (answer, message) => {
    idp.answer = answer;
    await expect(webEcho(node())).rejects.toThrow(message);
    await expect(webEcho(node())).rejects.toThrow(/cloudpacs: token request to http:/);
    expect(idp.serviceHits).toBe(0);
  });
});

describe("livercad nodes / echo with OAuth", () => {
  const run = promisify(execFile);
  let home: string;
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-oauth-cli-"));
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  async function cli(args: string[], env: Record<string, string> = {}) {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
        env: { ...process.env, LIVERCAD_HOME: home, ...env },
      });
      return { rc: 0, out: stdout + stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { rc: e.code, out: e.stdout + e.stderr };
    }
  }

  it("stores the client and the secret's variable name, and echoes with a token", async () => {
    const add = await cli([
      "nodes",
      "--add",
      "cloudpacs",
      `${base}/dw`,
      "--oauth-token-url",
      `${base}/token`,
      "--oauth-client-id",
      CLIENT,
      "--oauth-secret-env",
      ENV,
      "--oauth-scope",
      "dicomweb.read",
    ]);
    expect(add.rc).toBe(0);
    expect(add.out).toContain(
      `cloudpacs\t${base}/dw\tdicomweb\toauth=${CLIENT}@${base}/token secret=$${ENV}`,
    );
    expect(readSettings(home).webNodes[0]!.oauth).toEqual({
      tokenUrl: `${base}/token`,
      clientId: CLIENT,
      secretEnv: ENV,
      scope: "dicomweb.read",
    });
    expect(fs.readFileSync(path.join(home, "network.json"), "utf8")).not.toContain(SECRET);
    const echo = await cli(["echo", "cloudpacs"]);
    expect(echo.out).toMatch(/^echo http:.*\/dw http=200 ms=/m);
    expect(echo.rc).toBe(0);
    expect(idp.tokenRequests).toBe(1);
    expect(idp.lastForm.get("scope")).toBe("dicomweb.read");
  });

  it("refuses a half-given client, two ways to log in, and OAuth on a DIMSE node", async () => {
    const half = await cli([
      "nodes",
      "--add",
      "other",
      `${base}/dw`,
      "--oauth-token-url",
      `${base}/token`,
    ]);
    expect(half.rc).toBe(1);
    expect(half.out).toContain("OAuth needs the --oauth-client-id too.");
    const both = await cli([
      "nodes",
      "--add",
      "other",
      `${base}/dw`,
      "--auth-env",
      "PACS_AUTH",
      "--oauth-token-url",
      `${base}/token`,
      "--oauth-client-id",
      "x",
      "--oauth-secret-env",
      "Y",
    ]);
    expect(both.rc).toBe(1);
    expect(both.out).toContain("--auth-env and --oauth-token-url are two ways to log in");
    const dimse = await cli([
      "nodes",
      "--add",
      "pacs",
      "PACS@127.0.0.1:104",
      "--oauth-token-url",
      `${base}/token`,
      "--oauth-client-id",
      "x",
      "--oauth-secret-env",
      "Y",
    ]);
    expect(dimse.rc).toBe(1);
    expect(dimse.out).toContain("--auth-env and --oauth-* are for DICOMweb services only.");
    expect(readSettings(home).webNodes.map((n) => n.name)).toEqual(["cloudpacs"]);
  });
});
