// Electron's security checklist, item by item (electronjs.org/docs/latest/tutorial/security;
// issue 12 §4 and Evidence). No Electron binary exists here: the shell's modules run against fake
// Electron objects (vi.mock), the policy values are checked as data, and what only main.ts or
// the packaging config can show is read from the source. The README's table "Electron security
// checklist" names the test of each item by its number.
import { EventEmitter } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { IpcMainInvokeEvent, Session, WebContents } from "electron";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => ({
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, (req: { url: string }) => Promise<Response>>(),
  opened: [] as string[],
  ipcHandlers: new Map<string, Listener>(),
  dialogs: 0,
  exposed: new Map<string, unknown>(),
  invoked: [] as [string, unknown][],
  rendererOn: new Map<string, Listener>(),
  removed: [] as string[],
}));

vi.mock("electron", () => ({
  protocol: {
    registerSchemesAsPrivileged: (s: unknown[]) => fake.schemes.push(...s),
    handle: (scheme: string, h: (req: { url: string }) => Promise<Response>) =>
      fake.protocolHandlers.set(scheme, h),
  },
  net: {
    // Stands in for Electron's file:// fetch: rejects on folders and missing files as it does.
    fetch: async (url: string) =>
      new Response(await fs.promises.readFile(fileURLToPath(url)), {
        status: 200,
        headers: { "content-type": "text/html" },
      }),
  },
  session: { defaultSession: null },
  shell: {
    openExternal: (url: string) => {
      fake.opened.push(url);
      return Promise.resolve();
    },
  },
  ipcMain: {
    handle: (channel: string, h: Listener) => fake.ipcHandlers.set(channel, h),
    removeHandler: (channel: string) => fake.ipcHandlers.delete(channel),
  },
  dialog: {
    showOpenDialog: () => {
      fake.dialogs++;
      return Promise.resolve({ canceled: false, filePaths: ["/picked"] });
    },
  },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fake.exposed.set(key, api) },
  ipcRenderer: {
    invoke: (channel: string, request: unknown) => {
      fake.invoked.push([channel, request]);
      return Promise.resolve({ ok: true, value: null });
    },
    on: (channel: string, l: Listener) => fake.rendererOn.set(channel, l),
    removeListener: (channel: string) => fake.removed.push(channel),
  },
  webUtils: { getPathForFile: () => "/dropped" },
}));

import {
  APP_ORIGIN,
  CHANNEL_NAMES,
  EVENT_CHANNEL,
  INVOKE_PREFIX,
  PICK_FOLDER_CHANNEL,
} from "../../electron/contract/ipc";
import { BRIDGE_CSP } from "../../electron/bridge/server";
import { registerIpc } from "../../electron/main/ipc";
import {
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  APP_URL,
  CSP,
  ELECTRON_MAJOR_REVIEWED,
  REMOTE_URL_PATTERNS,
  isAppUrl,
  trustedSender,
  windowOptions,
  windowWebPreferences,
} from "../../electron/main/policy";
import {
  hardenContents,
  hardenSession,
  registerScheme,
  rendererFile,
  serveRenderer,
} from "../../electron/main/security";
import type { WorkstationService } from "../../electron/services/workstation/service";

const ROOT = path.resolve(__dirname, "../..");
const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), "utf8");

/** Every TypeScript/TSX/HTML source of the app (not tests, not node_modules). */
function appSources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (/\.(ts|tsx|html|mjs|cjs)$/.test(e.name)) out.push({ file: rel, text: read(rel) });
    }
  };
  walk("electron");
  walk("renderer");
  return out;
}
const SOURCES = appSources();
const filesWith = (pattern: RegExp): string[] =>
  SOURCES.filter((s) => pattern.test(s.text)).map((s) => s.file);

function directives(policy: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) m.set(name, values);
  }
  return m;
}

/** The renderer's own CSP (its <meta>, which also applies when dev:web serves the page). */
function metaCsp(): string {
  const html = read("renderer/index.html");
  const m = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
  if (!m) throw new Error("renderer/index.html has no CSP meta element");
  return m[1]!;
}

