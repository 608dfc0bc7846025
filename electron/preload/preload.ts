// The preload: exposes exactly the contract's API as `window.api` (STYLE.md 1) and nothing of
// Node or Electron. Sandboxed preloads can require only a few modules, so scripts/build.mjs
// bundles this file (and the contract it imports) into one.
import { contextBridge, ipcRenderer, webUtils } from "electron";
import {
  CHANNEL_NAMES,
  EVENT_CHANNEL,
  INVOKE_PREFIX,
  PICK_FOLDER_CHANNEL,
  type Api,
  type ServiceEvent,
} from "../contract/ipc";

const api: Record<string, unknown> = {
  onEvent(listener: (e: ServiceEvent) => void) {
    const handler = (_: unknown, e: ServiceEvent) => listener(e);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
  pickFolder: () => ipcRenderer.invoke(PICK_FOLDER_CHANNEL) as Promise<string | null>,
  pathForFile: (file: unknown) =>
    webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]),
};
for (const channel of CHANNEL_NAMES) {
  api[channel] = (request: unknown) => ipcRenderer.invoke(`${INVOKE_PREFIX}${channel}`, request);
}

contextBridge.exposeInMainWorld("api", api as Api);
