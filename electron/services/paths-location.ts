// Where the data directory lives for a site (issue 13 §7). Per machine: every user of the
// workstation shares one worklist (the default for the installed app when site IT has created
// the folder); per user: each account has its own (Electron's userData, the CLI's default).
//   LIVERCAD_HOME=DIR                 this folder, for the app and the CLI
//   LIVERCAD_DATA_LOCATION=machine    the machine folder below (the CLI on a shared workstation)
//   LIVERCAD_DATA_LOCATION=user       the per-user folder, even for the installed app
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AboutInfo } from "../contract/site";

const PRODUCT_NAME = "LiverCAD Workstation";

/** The machine-wide data folder of each platform (the OS's place for shared application data). */
export function machineDataDir(): string {
  switch (process.platform) {
    case "win32":
      return path.join(process.env.PROGRAMDATA ?? "C:\\ProgramData", PRODUCT_NAME);
    case "darwin":
      return path.join("/Library/Application Support", PRODUCT_NAME);
    default:
      return "/var/lib/livercad-workstation";
  }
}

function writableDir(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The installed app's registry file: the machine folder when the app is packaged (or
 * LIVERCAD_DATA_LOCATION=machine) and site IT created it writable for the app's users, else the
 * per-user folder. undefined when LIVERCAD_HOME decides.
 */
export function appDbFile(options: { packaged: boolean; userData: string }): string | undefined {
  if (process.env.LIVERCAD_HOME) return undefined;
  const want = process.env.LIVERCAD_DATA_LOCATION;
  const machine = machineDataDir();
  if (want !== "user" && (options.packaged || want === "machine") && writableDir(machine)) {
    return path.join(machine, "registry.sqlite");
  }
  return path.join(options.userData, "registry.sqlite");
}

/** Why the registry at `database` is the one in use, for the About screen. */
export function dataLocationOf(database: string, dbFile?: string): AboutInfo["dataLocation"] {
  const dir = path.dirname(path.resolve(database));
  if (dir === path.resolve(machineDataDir())) return "per-machine";
  if (dbFile === undefined && process.env.LIVERCAD_HOME) return "LIVERCAD_HOME";
  const home = os.homedir();
  if (dbFile !== undefined && !dir.startsWith(home)) return "--db";
  return dbFile === undefined || dir.includes(PRODUCT_NAME) ? "per-user" : "--db";
}
