// Run by cancel.test.ts inside a private network namespace (`unshare -n`) next to dcmtk's dcmqrscp
// (AE DCMQR) holding one large study: cancels retrievals mid-transfer and prints what happened as
// one JSON object (RESULT {...}). Cases:
//  - `livercad retrieve` by C-MOVE, SIGINT once a few instances are filed;
//  - `livercad retrieve` by C-GET, SIGTERM likewise;
//  - the app: network:retrieve of the large study and a second one, the second cancelled while
//    queued, the first through network:cancel-retrieval while running;
//  - a slow peer that ignores C-CANCEL (test/e2e/fake-pacs.ts): the CLI aborts the association.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { NetworkStatusView, RetrievalView } from "../../../electron/contract/ipc";
import { readSettings, writeSettings } from "../../../electron/services/network/settings";
import {
  dispatch as untypedDispatch,
  openWorkstation,
} from "../../../electron/services/workstation/index";
import { startFakePacs } from "../../e2e/fake-pacs";
import { CLI } from "../../helpers/cli";
import { checkConsistency, type Consistency } from "../import/helpers";

type Handlers = Parameters<typeof untypedDispatch>[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rows in a data directory's registry, 0 while it does not exist yet (read-only, WAL). */
function rows(home: string): number {
  const file = path.join(home, "registry.sqlite");
  if (!fs.existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM instances").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // created but not migrated yet
  }
}

/** The store's files: *.dcm filed, and any *.tmp a half-written instance would leave. */
function storeFiles(home: string): { dcm: number; tmp: number } {
  const root = path.join(home, "store");
  if (!fs.existsSync(root)) return { dcm: 0, tmp: 0 };
  const names = fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
  return {
    dcm: names.filter((n) => n.endsWith(".dcm")).length,
    tmp: names.filter((n) => n.endsWith(".tmp")).length,
  };
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  rowsAtSignal: number;
  consistency: Consistency;
  files: { dcm: number; tmp: number };
  ms: number;
}

/** Runs `livercad retrieve ...` and sends `signal` once `after` instances are in its registry. */
async function retrieveThenSignal(
  home: string,
  args: string[],
  after: number,
  signal: NodeJS.Signals,
): Promise<CliRun> {
  fs.mkdirSync(home, { recursive: true });
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, "retrieve", ...args], {
    env: { ...process.env, LIVERCAD_HOME: home },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  let done = false;
  void exited.then(() => (done = true));
  let rowsAtSignal = -1;
  const deadline = Date.now() + 120_000;
  while (!done && Date.now() < deadline) {
    const n = rows(home);
    if (n >= after) {
      rowsAtSignal = n;
      child.kill(signal);
      break;
    }
    await sleep(20);
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const code = await exited;
  clearTimeout(timer);
  return {
    code,
    stdout,
    stderr,
    rowsAtSignal,
    consistency: checkConsistency(path.join(home, "registry.sqlite")),
    files: storeFiles(home),
    ms: Date.now() - started,
  };
}

async function status(h: Handlers): Promise<NetworkStatusView | null> {
  const a = (await untypedDispatch(h, "network:status", {})) as
    { ok: true; value: NetworkStatusView } | { ok: false };
  return a.ok ? a.value : null;
}

async function appCase(
  home: string,
  ourPort: number,
  qrPort: number,
  big: string,
  small: string,
  method: "move" | "get",
): Promise<Record<string, unknown>> {
  fs.mkdirSync(home, { recursive: true });
  const settings = readSettings(home);
  writeSettings(home, {
    ...settings,
    local: {
      ...settings.local,
      enabled: true,
      port: ourPort,
      aeTitle: "LIVERCAD",
      quietSeconds: 1,
      autoAnalyze: false,
    },
    nodes: [{ name: "pacs", aeTitle: "DCMQR", host: "127.0.0.1", port: qrPort, retrieve: method }],
  });
  const ws = openWorkstation({ dbFile: `${home}/registry.sqlite`, transport: "bridge" });
  const out: Record<string, unknown> = {};
  try {
    await ws.network;
    const h = ws.service.handlers;
    const started = (await untypedDispatch(h, "network:retrieve", {
      name: "pacs",
      studyInstanceUids: [big, small],
    })) as { ok: true; value: RetrievalView[] } | { ok: false };
    if (!started.ok) return { started };
    const [first, second] = started.value as [RetrievalView, RetrievalView];
    out.queuedCancel = await untypedDispatch(h, "network:cancel-retrieval", { id: second.id });
    out.unknownCancel = await untypedDispatch(h, "network:cancel-retrieval", { id: 99999 });
    out.badCancel = await untypedDispatch(h, "network:cancel-retrieval", { id: -1 });
    // Cancel the large study once some instances have come (its pending counts say so).
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const s = await status(h);
      const v = s?.retrievals?.find((r) => r.id === first.id);
      if (!v || v.state === "done" || v.state === "failed") break;
      if (v.completed >= 5) {
        out.progressAtCancel = v.completed;
        out.cancel = await untypedDispatch(h, "network:cancel-retrieval", { id: first.id });
        break;
      }
      await sleep(20);
    }
    const states = new Set<string>();
    let views: RetrievalView[] = [];
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      const s = await status(h);
      views = (s?.retrievals ?? []).filter((r) => r.id === first.id || r.id === second.id);
      for (const v of views) states.add(`${v.id === first.id ? "big" : "small"}:${v.state}`);
      if (views.every((v) => !["queued", "running", "cancelling"].includes(v.state))) break;
      await sleep(50);
    }
    out.states = [...states];
    out.final = views;
    out.cancelAgain = await untypedDispatch(h, "network:cancel-retrieval", { id: first.id });
    // The arrival window of what came still settles: the instances are imported, not half there.
    const settle = Date.now() + 30_000;
    while (Date.now() < settle) {
      const s = await status(h);
      if (s && s.arrivals.every((a) => a.state === "settled")) {
        out.arrivals = s.arrivals;
        break;
      }
      await sleep(200);
    }
  } finally {
    await ws.close();
  }
  out.consistency = checkConsistency(path.join(home, "registry.sqlite"));
  out.files = storeFiles(home);
  return out;
}

