// Run by query-retrieve.test.ts inside a private network namespace (`unshare -n`) next to dcmtk's
// dcmqrscp: opens a workstation whose listener is enabled and whose node "pacs" is the dcmqrscp,
// calls network:query and network:retrieve through the validating dispatcher, follows the
// retrieval through network:status, and prints every answer as one JSON object.
import fs from "node:fs";
import path from "node:path";
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

    // Round 6: the settings editor switches the node to C-GET and changes the quiet period (the
    // listener restarts); then a study and a single series come back by C-GET.
    const before = await status(h);
    const local = before.ok ? before.value : null;
    const edit = {
      local: {
        aeTitle: "LIVERCAD",
        port: Number(ourPort),
        bind: "127.0.0.1",
        enabled: true,
        allowed: [],
        quietSeconds: 2,
        autoAnalyze: local?.autoAnalyze ?? true,
      },
      nodes: [
        {
          name: "pacs",
          aeTitle: "DCMQR",
          host: "127.0.0.1",
          port: Number(qrPort),
          retrieve: "get" as const,
        },
      ],
    };
    out.badSave = await dispatch(h, "network:save-settings", {
      ...edit,
      local: { ...edit.local, aeTitle: "A_TITLE_FAR_TOO_LONG" },
    });
    out.save = await dispatch(h, "network:save-settings", edit);
    out.fileAfterSave = readSettings(home);
    const follow = async (ids: number[]): Promise<unknown[]> => {
      const end = Date.now() + 60_000;
      let views: unknown[] = [];
      while (Date.now() < end) {
        const s = await status(h);
        if (!s.ok) break;
        views = (s.value.retrievals ?? []).filter((r) => ids.includes(r.id));
        if (views.every((r) => ["done", "failed"].includes((r as { state: string }).state))) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      return views;
    };
    const other = process.argv[6]!;
    // Every sub-operation's status is ours to answer and to count: with a file where the study's
    // store folder must go, each instance is answered 0xA700 and the retrieval fails, naming it.
    const blocker = path.join(home, "store", other);
    fs.mkdirSync(path.dirname(blocker), { recursive: true });
    fs.writeFileSync(blocker, "not a folder");
    const blocked = await dispatch(h, "network:retrieve", {
      name: "pacs",
      studyInstanceUids: [other],
    });
    out.getBlocked = blocked.ok
      ? await follow((blocked.value as { id: number }[]).map((v) => v.id))
      : blocked;
    out.consistencyBlocked = checkConsistency(`${home}/registry.sqlite`);
    fs.rmSync(blocker);
    const got = await dispatch(h, "network:retrieve", { name: "pacs", studyInstanceUids: [other] });
    out.getStudy = got.ok ? await follow((got.value as { id: number }[]).map((v) => v.id)) : got;
    const series = await dispatch(h, "network:retrieve", {
      name: "pacs",
      studyInstanceUids: [study],
      seriesInstanceUid: process.argv[7]!,
    });
    out.getSeries = series.ok
      ? await follow((series.value as { id: number }[]).map((v) => v.id))
      : series;
    out.seriesTwoStudies = await dispatch(h, "network:retrieve", {
      name: "pacs",
      studyInstanceUids: [study, other],
      seriesInstanceUid: process.argv[7]!,
    });
    out.consistencyAfterGet = checkConsistency(`${home}/registry.sqlite`);
    out.audit = ws.registry.db
      .prepare(
        "SELECT actor, action, details_json FROM audit_log WHERE action = 'network.settings'",
      )
      .all();
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
