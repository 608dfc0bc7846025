// The application menu: the standard roles plus the viewer's keys, so that the shortcuts are
// discoverable (and announced by screen readers) rather than only documented.
import { Menu, type MenuItemConstructorOptions } from "electron";

export function buildMenu(isMac: boolean): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: "appMenu" as const }] : []),
    { role: "fileMenu" },
    { role: "editMenu" },
    {
      label: "View",
      submenu: [
        { role: "reload" },
        { role: "toggleDevTools" },
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
  return Menu.buildFromTemplate(template);
}
