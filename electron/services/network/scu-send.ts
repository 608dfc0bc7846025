// Sending as a service user: C-STORE of files byte for byte (the sender's bytes, so private tags
// survive), every response status checked and reported per file (PS3.4 B.2.3).
import fs from "node:fs";
import type { responses } from "dcmjs-dimse";
import { Dataset, requests as dimseRequests } from "dcmjs-dimse";
import { errorMessage } from "../../contract/errors";
import type { RemoteNode } from "./config";
import { splitPart10 } from "./part10";
import { associate, isSuccessOrWarning, statusText, type ScuOptions } from "./scu";

export interface SendOutcome {
  path: string;
  sopInstanceUid: string;
  status: number | null;
  ok: boolean;
  reason: string | null;
  /** Not sent: `control.stop()` said so first (a C-MOVE SCP whose requester sent C-CANCEL). */
  cancelled?: boolean;
}

/** For a caller that reports per file (our C-MOVE SCP's Pending responses) and may stop early. */
export interface SendControl {
  onOutcome?(outcome: SendOutcome): void;
  /** Checked after each response: true sends no further file (the association is released). */
  stop?(): boolean;
  /**
   * Sub-operations of a C-MOVE we serve: Move Originator AE Title (0000,1030) and Message ID
   * (0000,1031) in each C-STORE request (PS3.7 9.1.1.1), so the destination can tell whose move
   * brought the instance.
   */
  moveOriginator?: { aeTitle: string; messageId: number };
}

/** A data set object whose encoded bytes are the file's own (no dcmjs round trip). */
export function rawDataset(bytes: Uint8Array): {
  dataset: Dataset;
  sopClassUid: string;
  sopInstanceUid: string;
} {
  const split = splitPart10(bytes);
  const dataset = new Dataset(
    { SOPClassUID: split.sopClassUid, SOPInstanceUID: split.sopInstanceUid },
    split.transferSyntaxUid,
  );
  const raw = Buffer.from(split.dataset.buffer, split.dataset.byteOffset, split.dataset.byteLength);
  (dataset as unknown as { getDenaturalizedDataset: () => Buffer }).getDenaturalizedDataset = () =>
    raw;
  return { dataset, sopClassUid: split.sopClassUid, sopInstanceUid: split.sopInstanceUid };
}

/**
 * C-STORE of each file in one association, the file's bytes as they are (private tags kept).
 * Every file gets an outcome: its response status, or the reason it got none.
 */
export async function send(
  node: RemoteNode,
  options: ScuOptions,
  files: string[],
  control?: SendControl,
): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = [];
  const requests: dimseRequests.CStoreRequest[] = [];
  const byRequest = new Map<dimseRequests.CStoreRequest, SendOutcome>();
  const syntaxes = new Map<string, Set<string>>();
  for (const file of files) {
    try {
      const { dataset, sopClassUid, sopInstanceUid } = rawDataset(
        new Uint8Array(fs.readFileSync(file)),
      );
      const set = syntaxes.get(sopClassUid) ?? new Set<string>();
      set.add(dataset.getTransferSyntaxUid());
      syntaxes.set(sopClassUid, set);
      const request = new dimseRequests.CStoreRequest(dataset);
      if (control?.moveOriginator) {
        const command = request.getCommandDataset() as unknown as {
          setElement(keyword: string, value: string | number): void;
        };
        command.setElement("MoveOriginatorApplicationEntityTitle", control.moveOriginator.aeTitle);
        command.setElement("MoveOriginatorMessageID", control.moveOriginator.messageId);
      }
      const outcome: SendOutcome = {
        path: file,
        sopInstanceUid,
        status: null,
        ok: false,
        reason: null,
      };
      request.on("response", (r: responses.CStoreResponse) => {
        outcome.status = r.getStatus();
        outcome.ok = isSuccessOrWarning(outcome.status);
        outcome.reason = outcome.ok
          ? null
          : `${statusText(outcome.status)}${r.getErrorComment() ? `: ${r.getErrorComment()}` : ""}`;
        control?.onOutcome?.(outcome);
        // dcmjs-dimse sends the next queued request when this one is done: emptying its queue
        // ends the association after this file.
        if (control?.stop?.()) queue?.splice(0);
      });
      requests.push(request);
      byRequest.set(request, outcome);
      outcomes.push(outcome);
    } catch (err) {
      outcomes.push({
        path: file,
        sopInstanceUid: "",
        status: null,
        ok: false,
        reason: `cannot read: ${errorMessage(err)}`,
      });
    }
  }
  if (requests.length === 0) return outcomes;
  let queue: unknown[] | undefined;
  try {
    // Files go as they are, so propose for each SOP class only the transfer syntaxes the files
    // are in: dcmjs-dimse proposes Implicit and Explicit VR Little Endian for every request and
    // would try to transcode when the peer picks the other one.
    await associate(
      node,
      options,
      requests,
      (association) => {
        for (const { context } of association.getPresentationContexts()) {
          const mine = syntaxes.get(context.getAbstractSyntaxUid());
          if (!mine) continue;
          for (const ts of [...context.getTransferSyntaxUids()]) {
            if (!mine.has(ts) && context.getTransferSyntaxUids().length > 1) {
              context.removeTransferSyntaxUid(ts);
            }
          }
        }
      },
      (_client, network) => {
        queue = (network as unknown as { requests?: unknown[] }).requests;
      },
    );
  } catch (err) {
    for (const o of byRequest.values()) {
      if (o.status === null) o.reason = errorMessage(err);
    }
    return outcomes;
  }
  for (const o of byRequest.values()) {
    if (o.status === null && control?.stop?.()) {
      o.cancelled = true;
      o.reason = "not sent: cancelled";
    } else if (o.status === null) {
      o.reason =
        "no response: the peer accepted no presentation context for this SOP class and transfer syntax";
    }
  }
  return outcomes;
}
