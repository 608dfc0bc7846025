// Hardening of the window and its sessions (issue 6 §1, issue 12 §4; Electron's security
// checklist, item numbers of electronjs.org/docs/latest/tutorial/security): a strict Content
// Security Policy on every response, no navigation away from the app, no new windows, no
// webviews, no permissions (camera, notifications, ...), no remote requests, and the renderer
// served from a privileged custom scheme instead of file://, so that its origin is exact and no
// other local file can be read by the page. The values live in policy.ts (plain Node, tested).
import { net, protocol, session, shell, type Session, type WebContents } from "electron";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isAllowedExternal } from "./external-links";
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, CSP, REMOTE_URL_PATTERNS, isAppUrl } from "./policy";

/** Must run before app "ready" (item 18). */
export function registerScheme(): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
}

/**
 * The file a request of the app scheme names inside the renderer folder, or null: another host,
 * a malformed %-escape, a NUL byte, or a path that resolves outside the folder (`..%2F..%2F`).
 */
export function rendererFile(requestUrl: string, rendererDir: string): string | null {
  if (!isAppUrl(requestUrl)) return null;
  const root = path.resolve(rendererDir);
  const { pathname } = new URL(requestUrl);
  let rel: string;
  try {
    rel = pathname === "/" ? "index.html" : decodeURIComponent(pathname.slice(1));
  } catch {
    return null;
  }
  if (rel.includes("\0")) return null;
  const file = path.resolve(root, rel);
  return file.startsWith(root + path.sep) ? file : null;
}

/** Serves dist/renderer under livercad://app/ with the CSP header (item 7), refusing the rest. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = rendererFile(request.url, rendererDir);
    if (file === null) return new Response("Not found", { status: 404 });
    let res: Response;
    try {
      res = await net.fetch(pathToFileURL(file).toString());
    } catch {
      // A folder or a missing file: net.fetch rejects instead of answering 404.
      return new Response("Not found", { status: 404 });
    }
    const headers = new Headers(res.headers);
    headers.set("Content-Security-Policy", CSP);
    headers.set("X-Content-Type-Options", "nosniff");
    return new Response(res.body, { status: res.status, headers });
  });
}

/**
 * Item 5 in every session (main.ts calls this for the default session and on "session-created"):
 * every permission request and check is denied, device access (HID, serial, USB) too; item 1:
 * remote and insecure requests are cancelled before they leave the machine.
 */
export function hardenSession(ses: Session = session.defaultSession): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onBeforeRequest({ urls: [...REMOTE_URL_PATTERNS] }, (_details, callback) =>
    callback({ cancel: true }),
  );
}

/** Items 11-15 for every webContents (main.ts calls this on "web-contents-created"). */
export function hardenContents(contents: WebContents): void {
  // Item 13: the page never leaves the app's origin, in any frame or by a server redirect.
  contents.on("will-navigate", (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on("will-frame-navigate", (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on("will-redirect", (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  // Items 11-12: no <webview> is ever attached; its options are neutered first in case a
  // future Electron fired the event without honouring preventDefault.
  contents.on("will-attach-webview", (event, webPreferences) => {
    delete webPreferences.preload;
    webPreferences.nodeIntegration = false;
    webPreferences.contextIsolation = true;
    event.preventDefault();
  });
  // Items 14-15: nothing opens inside the app; links to the DICOM standard may open in the
  // system browser (external-links.ts), after the handler has returned.
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) setImmediate(() => void shell.openExternal(url));
    return { action: "deny" };
  });
}
