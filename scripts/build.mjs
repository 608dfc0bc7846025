// Bundles the TypeScript services for plain Node: the CLI (dist/cli.cjs) and each benchmark
// (bench/<name>.ts -> dist/bench/<name>.cjs). Native modules stay external: they load from
// node_modules at run time. `npm install` runs this through the `prepare` script.
import { build } from "esbuild";
import { readdirSync, existsSync } from "node:fs";

// The WASM codecs locate their .wasm next to their own script, so they must stay in node_modules.
const external = [
  "better-sqlite3",
  "onnxruntime-node",
  "electron",
  "dcmjs",
  // Loads dcmjs-codecs' WASM and dcmjs at run time; the override in package.json dedupes dcmjs.
  "dcmjs-dimse",
  "pngjs",
  "@cornerstonejs/*",
  "jpeg-lossless-decoder-js",
  // Drives Chromium from bench/ui.ts; it locates its own files at run time.
  "playwright-core",
  // Reads its font metrics and ICC profile from its own folder at run time (issue 15's PDFs).
  "pdfkit",
  // Native rasterizer of the evaluation report's figures (issue 16): its .node binary loads at run time.
  "@resvg/resvg-js",
];
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  external,
  logLevel: "warning",
  outExtension: { ".js": ".cjs" },
};

const benches = existsSync("bench")
  ? readdirSync("bench").filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  : [];

// The inference worker is its own entry: the engine forks it as a separate process
// (electron/inference/engine.ts looks for dist/inference-worker.cjs next to the CLI bundle).
await build({
  ...common,
  entryPoints: {
    cli: "electron/cli/main.ts",
    "inference-worker": "electron/inference/worker.ts",
    // Import runs off the main loop (issue 12 §1): services/import/worker-client.ts forks it.
    "import-worker": "electron/services/import/worker.ts",
  },
  outdir: "dist",
});
if (benches.length > 0) {
  await build({
    ...common,
    entryPoints: Object.fromEntries(benches.map((f) => [f.replace(/\.ts$/, ""), `bench/${f}`])),
    outdir: "dist/bench",
  });
}

// The workstation UI: Electron main + bundled preload, the browser bridge, the React renderer.
await import("./build-ui.mjs");
