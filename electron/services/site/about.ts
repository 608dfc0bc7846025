// The About screen's facts (issue 13 §7): the research notice, the data directory and why it is
// the one in use, and each model's intended use quoted from its card (native-models/<id>/
// MODEL_CARD.md), so the screen never says more than the cards do.
import fs from "node:fs";
import path from "node:path";
import { RESEARCH_NOTICE, type AboutInfo, type ModelIntendedUse } from "../../contract/site";
import type { DataPaths } from "../paths";
import { dataLocationOf } from "../paths-location";

/** The text under "## Intended use" up to the next heading, whitespace folded. */
export function intendedUseOf(card: string): string | null {
  const m = /^##\s+Intended use\s*\n([\s\S]*?)(?=^#{1,6}\s|(?![\s\S]))/m.exec(card);
  if (!m) return null;
  return m[1]!.replace(/\s+/g, " ").trim();
}

export function modelsIntendedUse(modelsRoot: string): ModelIntendedUse[] {
  if (!fs.existsSync(modelsRoot)) return [];
  const out: ModelIntendedUse[] = [];
  for (const id of fs.readdirSync(modelsRoot).sort()) {
    const manifest = path.join(modelsRoot, id, "manifest.json");
    const card = path.join(modelsRoot, id, "MODEL_CARD.md");
    if (!fs.existsSync(manifest)) continue;
    let version = "";
    try {
      version = String(
        (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version?: unknown }).version ?? "",
      );
    } catch {
      version = "(unreadable manifest)";
    }
    const use = fs.existsSync(card) ? intendedUseOf(fs.readFileSync(card, "utf8")) : null;
    out.push({
      id,
      version,
      intendedUse: use ?? "(the model card states no intended use: treat as research only)",
    });
  }
  return out;
}

export function aboutInfo(options: {
  paths: DataPaths;
  dbFile?: string | undefined;
  modelsRoot: string;
  version: string;
  actor: string;
}): AboutInfo {
  return {
    notice: RESEARCH_NOTICE,
    version: options.version,
    dataDir: options.paths.root,
    database: options.paths.database,
    dataLocation: dataLocationOf(options.paths.database, options.dbFile),
    modelsRoot: options.modelsRoot,
    models: modelsIntendedUse(options.modelsRoot),
    actor: options.actor,
  };
}