interface FakeEvent {
  url?: string;
  prevented: boolean;
  preventDefault(): void;
}
const event = (url?: string): FakeEvent => ({
  url,
  prevented: false,
  preventDefault() {
    this.prevented = true;
  },
});

/** A webContents: an EventEmitter with the window-open handler Electron would call. */
function fakeContents(): {
  contents: WebContents;
  emitter: EventEmitter;
  open: () => (d: { url: string }) => { action: string };
} {
  const emitter = new EventEmitter();
  let handler: ((d: { url: string }) => { action: string }) | null = null;
  const contents = Object.assign(emitter, {
    setWindowOpenHandler: (h: (d: { url: string }) => { action: string }) => (handler = h),
  });
  return {
    contents: contents as unknown as WebContents,
    emitter,
    open: () => {
      if (!handler) throw new Error("no window open handler");
      return handler;
    },
  };
}

const HOSTILE_URLS = [
  "https://evil.example/",
  "http://dicom.nema.org/",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "livercad://app.evil.example/index.html",
  "livercad://evil/index.html",
  "livercad://user@app/index.html",
  "livercad://app:8080/index.html",
  "data:text/html,<script>alert(1)</script>",
  "not a url",
];

describe("1 only secure content", () => {
  it("loads only the app's own page, from a secure custom scheme, and no remote URL", () => {
    expect(APP_URL).toBe(`${APP_ORIGIN}/index.html`);
    expect(isAppUrl(APP_URL)).toBe(true);
    expect(APP_SCHEME_PRIVILEGES.privileges?.secure).toBe(true);
    for (const value of [...directives(CSP).values(), ...directives(metaCsp()).values()].flat()) {
      expect(value, value).not.toMatch(/^(https?|wss?|ftp):|^\*|\.[a-z]{2,}/i);
    }
  });
  it("cancels every remote or insecure request in the session", () => {
    const s = fakeSession();
    hardenSession(s.session);
    expect(s.beforeRequest?.filter.urls).toEqual([...REMOTE_URL_PATTERNS]);
    for (const scheme of ["http", "https", "ws", "wss", "ftp"]) {
      expect(REMOTE_URL_PATTERNS).toContain(`${scheme}://*/*`);
    }
    let answer: unknown;
    s.beforeRequest?.listener({ url: "http://example.com/x.js" }, (r: unknown) => (answer = r));
    expect(answer).toEqual({ cancel: true });
  });
});

