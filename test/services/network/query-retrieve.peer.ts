// Run by query-retrieve.test.ts inside a private network namespace (`unshare -n`) next to dcmtk's
// dcmqrscp: opens a workstation whose listener is enabled and whose node "pacs" is the dcmqrscp,
// calls network:query and network:retrieve through the validating dispatcher, follows the
// retrieval through network:status, and prints every answer as one JSON object.
import { readSettings, writeSettings } from "../../../electron/services/network/settings";
import type { NetworkStatusView } from "../../../electron/contract/ipc";
import {
  dispatch as untypedDispatch,
  openWorkstation,
} from "../../../electron/services/workstation/index";
import { checkConsistency } from "../import/helpers";

type Handlers = Parameters<typeof untypedDispatch>[0];
async function status(
  h: Handlers,
): Promise<{ ok: true; value: NetworkStatusView } | { ok: false }> {
  return (await untypedDispatch(h, "network:status", {})) as
    { ok: true; value: NetworkStatusView } | { ok: false };
}
const dispatch = untypedDispatch;

async function main(): Promise<void> {
  const [home, ourPort, qrPort] = process.argv.slice(2) as [string, string, string];
  const settings = readSettings(home);
  writeSettings(home, {
    ...settings,
    local: {
      ...settings.local,
      enabled: true,
      port: Number(ourPort),
      aeTitle: "LIVERCAD",
      quietSeconds: 1,
    },
    nodes: [{ name: "pacs", aeTitle: "DCMQR", host: "127.0.0.1", port: Number(qrPort) }],
  });
  const ws = openWorkstation({ dbFile: `${home}/registry.sqlite`, transport: "bridge" });
  const out: Record<string, unknown> = {};
  try {
    await ws.network;
    const h = ws.service.handlers;
    out.all = await dispatch(h, "network:query", { name: "pacs" });
    out.byId = await dispatch(h, "network:query", { name: "pacs", patientId: "FIX8" });
    out.byName = await dispatch(h, "network:query", {
      name: "pacs",
      patientName: "Test^Fixture7*",
    });
    out.inRange = await dispatch(h, "network:query", {
      name: "pacs",
      dateFrom: "20251201",
      dateTo: "20260201",
    });
    out.outOfRange = await dispatch(h, "network:query", { name: "pacs", dateFrom: "20270101" });
    out.series = await dispatch(h, "network:query", {
      name: "pacs",
      studyInstanceUid: process.argv[5]!,
    });
    out.badRange = await dispatch(h, "network:query", {
      name: "pacs",
      dateFrom: "20260201",
      dateTo: "20260101",
    });
    out.badDate = await dispatch(h, "network:query", { name: "pacs", dateFrom: "2026-01-01" });
    out.unknown = await dispatch(h, "network:query", { name: "ghost" });
    out.badUid = await dispatch(h, "network:retrieve", {
      name: "pacs",
      studyInstanceUids: ["not a uid"],
    });
    const study = process.argv[5]!;
    out.retrieve = await dispatch(h, "network:retrieve", {
      name: "pacs",
      studyInstanceUids: [study, "1.2.3.4.5.6.7"],
    });
    const seen = new Set<string>();
    const deadline = Date.now() + 60_000;
    let last: unknown = null;
    while (Date.now() < deadline) {
      const s = await status(h);
      if (!s.ok) break;
      last = s.value.retrievals;
      for (const r of s.value.retrievals ?? []) seen.add(`${r.studyInstanceUid}:${r.state}`);
      if ((s.value.retrievals ?? []).every((r) => r.state === "done" || r.state === "failed")) {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    out.states = [...seen];
    out.final = last;
    // The arrival window closes (quiet period) and the study is on the worklist like a received one.
    const settle = Date.now() + 60_000;
    while (Date.now() < settle) {
      const s = await status(h);
      if (s.ok && s.value.arrivals.every((a) => a.state === "settled")) {
        out.arrivals = s.value.arrivals;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    out.consistency = checkConsistency(`${home}/registry.sqlite`);
  } finally {
    await ws.close();
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
