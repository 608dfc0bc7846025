// The shell's security policy as data and predicates (issue 12 §4; Electron's security checklist,
// electronjs.org/docs/latest/tutorial/security, items cited by number). Nothing here imports
// Electron at run time, so test/main/security-checklist.test.ts checks every value under plain
// Node; security.ts, ipc.ts and main.ts only wire these into Electron's objects.
import type {
  BrowserWindowConstructorOptions,
  CustomScheme,
  IpcMainInvokeEvent,
  WebPreferences,
} from "electron";
import { APP_ORIGIN } from "../contract/ipc";

const APP = new URL(APP_ORIGIN);

/** The scheme the renderer is served from (item 18: a custom protocol, not file://). */
export const APP_SCHEME = APP.protocol.replace(":", "");

/** The one page the window loads. */
export const APP_URL = `${APP_ORIGIN}/index.html`;

/**
 * True for a URL of the app's own origin. Parsed, not prefix-matched (item 13: `startsWith` lets
 * `livercad://app.evil/` or `livercad://app@evil/` through); a non-special scheme's URL has the
 * origin "null" in WHATWG terms, so protocol and host are compared instead.
 */
export function isAppUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === APP.protocol &&
    u.host === APP.host &&
    u.username === "" &&
    u.password === "" &&
    u.port === ""
  );
}

/**
 * Privileges of the app scheme (item 18): `standard` gives it an origin and relative URLs,
 * `secure` makes it a secure context like https (item 1). No `bypassCSP`, `corsEnabled`,
 * `supportFetchAPI`, `allowServiceWorkers` or `stream`: the page needs none of them.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true },
};

/**
 * The Content-Security-Policy header on every response of the app scheme (item 7). Scripts only
 * from the app itself (no inline script, no eval); inline styles stay allowed because React
 * sets `style` attributes (the viewer's overlays position themselves that way). No network at
 * all: the renderer talks to the services over IPC only.
 */
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

/**
 * Requests the app's sessions cancel outright (item 1: nothing outside the app is loaded, so no
 * insecure and no remote content either). The app's own scheme, data: and blob: are not
 * network requests and stay untouched.
 */
export const REMOTE_URL_PATTERNS: readonly string[] = [
  "http://*/*",
  "https://*/*",
  "ws://*/*",
  "wss://*/*",
  "ftp://*/*",
];

/**
 * The main window's webPreferences, every security-relevant one spelled out even where it is
 * Electron's default, so that a changed default or a careless edit shows in the tests.
 */
export function windowWebPreferences(preload: string, devTools: boolean): WebPreferences {
  return {
    preload,
    nodeIntegration: false, // item 2
    nodeIntegrationInWorker: false, // item 2
    nodeIntegrationInSubFrames: false, // item 2
    contextIsolation: true, // item 3
    sandbox: true, // item 4
    webSecurity: true, // item 6
    allowRunningInsecureContent: false, // item 8
    experimentalFeatures: false, // item 9
    // item 10: no enableBlinkFeatures key at all.
    webviewTag: false, // items 11-12: <webview> cannot be created
    navigateOnDragDrop: false, // item 13: a dropped file or link does not replace the page
    spellcheck: false,
    // No inspector in a packaged app (issue 12 §4); development builds keep it.
    devTools,
  };
}

export function windowOptions(preload: string, devTools: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1600,
    height: 1000,
    minWidth: 1024,
    minHeight: 700,
    backgroundColor: "#03050c",
    title: "LiverCAD Workstation",
    show: false,
    webPreferences: windowWebPreferences(preload, devTools),
  };
}

/**
 * Item 17: only the top frame of the app's own page may call the services. An iframe (none
 * exists, the CSP forbids framing) or a page of another origin gets no answer.
 */
export function trustedSender(event: Pick<IpcMainInvokeEvent, "senderFrame">): boolean {
  const frame = event.senderFrame;
  if (frame === null || frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

/**
 * Item 16: the Electron major this checklist was last reviewed against. test/main checks that
 * the installed and the declared versions still have this major, so an upgrade (or downgrade)
 * brings the table in the README back for review. Electron 41 and later declare Node >= 22.12
 * for their tooling and this build machine has Node 20 (FIELD-NOTES): see the README's
 * exception for item 16.
 */
export const ELECTRON_MAJOR_REVIEWED = 40;