describe("2-4, 6, 8-10 webPreferences", () => {
  const prefs = windowWebPreferences("/app/preload.js", false);
  it("2: no Node integration in the page, its workers or subframes", () => {
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });
  it("3-4: context isolation and the sandbox, for every renderer (app.enableSandbox)", () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    const main = read("electron/main/main.ts");
    expect(main).toMatch(/app\.enableSandbox\(\);/);
    expect(main.indexOf("app.enableSandbox()")).toBeLessThan(main.indexOf("app.whenReady()"));
  });
  it("6, 8, 9, 10: webSecurity on, no insecure content, no experimental or Blink features", () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs).not.toHaveProperty("enableBlinkFeatures");
    expect(windowWebPreferences("/p", true).devTools).toBe(true);
    expect(prefs.devTools).toBe(false);
  });
  it("the one window is built from these options and no source weakens them", () => {
    expect(windowOptions("/app/preload.js", false).webPreferences).toEqual(prefs);
    expect(filesWith(/new BrowserWindow\(/)).toEqual(["electron/main/main.ts"]);
    expect(read("electron/main/main.ts")).toMatch(/new BrowserWindow\(\s*windowOptions\(/);
    for (const weak of [
      /nodeIntegration(InWorker|InSubFrames)?:\s*true/,
      /contextIsolation:\s*false/,
      /sandbox:\s*false/,
      /webSecurity:\s*false/,
      /allowRunningInsecureContent:\s*true/,
      /experimentalFeatures:\s*true/,
      /enableBlinkFeatures:/,
      /webviewTag:\s*true/,
      /appendSwitch\(/,
      /disable-web-security|ELECTRON_DISABLE_SECURITY_WARNINGS/,
    ]) {
      expect(filesWith(weak), String(weak)).toEqual([]);
    }
  });
});

interface SessionSpy {
  session: Session;
  request?: (wc: unknown, permission: string, cb: (ok: boolean) => void) => void;
  check?: (...a: unknown[]) => boolean;
  device?: (...a: unknown[]) => boolean;
  beforeRequest?: {
    filter: { urls: string[] };
    listener: (details: { url: string }, cb: (r: unknown) => void) => void;
  };
}
function fakeSession(): SessionSpy {
  const spy: SessionSpy = { session: null as unknown as Session };
  spy.session = {
    setPermissionRequestHandler: (h: SessionSpy["request"]) => (spy.request = h),
    setPermissionCheckHandler: (h: SessionSpy["check"]) => (spy.check = h),
    setDevicePermissionHandler: (h: SessionSpy["device"]) => (spy.device = h),
    webRequest: {
      onBeforeRequest: (
        filter: { urls: string[] },
        listener: NonNullable<SessionSpy["beforeRequest"]>["listener"],
      ) => (spy.beforeRequest = { filter, listener }),
    },
  } as unknown as Session;
  return spy;
}

describe("5 permission requests", () => {
  it("denies every permission request and check, from any page, and device access", () => {
    const s = fakeSession();
    hardenSession(s.session);
    const page = { getURL: () => APP_URL };
    for (const permission of ["media", "notifications", "geolocation", "clipboard-read", "hid"]) {
      let granted: boolean | undefined;
      s.request?.(page, permission, (ok) => (granted = ok));
      expect(granted, permission).toBe(false);
      expect(s.check?.(page, permission, APP_ORIGIN, {})).toBe(false);
    }
    expect(s.device?.({ deviceType: "usb", origin: APP_ORIGIN })).toBe(false);
  });
  it("hardens every session main.ts creates, not only the default one", () => {
    const main = read("electron/main/main.ts");
    expect(main).toMatch(/app\.on\("session-created", \(ses\) => hardenSession\(ses\)\)/);
    expect(main).toMatch(/hardenSession\(\);/);
  });
});

describe("7 Content-Security-Policy", () => {
  for (const [where, policy] of [
    ["the app scheme's header", CSP],
    ["renderer/index.html's meta", metaCsp()],
  ] as const) {
    it(`${where}: scripts only from the app, no eval, no inline script, no plugins`, () => {
      const d = directives(policy);
      expect(d.get("default-src")).toEqual(["'self'"]);
      expect(d.get("script-src")).toEqual(["'self'"]);
      expect(d.get("object-src")).toEqual(["'none'"]);
      expect(d.get("base-uri")).toEqual(["'none'"]);
      expect(d.get("form-action")).toEqual(["'none'"]);
      expect(policy).not.toMatch(/unsafe-eval|wasm-unsafe-eval|strict-dynamic|\*/);
    });
  }
  it("the header forbids every connection and framing", () => {
    expect(directives(CSP).get("connect-src")).toEqual(["'none'"]);
    expect(directives(CSP).get("frame-ancestors")).toEqual(["'none'"]);
  });
  it("the e2e tests run the page under the same policy but for the bridge's connect-src", () => {
    // Every Chromium e2e test loads the renderer with the bridge's header: that it works there
    // shows it works under the app's header, whose only difference is connect-src 'none'.
    const bridge = directives(BRIDGE_CSP);
    const app = directives(CSP);
    expect(bridge.get("connect-src")).toEqual(["'self'"]);
    bridge.delete("connect-src");
    app.delete("connect-src");
    expect(bridge).toEqual(app);
    // connect-src 'none' holds under Electron: the page's only network code is the bridge
    // client in renderer/api.ts, used when there is no window.api (dev:web, the tests).
    expect(
      filesWith(/\bfetch\(|XMLHttpRequest|EventSource|WebSocket|sendBeacon/).filter((f) =>
        f.startsWith("renderer"),
      ),
    ).toEqual(["renderer/api.ts"]);
  });
});

describe("7, 18 the renderer served from livercad://app with the CSP header", () => {
  let top: string;
  let dir: string;
  let handler: (req: { url: string }) => Promise<Response>;
  beforeAll(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-renderer-"));
    dir = path.join(top, "renderer");
    fs.mkdirSync(path.join(dir, "assets"), { recursive: true });
    fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>app</title>");
    fs.writeFileSync(path.join(dir, "assets", "app.js"), "console.log(1)");
    fs.writeFileSync(path.join(top, "livercad-secret.txt"), "secret");
    serveRenderer(dir);
    handler = fake.protocolHandlers.get(APP_SCHEME)!;
  });
  afterAll(() => fs.rmSync(top, { recursive: true, force: true }));

  it("serves the page and its assets with the CSP and nosniff", async () => {
    for (const url of [`${APP_ORIGIN}/`, APP_URL, `${APP_ORIGIN}/assets/app.js`]) {
      const res = await handler({ url });
      expect(res.status, url).toBe(200);
      expect(res.headers.get("content-security-policy")).toBe(CSP);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });
  it("refuses other hosts, escapes from the folder, folders, NULs and bad %-escapes", async () => {
    for (const url of [
      `${APP_ORIGIN}/..%2Flivercad-secret.txt`,
      `${APP_ORIGIN}/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd`,
      "livercad://other/index.html",
      `${APP_ORIGIN}/assets`,
      `${APP_ORIGIN}/index.html%00.js`,
      `${APP_ORIGIN}/%E0%A4%A`,
      `${APP_ORIGIN}/missing.js`,
    ]) {
      expect((await handler({ url })).status, url).toBe(404);
    }
    expect(rendererFile(`${APP_ORIGIN}/..%2F..%2Fetc%2Fpasswd`, dir)).toBeNull();
    expect(rendererFile(`${APP_ORIGIN}/assets/app.js`, dir)).toBe(
      path.join(dir, "assets", "app.js"),
    );
  });
  it("18: the scheme is registered standard + secure only, and nothing loads from file://", () => {
    registerScheme();
    expect(fake.schemes).toContainEqual({
      scheme: "livercad",
      privileges: { standard: true, secure: true },
    });
    expect(Object.keys(APP_SCHEME_PRIVILEGES.privileges ?? {}).sort()).toEqual([
      "secure",
      "standard",
    ]);
    expect(filesWith(/\.loadFile\(|loadURL\(\s*["'`]file:/)).toEqual([]);
    expect(read("electron/main/main.ts")).toMatch(/\.loadURL\(APP_URL\)/);
    expect(read("build/electron-builder.yml")).toMatch(
      /\n {2}grantFileProtocolExtraPrivileges: false\n/,
    );
  });
});

describe("11-15 webContents: webviews, navigation, new windows, openExternal", () => {
  it("11-12: refuses every <webview>, stripping its preload and Node first", () => {
    const { contents, emitter } = fakeContents();
    hardenContents(contents);
    const e = event();
    const prefs: Record<string, unknown> = { preload: "/evil.js", nodeIntegration: true };
    emitter.emit("will-attach-webview", e, prefs, { src: "https://evil.example/" });
    expect(e.prevented).toBe(true);
    expect(prefs).toEqual({ nodeIntegration: false, contextIsolation: true });
    expect(windowWebPreferences("/p", true).webviewTag).toBe(false);
    expect(filesWith(/<webview|allowpopups/i).filter((f) => f.startsWith("renderer"))).toEqual([]);
  });
  it("13: navigation and redirects stay on the app's origin, in every frame", () => {
    const { contents, emitter } = fakeContents();
    hardenContents(contents);
    for (const name of ["will-navigate", "will-frame-navigate", "will-redirect"]) {
      const own = event(`${APP_ORIGIN}/index.html#/study/1`);
      emitter.emit(name, own);
      expect(own.prevented, name).toBe(false);
      for (const url of HOSTILE_URLS) {
        const e = event(url);
        emitter.emit(name, e);
        expect(e.prevented, `${name} ${url}`).toBe(true);
      }
    }
    expect(windowWebPreferences("/p", false).navigateOnDragDrop).toBe(false);
  });
  it("14-15: no window opens; only allowlisted links reach the system browser", async () => {
    const { contents, open } = fakeContents();
    hardenContents(contents);
    fake.opened.length = 0;
    const doc = "https://dicom.nema.org/medical/dicom/current/output/html/part05.html";
    for (const url of [doc, ...HOSTILE_URLS, "https://dicom.nema.org.evil.example/"]) {
      expect(open()({ url }), url).toEqual({ action: "deny" });
    }
    await new Promise((r) => setImmediate(r));
    expect(fake.opened).toEqual([doc]);
    // shell.openExternal is called in one place, behind the allowlist.
    expect(filesWith(/openExternal\(/)).toEqual(["electron/main/security.ts"]);
    expect(read("electron/main/security.ts")).toMatch(
      /if \(isAllowedExternal\(url\)\) setImmediate\(\(\) => void shell\.openExternal\(url\)\)/,
    );
  });
});

describe("16 current Electron", () => {
  it("the installed and declared Electron are the major this checklist was reviewed for", () => {
    const installed = JSON.parse(read("node_modules/electron/package.json")) as {
      version: string;
    };
    const declared = (
      JSON.parse(read("package.json")) as { devDependencies: Record<string, string> }
    ).devDependencies.electron!;
    expect(Number(installed.version.split(".")[0])).toBe(ELECTRON_MAJOR_REVIEWED);
    expect(Number(/\d+/.exec(declared)?.[0])).toBe(ELECTRON_MAJOR_REVIEWED);
  });
});

describe("17 the sender of every IPC message", () => {
  const calls: [string, unknown][] = [];
  const service = {
    handlers: new Proxy(
      {},
      {
        get: (_t, channel: string) => (req: unknown) => {
          calls.push([channel, req]);
          return Promise.resolve("answered");
        },
      },
    ),
    onEvent: () => () => undefined,
  } as unknown as WorkstationService;
  const win = { webContents: { send: () => undefined } };
  let unregister: () => void;
  beforeAll(() => {
    unregister = registerIpc(service, () => win as never);
  });
  afterAll(() => unregister());
  const frameEvent = (url: string, parent: unknown = null): IpcMainInvokeEvent =>
    ({ senderFrame: { url, parent } }) as unknown as IpcMainInvokeEvent;

  it("registers every contract channel, each behind the sender check", () => {
    for (const c of CHANNEL_NAMES)
      expect(fake.ipcHandlers.has(`${INVOKE_PREFIX}${c}`), c).toBe(true);
  });
  it("answers the app's top frame and refuses other pages, iframes and a missing frame", async () => {
    const handle = fake.ipcHandlers.get(`${INVOKE_PREFIX}app:info`)!;
    calls.length = 0;
    expect(await handle(frameEvent(APP_URL), {})).toEqual({ ok: true, value: "answered" });
    expect(calls).toEqual([["app:info", {}]]);
    const refusals = [
      ...HOSTILE_URLS.map((u) => frameEvent(u)),
      frameEvent(APP_URL, { url: APP_URL }),
      { senderFrame: null } as unknown as IpcMainInvokeEvent,
    ];
    for (const e of refusals) {
      const r = (await handle(e, {})) as { ok: boolean; error?: { code: string } };
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe("FORBIDDEN");
    }
    expect(calls).toHaveLength(1);
    expect(trustedSender(frameEvent("livercad://app/index.html"))).toBe(true);
  });
  it("opens the folder dialog only for the app's own page", async () => {
    const pick = fake.ipcHandlers.get(PICK_FOLDER_CHANNEL)!;
    fake.dialogs = 0;
    expect(await pick(frameEvent("https://evil.example/"))).toBeNull();
    expect(await pick(frameEvent(APP_URL, {}))).toBeNull();
    expect(fake.dialogs).toBe(0);
    expect(await pick(frameEvent(APP_URL))).toBe("/picked");
    expect(fake.dialogs).toBe(1);
  });
  it("ipcMain is used in ipc.ts only, and only through handle", () => {
    expect(filesWith(/ipcMain\./)).toEqual(["electron/main/ipc.ts"]);
    expect(read("electron/main/ipc.ts")).not.toMatch(/ipcMain\.on\(|ipcMain\.once\(/);
  });
});

describe("19 fuses", () => {
  const yml = read("build/electron-builder.yml");
  const fuses = new Map<string, string>();
  const block = /\nelectronFuses:\n((?: {2}\w+: \w+\n)+)/.exec(yml)?.[1] ?? "";
  for (const line of block.trim().split("\n")) {
    const [k, v] = line.trim().split(": ");
    if (k && v) fuses.set(k, v);
  }
  it("sets every fuse electron-builder knows, explicitly", () => {
    const dts = read("node_modules/app-builder-lib/out/configuration.d.ts");
    const body = /export interface FuseOptionsV1 \{([\s\S]*?)\n\}/.exec(dts)?.[1] ?? "";
    const known = [...body.matchAll(/^\s{4}(\w+)\?: boolean;/gm)]
      .map((m) => m[1]!)
      .filter((k) => k !== "resetAdHocDarwinSignature");
    expect(known.length).toBeGreaterThanOrEqual(8);
    for (const k of known) expect(fuses.has(k), k).toBe(true);
  });
  it("turns off what the app does not use; RunAsNode only while workers are forked", () => {
    expect(Object.fromEntries(fuses)).toEqual({
      runAsNode: "true",
      enableCookieEncryption: "true",
      enableNodeOptionsEnvironmentVariable: "false",
      enableNodeCliInspectArguments: "false",
      enableEmbeddedAsarIntegrityValidation: "true",
      onlyLoadAppFromAsar: "true",
      loadBrowserProcessSpecificV8Snapshot: "false",
      grantFileProtocolExtraPrivileges: "false",
    });
    // The exception's reason: child_process.fork() runs the Electron binary as Node through
    // ELECTRON_RUN_AS_NODE. When no worker is forked any more, this fails: turn the fuse off.
    // (Wherever the workers' RPC lives: any module importing child_process's fork counts.)
    const forking = SOURCES.filter(
      (f) =>
        /import \{[^}]*\bfork\b[^}]*\} from "node:child_process"/.test(f.text) &&
        /\bfork\(/.test(f.text),
    );
    expect(forking.length).toBeGreaterThan(0);
  });
});

describe("20 no Electron API exposed to the page", () => {
  let api: Record<string, unknown>;
  beforeAll(async () => {
    await import("../../electron/preload/preload");
    api = fake.exposed.get("api") as Record<string, unknown>;
  });
  it("exposes one object of plain functions: the contract's channels and three helpers", () => {
    expect([...fake.exposed.keys()]).toEqual(["api"]);
    expect(Object.keys(api).sort()).toEqual(
      [...CHANNEL_NAMES, "onEvent", "pathForFile", "pickFolder"].sort(),
    );
    for (const [k, v] of Object.entries(api)) expect(typeof v, k).toBe("function");
    expect(filesWith(/exposeInMainWorld\(/)).toEqual(["electron/preload/preload.ts"]);
  });
  it("each channel function invokes only its own channel", async () => {
    fake.invoked.length = 0;
    await (api["app:info"] as (r: unknown) => Promise<unknown>)({});
    await (api.pickFolder as () => Promise<unknown>)();
    expect(fake.invoked).toEqual([
      [`${INVOKE_PREFIX}app:info`, {}],
      [PICK_FOLDER_CHANNEL, undefined],
    ]);
  });
  it("event listeners get the event's data, never the IpcRendererEvent (its sender)", () => {
    const got: unknown[] = [];
    const off = (api.onEvent as (l: (e: unknown) => void) => () => void)((e) => got.push(e));
    const ipcEvent = { sender: { send: () => undefined }, senderId: 0 };
    fake.rendererOn.get(EVENT_CHANNEL)!(ipcEvent, { kind: "job" });
    expect(got).toEqual([{ kind: "job" }]);
    off();
    expect(fake.removed).toEqual([EVENT_CHANNEL]);
  });
});
