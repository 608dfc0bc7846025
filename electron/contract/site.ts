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
  /** Every user signs in with a local account (issue 13 §6). */
  requireSignIn: boolean;
}
