// Hardening of the window (issue 6 §1, Electron's security checklist): a strict Content Security
// Policy on every response, no navigation away from the app, no new windows, no permissions
// (camera, notifications, ...), and the renderer served from a privileged custom scheme instead of
// file://, so that its origin is exact and no other local file can be read by the page.
import { net, protocol, session, shell, type WebContents } from "electron";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { APP_ORIGIN } from "../contract/ipc";
import { isAllowedExternal } from "./external-links";

export const APP_SCHEME = new URL(APP_ORIGIN).protocol.replace(":", "");

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join("; ");

/** Must run before app "ready". */
export function registerScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true } },
  ]);
}

/** Serves dist/renderer under livercad://app/, refusing any path outside it. */
export function serveRenderer(rendererDir: string): void {
  const root = path.resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const rel = url.pathname === "/" ? "index.html" : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(root, rel);
    if (url.host !== "app" || !file.startsWith(root + path.sep)) {
      return new Response("Not found", { status: 404 });
    }
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set("Content-Security-Policy", CSP);
    headers.set("X-Content-Type-Options", "nosniff");
    return new Response(res.body, { status: res.status, headers });
  });
}

export function hardenSession(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);
}

export function hardenContents(contents: WebContents): void {
  contents.on("will-navigate", (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on("will-redirect", (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on("will-attach-webview", (event) => event.preventDefault());
  // Links to documentation may open in the system browser; nothing opens inside the app.
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: "deny" };
  });
}
