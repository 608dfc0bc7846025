// The application menu: the standard roles plus the viewer's keys, so that the shortcuts are
// discoverable (and announced by screen readers) rather than only documented.
import { Menu } from "electron";
import { menuTemplate } from "./menu-template";

/** DevTools only in development builds (issue 12 §4): a packaged app has no inspector menu. */
export function buildMenu(isMac: boolean, devTools = false): Menu {
  return Menu.buildFromTemplate(menuTemplate(isMac, devTools));
}
