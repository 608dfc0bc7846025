// The Electron main process: one hardened window, the IPC handlers and the app menu. Thin by
// design (STYLE.md layout): every behaviour lives in services/workstation, which also runs under
// plain Node behind the loopback bridge, where the tests exercise it.
import { app, BrowserWindow, Menu } from "electron";
import path from "node:path";
import { openServices } from "../services/compose";
import { appDbFile } from "../services/paths-location";
import { registerIpc } from "./ipc";
import { buildMenu } from "./menu";
import { APP_URL, windowOptions } from "./policy";
import { hardenContents, hardenSession, registerScheme, serveRenderer } from "./security";

let mainWindow: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(windowOptions(path.join(__dirname, "preload.js"), !app.isPackaged));
  hardenContents(win.webContents);
  win.once("ready-to-show", () => win.show());
  void win.loadURL(APP_URL);
  return win;
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on("second-instance", () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  // Item 4 of Electron's security checklist for every renderer, whatever its webPreferences.
  app.enableSandbox();
  registerScheme();
  app.on("web-contents-created", (_e, contents) => hardenContents(contents));
  app.on("session-created", (ses) => hardenSession(ses));
  void app.whenReady().then(() => {
    // LIVERCAD_HOME, else the machine folder for the installed app, else Electron's userData
    // (services/paths-location.ts, issue 13 §7).
    const dbFile = appDbFile({ packaged: app.isPackaged, userData: app.getPath("userData") });
    // The one composition root (services/compose.ts): registry, models, analysis queue, import
    // and volume workers, and the listener network.json enables.
    const services = openServices({ dbFile, workstation: { transport: "ipc" } });
    const { service } = services.workstation;
    hardenSession();
    serveRenderer(path.join(__dirname, "..", "renderer"));
    Menu.setApplicationMenu(buildMenu(process.platform === "darwin", !app.isPackaged));
    const unregister = registerIpc(service, () => mainWindow);
    mainWindow = createWindow();
    mainWindow.on("closed", () => (mainWindow = null));
    // The worklist index (seconds for 100k studies) is built while the window paints its frame.
    setImmediate(() => service.warm());
    app.on("activate", () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
    app.on("will-quit", () => {
      unregister();
      void services.close();
    });
  });
  app.on("window-all-closed", () => {
    if (process.platform !== "darwin") app.quit();
  });
}

main();
