// `livercad settings`: the site settings every user of this workstation shares (issue 13), kept in
// the registry so the app and the CLI apply the same ones. Prints key=value lines; `key=value`
// arguments change settings, each change audited with the OS user.
import os from "node:os";
import { UsageError } from "../../contract/errors";
import {
  parseSiteSetting,
  readSiteSettings,
  SITE_SETTINGS,
  writeSiteSetting,
} from "../../registry";
import { openServices } from "../../services/compose";
import { stringOption, type Command } from "../command";
import { cliAccess } from "../../services/users/cli-access";

function osUser(): string {
  try {
    return os.userInfo().username || "cli";
  } catch {
    return "cli";
  }
}

export const settingsCommand: Command = {
  name: "settings",
  summary: "Show or change the site settings (key=value).",
  usage: "[key=value ...] [--db FILE]",
  help: [
    "Settings:",
    ...Object.entries(SITE_SETTINGS).map(([k, d]) => `  ${k.padEnd(18)} ${d.help}`),
    "Options:",
    "  --db FILE   registry database (default: the data directory's registry.sqlite)",
    "Every change is written to the audit log with the OS user and the old and new value.",
  ].join("\n"),
  options: { db: { type: "string" } },
  allowPositionals: true,
  async run(args) {
    // Parse every argument before writing any, so one bad value changes nothing.
    const changes = args.positionals.map((arg) => {
      const eq = arg.indexOf("=");
      if (eq <= 0)
        throw new UsageError(`"${arg}" is not key=value (for example incompleteSeries=warn).`);
      const key = arg.slice(0, eq);
      return { key, value: parseSiteSetting(key, arg.slice(eq + 1)) };
    });
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      // Reading is open to every user; a change needs the admin role when sign-in is required.
      const access = cliAccess(
        registry.db,
        changes.length > 0 ? "change-site-settings" : undefined,
        "settings",
      );
      const actor = access.signInRequired() ? access.actor() : osUser();
      for (const c of changes) writeSiteSetting(registry.db, c.key, c.value, actor);
      const settings = readSiteSettings(registry.db);
      for (const [k, v] of Object.entries(settings)) console.log(`${k}=${String(v)}`);
      return 0;
    } finally {
      await services.close();
    }
  },
};
