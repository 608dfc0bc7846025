// The only file that calls ipcMain.handle (STYLE.md 2). Each contract channel is registered once;
// a call from any frame other than the app's own page (policy.ts `trustedSender`, item 17 of
// Electron's security checklist) is refused before its payload is looked at, and the payload
// then goes through the same validating dispatch as the loopback bridge.
import { dialog, ipcMain, type BrowserWindow } from "electron";
import {
  CHANNEL_NAMES,
  EVENT_CHANNEL,
  INVOKE_PREFIX,
  PICK_FOLDER_CHANNEL,
  type Result,
} from "../contract/ipc";
import { dispatch } from "../services/workstation/dispatch";
import type { WorkstationService } from "../services/workstation/service";
import { trustedSender } from "./policy";

const REFUSED: Result<never> = {
  ok: false,
  error: { code: "FORBIDDEN", message: "This call did not come from the workstation's own page." },
};

export function registerIpc(
  service: WorkstationService,
  window: () => BrowserWindow | null,
): () => void {
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(`${INVOKE_PREFIX}${channel}`, (event, payload: unknown) =>
      trustedSender(event) ? dispatch(service.handlers, channel, payload) : REFUSED,
    );
  }
  ipcMain.handle(PICK_FOLDER_CHANNEL, async (event) => {
    const win = window();
    if (!trustedSender(event) || win === null) return null;
    const r = await dialog.showOpenDialog(win, {
      title: "Import DICOM from folder",
      properties: ["openDirectory", "multiSelections"],
    });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  const unsubscribe = service.onEvent((e) => window()?.webContents.send(EVENT_CHANNEL, e));
  return () => {
    unsubscribe();
    for (const channel of CHANNEL_NAMES) ipcMain.removeHandler(`${INVOKE_PREFIX}${channel}`);
    ipcMain.removeHandler(PICK_FOLDER_CHANNEL);
  };
}
