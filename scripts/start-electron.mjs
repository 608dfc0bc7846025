// `npm start`: builds the app and opens it in Electron. The electron package resolves its binary
// from node_modules/electron/path.txt; where it was installed with ELECTRON_SKIP_BINARY_DOWNLOAD
// there is none, and this says so instead of failing obscurely. `npm run dev:web` opens the same
// app in a browser through the loopback bridge.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    return require("electron");
  } catch (err) {
    console.error(
      "No Electron binary is installed (it was skipped at install time, or the download failed).\n" +
        "Install it on a networked machine with `npm install` (without ELECTRON_SKIP_BINARY_DOWNLOAD),\n" +
        "or use `npm run dev:web` to open the workstation in a browser.\n" +
        `(${err instanceof Error ? err.message.split("\n")[0] : err})`,
    );
    process.exit(1);
  }
}

const binary = electronBinary();
const built = spawnSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
if (built.status !== 0) process.exit(built.status ?? 1);
const child = spawn(binary, [".", ...process.argv.slice(2)], { stdio: "inherit" });
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
