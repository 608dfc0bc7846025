// The layers of the code base and which may import which (issue 12 §5). eslint.config.mjs turns
// this file into lint rules (build/eslint-layers.mjs), so an import that crosses a layer the wrong
// way fails `npm run lint`. The model is VS Code's `code-import-patterns`: one table of layers with
// their allowed targets, checked on every import, not a picture that drifts from the code.
//
// A layer:
//   folders    the repository folders it owns (a file belongs to the layer of its longest match)
//   runtime    "pure": no Node built-ins and no Electron (runs in the renderer, a worker, a test);
//              "browser": no Node built-ins (the renderer); "node" / "electron": anything
//   mayImport  the layers whose code it may run; "*" for every layer
//   typesFrom  layers it may name types from (`import type`), without running their code
//   files      single files of other layers it may import, each with why
//   entry      the one file through which other layers import this layer (its public surface)
//
// Read bottom-up: contract is the floor, the processes (main, preload, renderer, cli, bridge) the
// roof. Arrows listed under typesFrom/files are known exceptions, kept few and explained.

/** @typedef {"pure" | "browser" | "node" | "electron"} Runtime */
/**
 * @typedef {object} Layer
 * @property {string} name
 * @property {string[]} folders
 * @property {Runtime} runtime
 * @property {string[] | "*"} mayImport
 * @property {string[]} [typesFrom]
 * @property {{ path: string; why: string }[]} [files]
 * @property {string} [entry]
 */

/** @type {Layer[]} */
export const LAYERS = [
  {
    name: "contract",
    folders: ["electron/contract"],
    runtime: "pure",
    mayImport: [],
    // ipc.ts names the analytics report the Analytics screen receives; the type still lives in
    // evaluation/analytics.ts (moving it is listed as remaining work in the README).
    typesFrom: ["evaluation"],
  },
  { name: "db", folders: ["db"], runtime: "node", mayImport: [] },
  { name: "dicom", folders: ["electron/dicom"], runtime: "node", mayImport: ["contract"] },
  {
    name: "evaluation",
    folders: ["electron/evaluation"],
    runtime: "pure",
    mayImport: ["contract"],
  },
  {
    name: "pipeline",
    folders: ["electron/pipeline"],
    runtime: "pure",
    // dicom/resample.ts: the crop and fuse stages resample volumes with the viewer's sampler.
    mayImport: ["contract", "dicom"],
  },
  { name: "phantom", folders: ["electron/phantom"], runtime: "node", mayImport: ["contract"] },
  {
    name: "report",
    folders: ["electron/report"],
    runtime: "node",
    mayImport: ["contract", "evaluation"],
  },
  {
    // The workers' RPC helper (issue 12 §5): fork/thread, typed calls, timeouts, crashes.
    name: "workers",
    folders: ["electron/workers"],
    runtime: "node",
    mayImport: ["contract"],
  },
  {
    name: "inference",
    folders: ["electron/inference"],
    runtime: "node",
    mayImport: ["contract", "pipeline", "workers"],
  },
  {
    name: "registry",
    folders: ["electron/registry"],
    runtime: "node",
    mayImport: ["contract", "db"],
    // Rows carry the reader's SeriesInfo and the ground-truth file entries as they are parsed.
    typesFrom: ["dicom", "evaluation"],
    // The registry owns its tables' SQL; the rest of the code sees only what index.ts exports.
    entry: "electron/registry/index.ts",
  },
  {
    name: "services",
    folders: ["electron/services"],
    runtime: "node",
    mayImport: [
      "contract",
      "dicom",
      "pipeline",
      "evaluation",
      "inference",
      "registry",
      "report",
      // export/dcm.ts writes with the phantom's DICOM writer; training export reads its truth.
      "phantom",
      "workers",
    ],
  },
  {
    name: "cli",
    folders: ["electron/cli"],
    runtime: "node",
    mayImport: [
      "contract",
      "dicom",
      "pipeline",
      "evaluation",
      "inference",
      "registry",
      "report",
      "phantom",
      "services",
    ],
  },
  {
    name: "bridge",
    folders: ["electron/bridge"],
    runtime: "node",
    mayImport: ["contract", "services"],
  },
  {
    name: "main",
    folders: ["electron/main"],
    runtime: "electron",
    mayImport: ["contract", "services"],
  },
  { name: "preload", folders: ["electron/preload"], runtime: "electron", mayImport: ["contract"] },
  {
    name: "renderer",
    folders: ["renderer"],
    runtime: "browser",
    mayImport: ["contract", "evaluation"],
    files: [
      { path: "electron/bridge/wire.ts", why: "the dev-web transport's value codec (no Node)" },
      {
        path: "electron/report/plots.ts",
        why: "the same Observable Plot figures as the PDF report",
      },
    ],
  },
  { name: "bench", folders: ["bench"], runtime: "node", mayImport: "*" },
  { name: "scripts", folders: ["scripts", "build"], runtime: "node", mayImport: "*" },
  { name: "test", folders: ["test"], runtime: "node", mayImport: "*" },
];

/** Node built-in modules a "pure" or "browser" file may not import (with or without `node:`). */
export const NODE_BUILTINS = [
  "assert",
  "buffer",
  "child_process",
  "cluster",
  "crypto",
  "dgram",
  "dns",
  "events",
  "fs",
  "fs/promises",
  "http",
  "https",
  "module",
  "net",
  "os",
  "path",
  "perf_hooks",
  "process",
  "readline",
  "stream",
  "timers",
  "tls",
  "url",
  "util",
  "v8",
  "vm",
  "worker_threads",
  "zlib",
];
