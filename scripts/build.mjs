// Bundles the TypeScript services for plain Node (the CLI, workers) and for Electron's main process.
// Native modules stay external: they load from node_modules at run time.
import { build } from "esbuild";

const external = ["better-sqlite3", "onnxruntime-node", "electron", "dcmjs", "pngjs"];
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  external,
  logLevel: "warning",
};

await build({
  ...common,
  entryPoints: { cli: "electron/cli/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
});
