// The workstation as a DICOM node: the receiver files each instance through the import's
// per-instance way in (services/import/instance.ts), the arrival tracker closes each study's
// window, sequence assignment runs once per window, and a complete study is queued for analysis.
// `livercad listen` and the Electron main process both run this under plain Node.
import fs from "node:fs";
import { errorMessage } from "../../contract/errors";
import { ImportWriter, setSynchronous, type Registry } from "../../registry";
import {
  importInstance,
  runAssignment,
  studyReport,
  type AssignFn,
  type InstanceImportContext,
  type ReadFn,
} from "../import";
import { COMPREHENSIVE_SR } from "../export/dcm";
import { restoreFromSr } from "../export/restore";
import { missingUids } from "../import/instance";
import { ManagedStore, storeRelativePath } from "../import/store";
import { ArrivalTracker, type StudyArrival } from "./arrivals";
import { STATUS } from "./dimse-command";
import {
  DicomReceiver,
  type ReceivedInstance,
  type ReceiverConfig,
  type ReceiverEvent,
  type StoreAnswer,
} from "./receiver";
import { QrScp, type QrEvent, type QrOptions } from "./qr-scp";
import type { GetInstance } from "./scu-retrieve";
import { isMrImageClass, RESULT_SOP_CLASSES } from "./sop-classes";

export interface SettledStudy {
  studyInstanceUid: string;
  instances: number;
  callingAeTitles: string[];
  complete: boolean;
  missing: string[];
  /** Analysis job queued for it (auto-analysis on and all five sequences assigned). */
  queued: boolean;
  /** Seconds from the first to the last instance of the window. */
  receiveSeconds: number;
  error: string | null;
  /**
   * LiverCAD SRs received in the window that restored (or already were) the study's result
   * (issue 15 §1: workstations sharing results through one PACS); such a study is not re-queued.
   */
  restoredFromSr?: number;
}

export type NodeEvent =
  | ReceiverEvent
  | {
      kind: "instance";
      associationId: number;
      callingAeTitle: string;
      sopInstanceUid: string;
      studyInstanceUid: string | null;
      outcome: "imported" | "duplicate" | "object" | "failed";
      status: number;
      reason: string | null;
    }
  | { kind: "settled"; study: SettledStudy }
  | { kind: "qr"; event: QrEvent };

export interface NodeOptions {
  registry: Registry;
  receiver: ReceiverConfig;
  /** Quiet period after the last association of a study ended, in ms. */
  quietMs: number;
  /** Queue complete studies for analysis when their arrival window closes (default on). */
  autoAnalyze: boolean;
  read: ReadFn;
  assign: AssignFn;
  /** The analysis service's enqueue (AnalysisService.enqueue); absent: nothing is queued. */
  enqueue?: (studyInstanceUids: string[]) => unknown;
  onEvent?: (event: NodeEvent) => void;
  /** The managed store (default: the registry's); tests pass one whose disk fills up. */
  store?: ManagedStore;
  /**
   * The Query/Retrieve SCP (issue 14 §4), on the listener's AE and allow-list; absent: the node
   * stores only (`livercad listen --no-qr`, network.json `local.queryRetrieve: false`).
   */
  qr?: Pick<QrOptions, "destination">;
}

export interface NodeCounters {
  associations: number;
  rejectedAssociations: number;
  imported: number;
  duplicates: number;
  objects: number;
  failed: number;
}

export class DicomNode {
  readonly receiver: DicomReceiver;
  readonly arrivals: ArrivalTracker;
  readonly counters: NodeCounters = {
    associations: 0,
    rejectedAssociations: 0,
    imported: 0,
    duplicates: 0,
    objects: 0,
    failed: 0,
  };
  private readonly ctx: InstanceImportContext;
  /** Per study, the LiverCAD-candidate SRs received in its open arrival window (store paths). */
  private readonly srs = new Map<string, string[]>();

