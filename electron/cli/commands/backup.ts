// `livercad backup` / `livercad restore` (issue 13 §7): see services/site/backup.ts.
import os from "node:os";
import { UsageError } from "../../contract/errors";
import { dataPaths } from "../../services/paths";
import { openServices } from "../../services/compose";
import { backupDataDir, restoreDataDir } from "../../services/site/backup";
import { stringOption, type Command } from "../command";

function osUser(): string {
  try {
    return os.userInfo().username || "cli";
  } catch {
    return "cli";
  }
}

export const backupCommand: Command = {
  name: "backup",
  summary: "Back up the registry (SQLite online backup, integrity-checked) and the DICOM store.",
  usage: "--out DIR [--db FILE]",
  help: [
    "Options:",
    "  --out DIR   a new or empty folder; receives registry.sqlite and store/",
    "  --db FILE   registry database (default: the data directory's registry.sqlite)",
    "The app may keep running: the online backup copies a consistent snapshot.",
  ].join("\n"),
  options: { db: { type: "string" }, out: { type: "string" } },
  async run(args) {
    const out = stringOption(args, "out");
    if (!out) throw new UsageError("--out DIR is required (a new or empty folder).");
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      const r = await backupDataDir(registry, out, osUser());
      console.log(`backup=${r.dir}`);
      console.log(`studies=${r.studies}`);
      console.log(`store_files=${r.storeFiles}`);
      console.log(`integrity_check=${r.integrity}`);
      return 0;
    } finally {
      await services.close();
    }
  },
};

export const restoreCommand: Command = {
  name: "restore",
  summary: "Restore a backup made by `livercad backup` into the data directory.",
  usage: "--from DIR [--db FILE] [--force]",
  help: [
    "Options:",
    "  --from DIR  the backup folder (registry.sqlite + store/), checked before anything is copied",
    "  --db FILE   registry database to restore into (default: the data directory's)",
    "  --force     replace an existing registry (close the app first)",
  ].join("\n"),
  options: { db: { type: "string" }, from: { type: "string" }, force: { type: "boolean" } },
  async run(args) {
    const from = stringOption(args, "from");
    if (!from) throw new UsageError("--from DIR is required (a folder made by livercad backup).");
    const r = restoreDataDir(
      from,
      dataPaths(stringOption(args, "db")),
      osUser(),
      args.values.force === true,
    );
    console.log(`restored_from=${r.dir}`);
    console.log(`studies=${r.studies}`);
    console.log(`store_files=${r.storeFiles}`);
    console.log(`integrity_check=${r.integrity}`);
    return 0;
  },
};
