// The menu as data, without Electron at run time (testable in plain Node): see menu.ts.
import type { MenuItemConstructorOptions } from "electron";

export function menuTemplate(isMac: boolean, devTools: boolean): MenuItemConstructorOptions[] {
  return [
    ...(isMac ? [{ role: "appMenu" as const }] : []),
    { role: "fileMenu" },
    { role: "editMenu" },
    {
      label: "View",
      submenu: [
        { role: "reload" },
        ...(devTools ? [{ role: "toggleDevTools" as const }] : []),
        { type: "separator" },
        { role: "resetZoom" },
        { role: "zoomIn" },
        { role: "zoomOut" },
        { type: "separator" },
        { role: "togglefullscreen" },
      ],
    },
    { role: "windowMenu" },
    {
      role: "help",
      submenu: [
        {
          label:
            "Viewer keys: arrows/wheel slices, PgUp/PgDn study, R reset, O overlays, Esc worklist",
          enabled: false,
        },
      ],
    },
  ];
}
