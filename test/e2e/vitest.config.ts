import { defineConfig } from "vitest/config";

// End-to-end tests: Debian's Chromium (and Electron, where its binary is installed) against the
// real services on an imported phantom cohort. One file at a time: they share two cores.
export default defineConfig({
  test: {
    root: ".",
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
