// The study view's "Results in DICOM" channels (issue 15 §1): list the study's stored SR / GSPS,
// copy the current ones into a folder, or C-STORE them to a configured node. Export and send
// both go through ensureResultObjects, so the first of them writes the objects into the store and
// every later one (here, `livercad export`, `livercad send --study`) finds the same UIDs and bytes.
// Each export and send is audited (kind, counts; no paths or names).
import fs from "node:fs";
import path from "node:path";
import { errorMessage, UsageError } from "../../contract/errors";
import type { ResultObjectsOutcome } from "../../contract/results";
import { appendAudit, findStudyRef, supersededStorePaths, type Registry } from "../../registry";
import { send } from "../network/scu-send";
import { readSettings } from "../network/settings";
import type { Handlers } from "../workstation/service";
import { SeriesSource, studiesToExport } from "./context";
import { ensureResultObjects, listResultObjects, type StoredObject } from "./result-objects";
import { ExportError } from "./service";

export interface ResultHandlerContext {
  registry: Registry;
  actor: () => string;
}

type ResultChannels = "results:list" | "results:export" | "results:send";

/** The stored SR (and GSPS) of the study's current analysis, written first when pending. */
export async function currentObjects(reg: Registry, uid: string): Promise<StoredObject[]> {
  const study = studiesToExport(reg, [uid])[0];
  if (!study) throw new ExportError(`Study ${uid} has no analysis: no result to store.`);
  return ensureResultObjects(reg, new SeriesSource(reg), study);
}

function audit(
  ctx: ResultHandlerContext,
  uid: string,
  action: "results-export" | "results-send",
  o: ResultObjectsOutcome,
  extra: Record<string, unknown> = {},
): void {
  appendAudit(ctx.registry.db, {
    actor: ctx.actor(),
    action,
    studyRef: findStudyRef(ctx.registry.db, uid),
    details: { done: o.done.length, failed: o.failed.length, ...extra },
  });
}

/** Copies the current objects into `outDir` as <SOP Instance UID>.<sr|gsps>.dcm. */
export async function exportCurrentObjects(
  reg: Registry,
  uid: string,
  outDir: string,
): Promise<ResultObjectsOutcome> {
  const dir = outDir.trim();
  if (!path.isAbsolute(dir)) {
    throw new UsageError(`The output folder must be an absolute path, not "${dir}".`);
  }
  const objects = await currentObjects(reg, uid);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ExportError(`Cannot create the output folder ${dir}: ${errorMessage(e)}`);
  }
  const out: ResultObjectsOutcome = { done: [], failed: [] };
  for (const o of objects) {
    const name = `${o.sopInstanceUid}.${o.kind}.dcm`;
    try {
      fs.copyFileSync(o.file, path.join(dir, name));
      out.done.push(name);
    } catch (e) {
      out.failed.push({ item: name, reason: errorMessage(e) });
    }
  }
  return out;
}

/** C-STOREs the current objects to the node named in network.json; each response checked. */
export async function sendCurrentObjects(
  reg: Registry,
  uid: string,
  nodeName: string,
): Promise<ResultObjectsOutcome> {
  const settings = readSettings(reg.paths.root);
  const node = settings.nodes.find((n) => n.name === nodeName);
  if (!node) {
    const known = settings.nodes.map((n) => n.name).join(", ") || "none configured";
    throw new UsageError(`Unknown node "${nodeName}" (configured: ${known}).`);
  }
  const objects = await currentObjects(reg, uid);
  const outcomes = await send(
    { aeTitle: node.aeTitle, host: node.host, port: node.port },
    { callingAeTitle: settings.local.aeTitle, timeoutMs: 30_000 },
    objects.map((o) => o.file),
  );
  const out: ResultObjectsOutcome = { done: [], failed: [] };
  for (const o of outcomes) {
    if (o.ok) out.done.push(o.sopInstanceUid);
    else out.failed.push({ item: o.sopInstanceUid || o.path, reason: o.reason ?? "not stored" });
  }
  return out;
}

/** `context` is read at each call (the service's fields exist only after construction). */
export function resultHandlers(
  context: () => ResultHandlerContext,
): Pick<Handlers, ResultChannels> {
  return {
    "results:list": async (req) => listResultObjects(context().registry, req.studyInstanceUid),
    "results:export": async (req) => {
      const ctx = context();
      const o = await exportCurrentObjects(ctx.registry, req.studyInstanceUid, req.outDir);
      audit(ctx, req.studyInstanceUid, "results-export", o);
      return o;
    },
    "results:send": async (req) => {
      const ctx = context();
      const o = await sendCurrentObjects(ctx.registry, req.studyInstanceUid, req.name);
      audit(ctx, req.studyInstanceUid, "results-send", o, { node: req.name });
      return o;
    },
  };
}

/**
 * For `livercad send --study`: the current analysis' stored objects (written first when pending),
 * and the files of superseded objects, which a send leaves out (a PACS must not show a result the
 * workstation replaced). `problem`: why the current objects could not be stored (images still go).
 */
export async function resultFilesForSend(
  reg: Registry,
  uid: string,
): Promise<{ current: string[]; superseded: Set<string>; problem: string | null }> {
  const analyzed = studiesToExport(reg, [uid]).length > 0;
  let current: string[] = [];
  let problem: string | null = null;
  if (analyzed) {
    try {
      current = (await currentObjects(reg, uid)).map((o) => o.file);
    } catch (e) {
      problem = errorMessage(e);
    }
  }
  const store = reg.paths.store;
  const superseded = new Set(
    supersededStorePaths(reg.db, uid).map((p) => path.join(store, ...p.split("/"))),
  );
  return { current, superseded, problem };
}
