// Fetches the Electron binary where the network allows it. The project's package.json denies
// electron's own install script (npm allowScripts) because offline it fails the whole install;
// here a failure is reported and the install goes on: the CLI, the services and the web UI work
// without the binary, and `npm start` explains how to get it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log("livercad: ELECTRON_SKIP_BINARY_DOWNLOAD is set: Electron binary not fetched.");
  process.exit(0);
}
let installJs;
try {
  installJs = path.join(path.dirname(require.resolve("electron/package.json")), "install.js");
} catch {
  process.exit(0); // production install without devDependencies
}
if (!existsSync(installJs)) process.exit(0);
const r = spawnSync(process.execPath, [installJs], { stdio: "inherit", timeout: 300_000 });
if (r.status !== 0) {
  console.warn(
    "livercad: the Electron binary could not be downloaded (offline?). The CLI and `npm run dev:web`\n" +
      "work without it; on a networked machine run `node node_modules/electron/install.js` for `npm start`.",
  );
}
