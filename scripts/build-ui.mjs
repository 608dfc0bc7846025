// Builds the workstation UI (issue 6): the Electron main process (dist/electron/main.js), its
// preload bundled into one file as sandboxed preloads require (dist/electron/preload.js), the
// browser bridge for `npm run dev:web` (dist/dev-web.cjs) and the React renderer (dist/renderer,
// Vite). Called from scripts/build.mjs.
import { build } from "esbuild";
import { build as viteBuild } from "vite";
import fs from "node:fs";
import path from "node:path";

const node = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  logLevel: "warning",
  external: [
    "electron",
    "better-sqlite3",
    "onnxruntime-node",
    "dcmjs",
    "dcmjs-dimse",
    "pngjs",
    "@cornerstonejs/*",
    "jpeg-lossless-decoder-js",
    // The evaluation report's PNG rasterizer (issue 16): a native .node binary.
    "@resvg/resvg-js",
    // Reads its font metrics and ICC profile from its own folder at run time (issue 15's PDFs,
    // reached from the export dialog's handlers).
    "pdfkit",
  ],
};

await Promise.all([
  build({ ...node, entryPoints: { main: "electron/main/main.ts" }, outdir: "dist/electron" }),
  // Everything but electron inlined: a sandboxed preload cannot require project files.
  build({
    ...node,
    external: ["electron"],
    target: "chrome130",
    minify: true,
    entryPoints: { preload: "electron/preload/preload.ts" },
    outdir: "dist/electron",
  }),
  // The viewer's volume decoder runs in worker threads (electron/services/workstation/volume-pool).
  build({
    ...node,
    entryPoints: { "volume-worker": "electron/services/workstation/volume-worker.ts" },
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
  }),
  build({
    ...node,
    entryPoints: { "dev-web": "electron/bridge/dev-web.ts" },
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
  }),
]);
// Built beside and swapped in, so a page served from dist/renderer (dev:web, a running e2e test)
// never sees a half-emptied folder while another build runs.
const tmp = path.resolve(`dist/.renderer-${process.pid}`);
await viteBuild({ configFile: "renderer/vite.config.mjs", build: { outDir: tmp } });
fs.rmSync("dist/renderer", { recursive: true, force: true });
fs.renameSync(tmp, "dist/renderer");