  constructor(private readonly options: NodeOptions) {
    // A sender may delete its copy once it hears Success (PS3.4 B.2.3), so the row must survive
    // a power cut too, not only a crash: in WAL mode synchronous=NORMAL (registry/open.ts) can
    // lose the last commits on power loss (sqlite.org/pragma.html#pragma_synchronous), leaving a
    // durable file with no row, which `livercad delete`'s orphan sweep would later remove. FULL
    // flushes the WAL at each commit: +0.37 ms wall per instance here (bench:ingest-stages,
    // BENCH_SQLITE_SYNC=FULL), same CPU. It applies to this connection, which in the app is
    // the workstation's: its other writes (analyses, audit) become as durable.
    setSynchronous(options.registry.db, "FULL");
    this.ctx = {
      read: options.read,
      writer: new ImportWriter(options.registry.db),
      // A few staging files made ahead (store.ts `stage`): a file's creation off the answer path.
      store: options.store ?? new ManagedStore(options.registry.paths.store, { stagingSlots: 4 }),
    };
    this.arrivals = new ArrivalTracker({
      quietMs: options.quietMs,
      onSettled: (uid, arrival) => this.settled(uid, arrival),
      onError: (uid, err) =>
        this.emit({
          kind: "settled",
          study: {
            studyInstanceUid: uid,
            instances: 0,
            callingAeTitles: [],
            complete: false,
            missing: [],
            queued: false,
            receiveSeconds: 0,
            error: errorMessage(err),
          },
        }),
    });
    const qr = options.qr
      ? new QrScp({
          registry: options.registry,
          aeTitle: options.receiver.aeTitle,
          destination: options.qr.destination,
          onEvent: (event) => this.emit({ kind: "qr", event }),
        })
      : undefined;
    this.receiver = new DicomReceiver(options.receiver, {
      ...(qr ? { qr } : {}),
      store: (instance) => this.store(instance),
      onEvent: (event) => {
        if (event.kind === "association-accepted") this.counters.associations += 1;
        if (event.kind === "association-rejected") this.counters.rejectedAssociations += 1;
        if (event.kind === "association-ended") {
          this.arrivals.associationEnded(event.summary.associationId);
        }
        this.emit(event);
      },
    });
  }

  start(): Promise<number> {
    return this.receiver.start();
  }

  /** Stops listening, finishes filing, then closes every open arrival window. */
  async close(): Promise<void> {
    await this.receiver.close();
    await this.arrivals.flush();
    await this.ctx.store.release();
  }

  private nextRetrieval = 1;

  /**
   * An id for one C-GET association, standing for it in the arrival windows as an association of
   * the receiver would (negative: never one of the receiver's).
   */
  beginRetrieval(): number {
    return -this.nextRetrieval++;
  }

  /** Files one instance a C-GET brought back, through the same per-instance way in. */
  fileRetrieved(
    retrievalId: number,
    calledAeTitle: string,
    instance: GetInstance,
  ): Promise<StoreAnswer> {
    return this.store({
      associationId: retrievalId,
      callingAeTitle: calledAeTitle,
      remoteAddress: "",
      ...instance,
    });
  }

  /** The C-GET association ended: its studies' arrival windows may close. */
  retrievalEnded(retrievalId: number): void {
    this.arrivals.associationEnded(retrievalId);
  }