async function main(): Promise<void> {
  const [root, ourPortArg, qrPortArg, big, small, smallFile] = process.argv.slice(2) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const ourPort = Number(ourPortArg);
  const qrPort = Number(qrPortArg);
  const node = `DCMQR@127.0.0.1:${qrPort}`;
  const out: Record<string, unknown> = {};

  out.cliMove = await retrieveThenSignal(
    path.join(root, "cli-move"),
    [node, big, "--method", "move", "--port", String(ourPort), "--aet", "LIVERCAD", "--no-analyze"],
    5,
    "SIGINT",
  );
  out.cliGet = await retrieveThenSignal(
    path.join(root, "cli-get"),
    [node, big, small, "--method", "get", "--aet", "LIVERCAD", "--no-analyze"],
    5,
    "SIGTERM",
  );
  out.appMove = await appCase(path.join(root, "app-move"), ourPort, qrPort, big, small, "move");
  out.appGet = await appCase(path.join(root, "app-get"), ourPort, qrPort, big, small, "get");

  // A slow peer that ignores C-CANCEL: the CLI waits --cancel-seconds, then aborts.
  const deaf = await startFakePacs({
    aeTitle: "DEAF",
    study: {
      studyInstanceUid: small,
      patientName: "Deaf^Peer",
      patientId: "DEAF1",
      studyDate: "20260101",
      accessionNumber: "",
      description: "",
      files: Array.from({ length: 40 }, () => smallFile),
      series: [],
    },
    destinations: { LIVERCAD: { host: "127.0.0.1", port: ourPort + 10 } },
    subOperationMs: 100,
    ignoreCancel: true,
  });
  try {
    out.cliDeaf = await retrieveThenSignal(
      path.join(root, "cli-deaf"),
      [
        `DEAF@127.0.0.1:${deaf.port}`,
        small,
        "--method",
        "move",
        "--port",
        String(ourPort + 10),
        "--aet",
        "LIVERCAD",
        "--no-analyze",
        "--cancel-seconds",
        "2",
      ],
      1,
      "SIGINT",
    );
    await sleep(300);
    out.deafSeen = { ...deaf.seen };
  } finally {
    await deaf.close();
  }
  console.log(`RESULT ${JSON.stringify(out)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
