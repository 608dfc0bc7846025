// Site settings (issue 13): choices a site makes once for every user of the workstation, kept in
// the registry (db/007) so the app and the CLI apply the same ones, each change audited with who
// and when. Every key has a schema and a default; unknown keys and bad values are refused with
// the key's name and what it accepts.
import { z } from "zod";
import { UsageError } from "../contract/errors";
import { INCOMPLETE_POLICIES } from "../contract/quality";
import { OVERDUE_HOURS } from "../contract/site";
import { RETENTION_DAYS } from "../contract/deletion";
import { appendAudit } from "./audit";
import { enabledAdmins } from "./users";
import type { Db } from "./open";

export const SITE_SETTINGS = {
  /** What the analysis does with a series that lacks slices (issue 13 §3): block or warn. */
  incompleteSeries: {
    schema: z.enum(INCOMPLETE_POLICIES),
    default: "block" as (typeof INCOMPLETE_POLICIES)[number],
    help: "block | warn: analyze a series with missing slices (warn, flagged) or not (block)",
  },
  /** Hours a study may wait unreviewed before the worklist flags it overdue (issue 13 §4). */
  overdueHours: {
    schema: z.number().min(OVERDUE_HOURS.min).max(OVERDUE_HOURS.max),
    default: OVERDUE_HOURS.default as number,
    help: `hours (${OVERDUE_HOURS.min}-${OVERDUE_HOURS.max}) a study may wait unreviewed before the worklist flags it overdue`,
  },
  /** Every user signs in with a local account whose role applies (issue 13 §6). */
  requireSignIn: {
    schema: z.boolean(),
    default: false as boolean,
    help: "true | false: every user signs in with a local account (needs an enabled admin account)",
  },
  /** Days after arrival before `livercad retention` deletes a study; 0 = keep forever (issue 13 §7). */
  retentionDays: {
    schema: z.number().int().min(RETENTION_DAYS.min).max(RETENTION_DAYS.max),
    default: RETENTION_DAYS.default as number,
    help: `days (${RETENTION_DAYS.min}-${RETENTION_DAYS.max}, 0 = keep forever) after a study's arrival before livercad retention deletes it`,
  },
  /**
   * The running workstation applies retentionDays itself once a day (issue 13 §7), as
   * `livercad retention` does; off by default, and it deletes nothing while retentionDays is 0.
   */
  retentionInApp: {
    schema: z.boolean(),
    default: false as boolean,
    help: "true | false: the running workstation applies retentionDays once a day (audited)",
  },
} as const;

export type SiteSettingKey = keyof typeof SITE_SETTINGS;
export type SiteSettings = { [K in SiteSettingKey]: z.infer<(typeof SITE_SETTINGS)[K]["schema"]> };

export function isSiteSettingKey(key: string): key is SiteSettingKey {
  return Object.prototype.hasOwnProperty.call(SITE_SETTINGS, key);
}

/** Every setting: the stored value where valid, else the default. */
export function readSiteSettings(db: Db): SiteSettings {
  const rows = db
    .prepare<[], { key: string; value_json: string }>("SELECT key, value_json FROM site_settings")
    .all();
  const out = Object.fromEntries(
    Object.entries(SITE_SETTINGS).map(([k, d]) => [k, d.default]),
  ) as SiteSettings;
  for (const r of rows) {
    if (!isSiteSettingKey(r.key)) continue;
    const parsed = SITE_SETTINGS[r.key].schema.safeParse(JSON.parse(r.value_json));
    if (parsed.success) (out as Record<string, unknown>)[r.key] = parsed.data;
  }
  return out;
}

/** Parses a value given as text (the CLI's key=value) for one key. */
export function parseSiteSetting(key: string, text: string): unknown {
  if (!isSiteSettingKey(key)) {
    throw new UsageError(
      `Unknown site setting "${key}". Known: ${Object.keys(SITE_SETTINGS).join(", ")}.`,
    );
  }
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // plain text such as warn
  }
  const parsed = SITE_SETTINGS[key].schema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(`Site setting ${key}="${text}" refused: ${SITE_SETTINGS[key].help}.`);
  }
  return parsed.data;
}

/** Stores one setting and audits the change (old and new value). */
export function writeSiteSetting(db: Db, key: string, value: unknown, actor: string): SiteSettings {
  if (!isSiteSettingKey(key)) parseSiteSetting(key, "");
  const k = key as SiteSettingKey;
  const parsed = SITE_SETTINGS[k].schema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(
      `Site setting ${key}=${JSON.stringify(value)} refused: ${SITE_SETTINGS[k].help}.`,
    );
  }
  db.transaction(() => {
    // Requiring a sign-in with no admin account would lock every user out of the settings.
    if (k === "requireSignIn" && parsed.data === true && enabledAdmins(db).length === 0) {
      throw new UsageError(
        "Site setting requireSignIn=true refused: add an enabled admin account first (livercad users add NAME --role admin).",
      );
    }
    const before = readSiteSettings(db)[k];
    db.prepare(
      `INSERT INTO site_settings (key, value_json, updated_at, updated_by) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,
         updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    ).run(k, JSON.stringify(parsed.data), new Date().toISOString(), actor);
    appendAudit(db, {
      actor,
      action: "site-setting",
      studyRef: null,
      details: { key: k, from: before, to: parsed.data },
    });
  }).immediate();
  return readSiteSettings(db);
}
