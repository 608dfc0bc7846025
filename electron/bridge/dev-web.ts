// `npm run dev:web`: the workstation in a browser. Opens the registry in the data directory
// (LIVERCAD_HOME or --db FILE), serves the built renderer and the services on the loopback bridge,
// and prints the one address (with this launch's token) that opens it.
import path from "node:path";
import { parseArgs } from "node:util";
import { openServices } from "../services/compose";
import { startBridge } from "./server";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { db: { type: "string" } }, strict: true });
  const services = openServices({ dbFile: values.db, workstation: { transport: "bridge" } });
  const { service } = services.workstation;
  const studies = service.warm();
  const bridge = await startBridge({
    service,
    staticDir: path.join(__dirname, "renderer"),
  });
  console.log(`LiverCAD Workstation (browser bridge) on ${bridge.url}`);
  console.log(`Data directory: ${services.paths.root} (${studies} studies)`);
  console.log(`Open: ${bridge.pageUrl}`);
  // SIGTERM and SIGINT end the server promptly (issue 12 §1): the bridge and the workstation
  // close (import workers are killed, committed series stay); if closing stalls, or a second
  // signal comes, the process exits anyway after a short grace.
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    setTimeout(() => process.exit(1), 3000).unref();
    void bridge
      .close()
      .then(() => services.close())
      .then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
