// About (issue 13 §7): each shipped model's intended use is quoted from its card, never invented.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RESEARCH_NOTICE } from "../../../electron/contract/site";
import { aboutInfo, intendedUseOf, modelsIntendedUse } from "../../../electron/services/site/about";
import { dataPaths } from "../../../electron/services/paths";
import { REPO_ROOT } from "../../helpers/cli";

describe("About", () => {
  it("quotes the Intended use section of every shipped model card", () => {
    const models = modelsIntendedUse(path.join(REPO_ROOT, "native-models"));
    expect(models.map((m) => m.id)).toEqual([
      "classifier-densenet",
      "detector-dwi",
      "detector-t1-arterial",
      "detector-t1-pre",
      "detector-t1-venous",
      "detector-t2",
    ]);
    for (const m of models) {
      expect(m.intendedUse).toMatch(/not for clinical use/);
      expect(m.version).not.toBe("");
    }
  });

  it("reads the section up to the next heading, and says so when a card has none", () => {
    expect(intendedUseOf("# M\n## Intended use\nResearch\nonly.\n## Training\nx")).toBe(
      "Research only.",
    );
    expect(intendedUseOf("# M\n## Intended use\nLast section.")).toBe("Last section.");
    expect(intendedUseOf("# M\n## Training\nx")).toBeNull();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-about-"));
    fs.mkdirSync(path.join(dir, "m1"));
    fs.writeFileSync(path.join(dir, "m1", "manifest.json"), '{"version":"2"}');
    expect(modelsIntendedUse(dir)).toEqual([
      {
        id: "m1",
        version: "2",
        intendedUse: "(the model card states no intended use: treat as research only)",
      },
    ]);
    const info = aboutInfo({
      paths: dataPaths(path.join(dir, "registry.sqlite")),
      dbFile: path.join(dir, "registry.sqlite"),
      modelsRoot: dir,
      version: "0.1.0",
      actor: "nurse1",
    });
    expect(info.notice).toBe(RESEARCH_NOTICE);
    expect(info.dataLocation).toBe("--db");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