  private emit(event: NodeEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug must not fail a store.
    }
  }

  private async store(instance: ReceivedInstance): Promise<StoreAnswer> {
    const label = `instance ${instance.sopInstanceUid} from ${instance.callingAeTitle}`;
    const answer = isMrImageClass(instance.sopClassUid)
      ? await this.storeImage(instance, label)
      : await this.storeObject(instance, label);
    return answer;
  }

  private report(
    instance: ReceivedInstance,
    studyInstanceUid: string | null,
    outcome: "imported" | "duplicate" | "object" | "failed",
    answer: StoreAnswer,
  ): StoreAnswer {
    this.emit({
      kind: "instance",
      associationId: instance.associationId,
      callingAeTitle: instance.callingAeTitle,
      sopInstanceUid: instance.sopInstanceUid,
      studyInstanceUid,
      outcome,
      status: answer.status,
      reason: answer.comment ?? null,
    });
    return answer;
  }

  private async storeImage(instance: ReceivedInstance, label: string): Promise<StoreAnswer> {
    const out = await importInstance(this.ctx, label, instance.file);
    switch (out.kind) {
      case "imported":
        this.counters.imported += 1;
        this.arrivals.instance(
          out.studyInstanceUid!,
          instance.associationId,
          instance.callingAeTitle,
        );
        return this.report(instance, out.studyInstanceUid, "imported", {
          status: STATUS.success,
        });
      case "duplicate":
        // Already filed (a resend after a lost response): Success, so the sender may move on.
        this.counters.duplicates += 1;
        return this.report(instance, out.studyInstanceUid, "duplicate", {
          status: STATUS.success,
          comment: out.reason,
        });
      case "skipped":
        // The request said MR (the context's abstract syntax) but the data set is something else.
        this.counters.failed += 1;
        return this.report(instance, out.studyInstanceUid, "failed", {
          status: STATUS.dataSetDoesNotMatchSopClass,
          comment: out.reason,
        });
      case "rejected":
        this.counters.failed += 1;
        return this.report(instance, out.studyInstanceUid, "failed", {
          status: STATUS.cannotUnderstand,
          comment: out.reason,
        });
      case "cannot-store":
        this.counters.failed += 1;
        return this.report(instance, out.studyInstanceUid, "failed", {
          status: STATUS.outOfResources,
          comment: out.reason,
        });
    }
  }

  /**
   * SR, presentation states, SEG and KOS are kept as files beside their study in the managed
   * store (same path scheme); the registry holds MR images only.
   */
  private async storeObject(instance: ReceivedInstance, label: string): Promise<StoreAnswer> {
    let ids: { studyInstanceUid?: string; seriesInstanceUid?: string; sopInstanceUid?: string };
    try {
      const outcome = await this.ctx.read(label, instance.file);
      ids =
        outcome.kind === "skipped"
          ? outcome
          : {
              studyInstanceUid: outcome.instance.study.studyInstanceUid,
              seriesInstanceUid: outcome.instance.series.seriesInstanceUid,
              sopInstanceUid: outcome.instance.sopInstanceUid,
            };
    } catch (err) {
      this.counters.failed += 1;
      return this.report(instance, null, "failed", {
        status: STATUS.cannotUnderstand,
        comment: errorMessage(err),
      });
    }
    const missing = missingUids(ids);
    if (missing || !ids.studyInstanceUid || !ids.seriesInstanceUid || !ids.sopInstanceUid) {
      this.counters.failed += 1;
      return this.report(instance, ids.studyInstanceUid ?? null, "failed", {
        status: STATUS.cannotUnderstand,
        comment: missing ?? "missing UIDs",
      });
    }
    try {
      const rel = storeRelativePath(
        ids.studyInstanceUid,
        ids.seriesInstanceUid,
        ids.sopInstanceUid,
      );
      this.ctx.store.write(rel, instance.file, { durable: true });
    } catch (err) {
      this.counters.failed += 1;
      return this.report(instance, ids.studyInstanceUid, "failed", {
        status: STATUS.outOfResources,
        comment: `store: ${errorMessage(err)}`,
      });
    }
    this.counters.objects += 1;
    if (instance.sopClassUid === COMPREHENSIVE_SR) {
      // Restored when the study's window settles: its images may come after it in the window.
      const list = this.srs.get(ids.studyInstanceUid) ?? [];
      list.push(
        this.ctx.store.absolute(
          storeRelativePath(ids.studyInstanceUid, ids.seriesInstanceUid, ids.sopInstanceUid),
        ),
      );
      this.srs.set(ids.studyInstanceUid, list);
      this.arrivals.instance(ids.studyInstanceUid, instance.associationId, instance.callingAeTitle);
    }
    return this.report(instance, ids.studyInstanceUid, "object", {
      status: STATUS.success,
      comment: RESULT_SOP_CLASSES[instance.sopClassUid],
    });
  }

  private settled(uid: string, arrival: StudyArrival): void {
    let error: string | null = null;
    try {
      runAssignment(this.options.registry, uid, this.options.assign);
    } catch (err) {
      error = `sequence assignment failed: ${errorMessage(err)}`;
    }
    const restored = this.restoreSrs(uid);
    const report = studyReport(this.options.registry, uid, arrival.instances, error);
    const complete = report?.complete ?? false;
    let queued = false;
    if (
      complete &&
      error === null &&
      restored === 0 &&
      this.options.autoAnalyze &&
      this.options.enqueue
    ) {
      this.options.enqueue([uid]);
      queued = true;
    }
    this.emit({
      kind: "settled",
      study: {
        studyInstanceUid: uid,
        instances: arrival.instances,
        callingAeTitles: arrival.callingAeTitles,
        complete,
        missing: report?.missing ?? [],
        queued,
        receiveSeconds: (arrival.lastAt - arrival.firstAt) / 1000,
        error,
        ...(restored > 0 ? { restoredFromSr: restored } : {}),
      },
    });
  }

  /**
   * The window's LiverCAD SRs through the folder import's restore (services/export/restore): the
   * analysis they carry becomes the study's result, stored as an imported result object. Another
   * product's SR, or one for images not here, stays a plain stored object (the reason is emitted).
   */
  private restoreSrs(uid: string): number {
    const files = this.srs.get(uid) ?? [];
    this.srs.delete(uid);
    let restored = 0;
    for (const file of files) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(fs.readFileSync(file));
      } catch {
        continue;
      }
      const r = restoreFromSr(this.options.registry, bytes, file);
      if (r.kind === "restored" || r.kind === "unchanged") restored += 1;
    }
    return restored;
  }
}
