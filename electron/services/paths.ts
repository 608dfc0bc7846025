// Where the workstation keeps its data: the registry database and the managed DICOM store.
// The CLI and the Electron app share one data directory, the folder Electron calls `userData`
// (appData/<productName>), unless LIVERCAD_HOME or --db overrides it.
import os from "node:os";
import path from "node:path";
import type { DataPaths } from "../registry";
import { machineDataDir } from "./paths-location";

export const PRODUCT_NAME = "LiverCAD Workstation";

/** Electron's `app.getPath("appData")` computed without Electron. */
function appDataDir(): string {
  switch (process.platform) {
    case "win32":
      return process.env.APPDATA ?? path.join(os.homedir(), "AppData", "Roaming");
    case "darwin":
      return path.join(os.homedir(), "Library", "Application Support");
    default:
      return process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), ".config");
  }
}

export function defaultDataDir(): string {
  const override = process.env.LIVERCAD_HOME;
  if (override && override.length > 0) return path.resolve(override);
  // A shared workstation (issue 13 §7): the CLI uses the machine folder the app uses.
  if (process.env.LIVERCAD_DATA_LOCATION === "machine") return machineDataDir();
  return path.join(appDataDir(), PRODUCT_NAME);
}

export type { DataPaths } from "../registry";

/** `dbFile` (from --db) picks the database file; the store sits beside it. */
export function dataPaths(dbFile?: string): DataPaths {
  if (dbFile) {
    const database = path.resolve(dbFile);
    const root = path.dirname(database);
    return { root, database, store: path.join(root, "store") };
  }
  const root = defaultDataDir();
  return { root, database: path.join(root, "registry.sqlite"), store: path.join(root, "store") };
}
