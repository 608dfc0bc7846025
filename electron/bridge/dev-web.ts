// `npm run dev:web`: the workstation in a browser. Opens the registry in the data directory
// (LIVERCAD_HOME or --db FILE), serves the built renderer and the services on the loopback bridge,
// and prints the one address (with this launch's token) that opens it.
import path from "node:path";
import { parseArgs } from "node:util";
import { openWorkstation } from "../services/workstation/index";
import { startBridge } from "./server";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { db: { type: "string" } }, strict: true });
  const workstation = openWorkstation({ dbFile: values.db, transport: "bridge" });
  const { registry, service } = workstation;
  const studies = service.warm();
  const bridge = await startBridge({
    service,
    staticDir: path.join(__dirname, "renderer"),
  });
  console.log(`LiverCAD Workstation (browser bridge) on ${bridge.url}`);
  console.log(`Data directory: ${registry.paths.root} (${studies} studies)`);
  console.log(`Open: ${bridge.pageUrl}`);
  const stop = () => {
    void bridge
      .close()
      .then(() => workstation.close())
      .then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
