// The layer rules of build/architecture.mjs, run through the project's own eslint.config.mjs on
// files that exist only in memory (lintText), so a forbidden arrow is shown to fail lint.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const REPO = path.resolve(__dirname, "../..");

interface Layer {
  name: string;
  folders: string[];
  mayImport: string[] | "*";
}

let eslint: ESLint;
let LAYERS: Layer[];

beforeAll(async () => {
  eslint = new ESLint({ cwd: REPO });
  // A variable specifier: the .mjs is loaded at run time, not typed by tsc.
  const architecture = pathToFileURL(path.join(REPO, "build/architecture.mjs")).href;
  ({ LAYERS } = (await import(architecture)) as { LAYERS: Layer[] });
});

/** Lint messages of the layer and runtime rules for `code` as if it were the file `rel`. */
async function layerMessages(rel: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO, rel) });
  return result!.messages
    .filter((m) => m.ruleId === "layers/import-patterns" || m.ruleId === "no-restricted-imports")
    .map((m) => m.message);
}

describe("layer rules generated from build/architecture.mjs", () => {
  it("refuses the renderer importing electron/dicom (the arrow GridTransform used to draw)", async () => {
    const messages = await layerMessages(
      "renderer/viewer/probe.ts",
      'import { resampleSlice } from "../../electron/dicom/resample";\nexport const f = resampleSlice;\n',
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('layer "renderer" may not import layer "dicom"');
    expect(messages[0]).toContain("renderer/viewer/probe.ts -> electron/dicom/resample");
  });

  it("allows the renderer its contract, evaluation and the two listed files", async () => {
    const code = [
      'import { GridTransform } from "../../electron/contract/geometry";',
      'import { decodeWire } from "../../electron/bridge/wire";',
      'import { allFigures } from "../../electron/report/plots";',
      'import { TABLE3_LABELS } from "../../electron/evaluation/analytics";',
      "export const all = [GridTransform, decodeWire, allFigures, TABLE3_LABELS];",
      "",
    ].join("\n");
    expect(await layerMessages("renderer/viewer/probe.ts", code)).toEqual([]);
  });

  it("refuses the registry importing a service (the arrow registry/open.ts had)", async () => {
    const messages = await layerMessages(
      "electron/registry/probe.ts",
      'import { dataPaths } from "../services/paths";\nexport const f = dataPaths;\n',
    );
    expect(messages).toEqual([
      'layer "registry" may not import layer "services": electron/registry/probe.ts -> electron/services/paths (build/architecture.mjs)',
    ]);
  });

  it("lets other layers reach the registry only through registry/index.ts", async () => {
    const direct =
      'import { claimNextJob } from "../../registry/jobs";\nexport const f = claimNextJob;\n';
    const messages = await layerMessages("electron/services/probe/x.ts", direct);
    expect(messages).toEqual([
      'layer "services" imports layer "registry" only through electron/registry/index.ts: electron/services/probe/x.ts -> electron/registry/jobs (build/architecture.mjs)',
    ]);
    const entry =
      'import { claimNextJob } from "../../registry";\nexport const f = claimNextJob;\n';
    expect(await layerMessages("electron/services/probe/x.ts", entry)).toEqual([]);
    // Inside the registry its files import each other freely.
    const inside = 'import { claimNextJob } from "./jobs";\nexport const f = claimNextJob;\n';
    expect(await layerMessages("electron/registry/probe.ts", inside)).toEqual([]);
  });

  it("tells a type-only allowance from a value import", async () => {
    const typeOnly =
      'import type { SeriesInfo } from "../dicom/instance";\nexport type T = SeriesInfo;\n';
    expect(await layerMessages("electron/registry/probe.ts", typeOnly)).toEqual([]);
    const value =
      'import { parseInstance } from "../dicom/instance";\nexport const f = parseInstance;\n';
    const messages = await layerMessages("electron/registry/probe.ts", value);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("(only `import type` is allowed)");
  });

  it("resolves paths: services/evaluation is not the evaluation layer", async () => {
    // From services/, "../evaluation/handlers" is services' own folder: no arrow at all.
    const own =
      'import { evaluationHandlers } from "../evaluation/handlers";\nexport const f = evaluationHandlers;\n';
    expect(await layerMessages("electron/services/probe/x.ts", own)).toEqual([]);
    // The pipeline may not reach up into services, however the path is spelt.
    const up = 'export { runAnalysis } from "../services/../services/analysis/service";\n';
    const messages = await layerMessages("electron/pipeline/probe.ts", up);
    expect(messages[0]).toContain('layer "pipeline" may not import layer "services"');
  });

  it("checks dynamic imports, import() types and require()", async () => {
    const code = [
      'export type T = import("../electron/registry/open").Db;',
      'export const m = () => import("../electron/registry/open");',
      "",
    ].join("\n");
    const messages = await layerMessages("renderer/probe.ts", code);
    expect(messages).toHaveLength(2);
    const cjs = 'const r = require("../inference/engine");\nexport default r;\n';
    const fromDicom = await layerMessages("electron/dicom/probe.ts", cjs);
    expect(fromDicom[0]).toContain('layer "dicom" may not import layer "inference"');
  });

  it("refuses Node built-ins in pure and browser layers, Electron in pure ones", async () => {
    const fsImport = 'import fs from "node:fs";\nexport const f = fs;\n';
    expect(await layerMessages("electron/contract/probe.ts", fsImport)).toHaveLength(1);
    expect(await layerMessages("electron/evaluation/probe.ts", fsImport)).toHaveLength(1);
    expect(await layerMessages("renderer/probe.tsx", fsImport)).toHaveLength(1);
    expect(await layerMessages("electron/dicom/probe.ts", fsImport)).toEqual([]);
    const bare = 'import path from "path";\nexport const f = path;\n';
    expect((await layerMessages("electron/pipeline/probe.ts", bare))[0]).toContain(
      'layer "pipeline" is pure',
    );
    const electron = 'import { app } from "electron";\nexport const f = app;\n';
    expect(await layerMessages("electron/contract/probe.ts", electron)).toHaveLength(1);
    expect(await layerMessages("renderer/probe.ts", electron)).toEqual([]);
    // A project file that happens to be called like a built-in is not a built-in.
    const local = 'import { x } from "./path";\nexport const f = x;\n';
    expect(await layerMessages("electron/contract/probe.ts", local)).toEqual([]);
  });

  it("gives every source file a layer, and every layer folder exists", () => {
    const owned = (rel: string) =>
      LAYERS.some((l) => l.folders.some((f) => rel === f || rel.startsWith(f + "/")));
    for (const layer of LAYERS) {
      for (const folder of layer.folders) expect(fs.existsSync(path.join(REPO, folder))).toBe(true);
      if (layer.mayImport !== "*") {
        for (const target of layer.mayImport) {
          expect(LAYERS.map((l) => l.name)).toContain(target);
        }
      }
    }
    const orphans: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else if (/\.(ts|tsx)$/.test(e.name) && !owned(rel)) orphans.push(rel);
      }
    };
    for (const top of ["electron", "renderer", "db", "bench"]) walk(top);
    expect(orphans).toEqual([]);
  });
});
