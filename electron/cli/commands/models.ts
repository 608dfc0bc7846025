// `livercad models add DIR | list` (issue 12 §4): adding a site model is an explicit, audited
// admin action; list shows the shipped (pinned) models and every added one with their hashes.
import path from "node:path";
import { UsageError } from "../../contract/errors";
import { defaultModelsRoot } from "../../services/analysis";
import { addSiteModels, listModels } from "../../services/models/site-models";
import { openServices } from "../../services/compose";
import { cliAccess } from "../../services/users/cli-access";
import { stringOption, type Command } from "../command";

const files = (f: Record<string, string>): string =>
  Object.entries(f)
    .map(([p, sha]) => `${p}:${sha}`)
    .join(",");

export const modelsCommand: Command = {
  name: "models",
  summary: "Add a site model folder (admin, audited) or list shipped and added models.",
  usage: "add DIR | list [--db FILE]",
  help: [
    "  add DIR   DIR is a model folder (manifest.json + ONNX files) or a folder of them. Checks the",
    "            manifest, every file's sha256 and the graphs' input/output names, types and shapes;",
    "            refuses a model with a shipped model's id. Needs the admin role when the site",
    "            requires a sign-in. A model that is not shipped loads (--models, LIVERCAD_MODELS)",
    "            only when its files match an added one.",
    "  list      shipped models (hashes pinned in the app) and added ones, one key=value line each",
  ].join("\n"),
  options: { db: { type: "string" } },
  allowPositionals: true,
  async run(args) {
    const [sub, dir] = args.positionals;
    if (sub !== "add" && sub !== "list") {
      throw new UsageError("livercad models: give add DIR or list.");
    }
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      if (sub === "list") {
        cliAccess(registry.db);
        for (const m of listModels(registry.db, defaultModelsRoot())) {
          const added =
            m.source === "added"
              ? ` added_by=${m.addedBy} added_at=${m.addedAt} folder=${m.folder}`
              : "";
          console.log(
            `source=${m.source} id=${m.modelId} version=${m.version} task=${m.task}${added} files=${files(m.files)}`,
          );
        }
        return 0;
      }
      if (!dir) throw new UsageError("livercad models add: give the model folder.");
      const actor = cliAccess(registry.db, "manage-models", "models add").actor();
      const results = await addSiteModels(registry.db, path.resolve(dir), actor);
      for (const r of results) {
        console.log(
          `${r.added ? "added" : "already added"} id=${r.modelId} version=${r.version} task=${r.task} files=${files(r.files)}`,
        );
      }
      return 0;
    } finally {
      await services.close();
    }
  },
};
