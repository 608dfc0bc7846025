// One retrieval of the Query PACS screen (app.ts queues them one after the other): by C-MOVE to
// our listener, by C-GET on our own association, or by WADO-RS from a DICOMweb node, the
// instances filed through the running DICOM node; its progress and outcome are written into its
// view, which the screen polls.
import type { RetrievalView } from "../../contract/ipc";
import type { RemoteNode } from "./config";
import { webRetrieveInto, webRetrieveSucceeded } from "./dicomweb-retrieve";
import type { DicomNode } from "./node";
import { statusText } from "./scu";
import {
  get,
  move,
  STATUS_CANCEL,
  type RetrieveProgress,
  type RetrieveResult,
  type RetrieveTarget,
} from "./scu-retrieve";
import type { NamedWebNode, RetrieveMethod } from "./settings";

/** How long a cancelled retrieval waits for the node's final response before A-ABORT. */
const CANCEL_TIMEOUT_MS = 10_000;

/** Where a retrieval comes from: a DICOMweb node, or a DIMSE node with its method. */
export type RetrievalSource =
  | { web: NamedWebNode }
  | { node: RemoteNode; method: RetrieveMethod; /** Our AE title. */ aeTitle: string };

/**
 * Runs one retrieval into `view` (state, counts, error). Throws only what the transport throws;
 * the caller marks the view failed (or cancelled) then.
 */
export async function retrieveInto(
  view: RetrievalView,
  source: RetrievalSource,
  running: DicomNode,
  signal: AbortSignal,
): Promise<void> {
  const what: RetrieveTarget = {
    studyInstanceUid: view.studyInstanceUid,
    ...(view.seriesInstanceUid ? { seriesInstanceUid: view.seriesInstanceUid } : {}),
  };
  const progress = (p: RetrieveProgress): void => {
    Object.assign(view, p);
  };
  if ("web" in source) {
    await webRetrievalInto(view, source.web, running, what, progress, signal);
    return;
  }
  const { node: target, method, aeTitle: aet } = source;
  const cancel = { signal, timeoutMs: CANCEL_TIMEOUT_MS };
  let r: RetrieveResult;
  let refusal: string | null = null;
  if (method === "get") {
    const id = running.beginRetrieval();
    try {
      const g = await get(
        target,
        { callingAeTitle: aet, timeoutMs: 60_000 },
        what,
        (instance) => running.fileRetrieved(id, target.aeTitle, instance),
        progress,
        cancel,
      );
      // An instance we could not file is a failure whatever the peer counted it as.
      r = { ...g, failed: Math.max(g.failed, g.refused) };
      refusal = g.firstRefusal;
    } finally {
      running.retrievalEnded(id);
    }
  } else {
    r = await move(target, { callingAeTitle: aet, timeoutMs: 60_000 }, what, aet, progress, cancel);
  }
  const { cancel: cancelled, ...counts } = r;
  Object.assign(view, counts);
  const ok = r.status === 0 && r.failed === 0;
  if (cancelled !== undefined && !(ok && cancelled === "answered")) {
    // Stopped by the user; the peer's Cancel response (or our abort) ended it.
    view.state = "cancelled";
    view.error =
      cancelled === "aborted"
        ? `the node sent no final response within ${CANCEL_TIMEOUT_MS / 1000} s of ` +
          "the C-CANCEL: the association was aborted"
        : r.status === STATUS_CANCEL
          ? null
          : `${method === "get" ? "C-GET" : "C-MOVE"}: ${statusText(r.status!)}`;
  } else {
    view.state = ok ? "done" : "failed";
    if (!ok) {
      const said = r.status === null ? "no final response" : statusText(r.status);
      view.error =
        r.failed > 0
          ? `${r.failed} instance(s) failed (${said})` + (refusal ? `: ${refusal}` : "")
          : `${method === "get" ? "C-GET" : "C-MOVE"}: ${said}`;
    }
  }
}

/**
 * One WADO-RS retrieval for the Query PACS screen, filed through the running node as C-GET's
 * sub-operations are; its outcome is written into `view` (no DIMSE status: `status` stays null).
 */
async function webRetrievalInto(
  view: RetrievalView,
  web: NamedWebNode,
  running: DicomNode,
  what: RetrieveTarget,
  progress: (p: RetrieveProgress) => void,
  signal: AbortSignal,
): Promise<void> {
  const w = await webRetrieveInto(running, web, what, progress, signal);
  Object.assign(view, { completed: w.completed, remaining: 0, failed: w.failed, warnings: 0 });
  view.state = w.cancelled ? "cancelled" : webRetrieveSucceeded(w) ? "done" : "failed";
  if (view.state === "failed") {
    view.error = `WADO-RS (HTTP ${w.httpStatus}): ${w.firstFailure ?? "nothing retrieved"}`;
  }
}
