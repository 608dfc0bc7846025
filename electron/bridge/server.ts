// The loopback bridge: the workstation's services reachable from a browser, for `npm run dev:web`
// and the end-to-end tests (issue 6 §1). Listens only on 127.0.0.1, on a port the OS picks, and
// requires the per-launch token on every request: in the x-livercad-token header for the API, or
// for the page and its assets in a cookie set when the page is first opened with ?token=. The Host
// header must name the bridge itself, which defeats DNS rebinding; another Origin is refused.
// Requests go through the same validating dispatch as Electron IPC.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { Socket } from "node:net";
import path from "node:path";
import type { ServiceEvent } from "../contract/ipc";
import { dispatch } from "../services/workstation/dispatch";
import type { WorkstationService } from "../services/workstation/service";
import { encodeWire } from "./wire";

export const TOKEN_HEADER = "x-livercad-token";
const COOKIE = "livercad_token";
const MAX_BODY = 1 << 20;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".map": "application/json",
};

/** The page's policy: everything from the bridge itself, nothing else (no inline script). */
export const BRIDGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export interface Bridge {
  url: string;
  /** The page's address with the token: open this in a browser. */
  pageUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function cookieToken(req: http.IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? "";
  for (const part of header.split(";")) {
    const [k, v] = part.trim().split("=");
    if (k === COOKIE) return v;
  }
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("Request body too large."));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve(text.length === 0 ? {} : JSON.parse(text));
      } catch {
        reject(new Error("Request body is not JSON."));
      }
    });
    req.on("error", reject);
  });
}

/** decodeURIComponent, or null for a malformed %-escape (a client error, not a 500). */
function decodeComponent(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export async function startBridge(options: {
  service: WorkstationService;
  /** The built renderer (dist/renderer); omitted, only the API is served. */
  staticDir?: string;
  token?: string;
}): Promise<Bridge> {
  const token = options.token ?? crypto.randomBytes(32).toString("hex");
  const { service, staticDir } = options;
  const sockets = new Set<Socket>();
  const streams = new Set<http.ServerResponse>();
  let origin = "";

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(err instanceof Error ? err.message : String(err));
    });
  });

  function deny(res: http.ServerResponse, status: number, message: string): void {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(message);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.headers.host !== origin.slice("http://".length)) return deny(res, 421, "Wrong host.");
    if (req.headers.origin !== undefined && req.headers.origin !== origin) {
      return deny(res, 403, "Cross-origin requests are refused.");
    }
    const url = new URL(req.url ?? "/", origin);
    if (url.pathname.startsWith("/api/")) {
      const given = req.headers[TOKEN_HEADER];
      if (!sameToken(typeof given === "string" ? given : undefined, token)) {
        return deny(res, 401, "Missing or wrong token.");
      }
      if (url.pathname === "/api/events" && req.method === "GET") return events(res);
      if (req.method !== "POST") return deny(res, 405, "POST only.");
      const channel = decodeComponent(url.pathname.slice("/api/".length));
      if (channel === null) return deny(res, 400, "Malformed %-escape in the channel name.");
      let payload: unknown;
      try {
        payload = await readBody(req);
      } catch (err) {
        return deny(res, 400, err instanceof Error ? err.message : String(err));
      }
      const result = await dispatch(service.handlers, channel, payload);
      const body = encodeWire(result);
      res.writeHead(200, {
        "content-type": "application/x-livercad-wire",
        "content-length": body.length,
        "cache-control": "no-store",
      });
      res.end(body);
      return;
    }
    return serveStatic(req, res, url);
  }

  function events(res: http.ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(": connected\n\n");
    streams.add(res);
    res.on("close", () => streams.delete(res));
  }

  const unsubscribe = service.onEvent((e: ServiceEvent) => {
    const frame = `data: ${JSON.stringify(e)}\n\n`;
    for (const s of streams) s.write(frame);
  });

  function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    if (req.method !== "GET" && req.method !== "HEAD") return deny(res, 405, "GET only.");
    const fromQuery = url.searchParams.get("token") ?? undefined;
    const headers: Record<string, string> = {};
    if (sameToken(fromQuery, token)) {
      headers["set-cookie"] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    } else if (!sameToken(cookieToken(req), token)) {
      return deny(res, 401, "Open the address printed by `npm run dev:web` (it holds the token).");
    }
    if (staticDir === undefined) return deny(res, 404, "No renderer is served by this bridge.");
    const rel = url.pathname === "/" ? "index.html" : decodeComponent(url.pathname.slice(1));
    if (rel === null) return deny(res, 400, "Malformed %-escape in the path.");
    const file = path.resolve(staticDir, rel);
    if (!file.startsWith(path.resolve(staticDir) + path.sep)) return deny(res, 404, "Not found.");
    let body: Buffer;
    try {
      body = fs.readFileSync(file);
    } catch {
      return deny(res, 404, "Not found.");
    }
    res.writeHead(200, {
      ...headers,
      "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
      "content-security-policy": BRIDGE_CSP,
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("Bridge has no port.");
  origin = `http://127.0.0.1:${address.port}`;
  return {
    url: origin,
    pageUrl: `${origin}/?token=${token}`,
    token,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const s of streams) s.end();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
