// The site channels of the contract (issue 13 §6-7): About, site settings. Kept beside the
// workstation service, which spreads them into its handler table.
import type { Registry } from "../../registry";
import { readSiteSettings, writeSiteSetting } from "../../registry";
import type { Handlers } from "../workstation/service";
import { aboutInfo } from "./about";

export interface SiteContext {
  registry: Registry;
  actor: () => string;
  version: string;
  modelsRoot: string;
  dbFile?: string | undefined;
}

type SiteChannels = "site:about" | "site:settings" | "site:set";

/** `context` is read at each call (the service's fields exist only after construction). */
export function siteHandlers(context: () => SiteContext): Pick<Handlers, SiteChannels> {
  return {
    "site:about": async () => {
      const ctx = context();
      return aboutInfo({
        paths: ctx.registry.paths,
        dbFile: ctx.dbFile,
        modelsRoot: ctx.modelsRoot,
        version: ctx.version,
        actor: ctx.actor(),
      });
    },
    "site:settings": async () => readSiteSettings(context().registry.db),
    "site:set": async (req) => {
      const ctx = context();
      for (const [key, value] of Object.entries(req)) {
        if (value === undefined) continue;
        writeSiteSetting(ctx.registry.db, key, value, ctx.actor());
      }
      return readSiteSettings(ctx.registry.db);
    },
  };
}
