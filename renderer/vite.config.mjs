// Builds the renderer to dist/renderer with relative asset paths, so the same files load from
// file:// in Electron and from the loopback bridge in a browser.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [react()],
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../dist/renderer", import.meta.url)),
    emptyOutDir: true,
    target: "chrome130",
    sourcemap: true,
    // One chunk: the app is opened from disk, and fewer files mean a faster cold start.
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // zod's sources carry esbuild-style @__PURE__ comments Rollup cannot place: harmless.
      onwarn(warning, warn) {
        if (warning.code !== "INVALID_ANNOTATION") warn(warning);
      },
    },
  },
});
