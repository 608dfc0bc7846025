// Site-level views (issue 13 §6-7): the About screen's facts and the site settings as the screens
// see them. No Node and no DOM (STYLE.md 7).

/** Shown in the title bar, the footer and the About screen (issue 13 §7). */
export const RESEARCH_NOTICE = "Research and demonstration software, not for clinical use";

export interface ModelIntendedUse {
  id: string;
  version: string;
  /** The "Intended use" section of the model's MODEL_CARD.md, as written there. */
  intendedUse: string;
}

export interface AboutInfo {
  notice: string;
  version: string;
  /** The data directory (registry + store) and why it is the one in use. */
  dataDir: string;
  database: string;
  dataLocation: "per-machine" | "per-user" | "LIVERCAD_HOME" | "--db";
  modelsRoot: string;
  models: ModelIntendedUse[];
  /** Who is signed in (the OS user unless the site requires a sign-in). */
  actor: string;
}

export interface SiteSettingsView {
  incompleteSeries: "block" | "warn";
  /** Hours a study may wait unreviewed before the worklist flags it overdue (issue 13 §4). */
  overdueHours: number;
  /** Every user signs in with a local account (issue 13 §6). */
  requireSignIn: boolean;
  /** Days after arrival before `livercad retention` deletes a study; 0 = keep forever (§7). */
  retentionDays: number;
  /** The running workstation applies retentionDays once a day, as `livercad retention` (§7). */
  retentionInApp: boolean;
}

/**
 * The overdue limit's default and bounds (issue 13 §4): a day is the usual reporting target for
 * routine MRI; at most 30 days, at least one hour.
 */
export const OVERDUE_HOURS = { default: 24, min: 1, max: 720 } as const;
