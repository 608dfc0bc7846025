// A minimal query/retrieve SCP for the Query PACS e2e, bound to 127.0.0.1 only (dcmqrscp binds
// every interface, so the browser test cannot use it outside a network namespace): C-ECHO, C-FIND
// at study level over one study's fixture files, and C-MOVE that C-STOREs those files (with the
// workstation's own SCU code) to the destination it was given, counting completed instances.
// With `subOperationMs` it sends one instance at a time, a pending response after each, pausing
// between them (a slow PACS, so a cancel lands mid-transfer); it honours C-CANCEL-MOVE-RQ with
// a final Cancel (0xFE00) response, or ignores it (`ignoreCancel`, a peer that must be aborted).
import net from "node:net";
import { Dataset, Scp, constants, responses, type association, type requests } from "dcmjs-dimse";
import { send } from "../../electron/services/network/scu-send";

export interface FakeStudy {
  studyInstanceUid: string;
  patientName: string;
  patientId: string;
  studyDate: string;
  accessionNumber: string;
  description: string;
  files: string[];
  series: {
    seriesInstanceUid: string;
    seriesNumber: number;
    description: string;
    instances: number;
  }[];
}

/** What a fake PACS was told: Message IDs of the C-CANCELs, A-ABORTs, C-MOVEs, sub-operations. */
export interface FakePacsSeen {
  cancels: number[];
  aborts: number;
  moves: number;
  sent: number;
}

const STUDY_FIND = "1.2.840.10008.5.1.4.1.2.2.1";
const STUDY_MOVE = "1.2.840.10008.5.1.4.1.2.2.2";
const VERIFICATION = "1.2.840.10008.1.1";

export async function startFakePacs(options: {
  aeTitle: string;
  study: FakeStudy;
  /** Where a C-MOVE destination AE title goes. */
  destinations: Record<string, { host: string; port: number }>;
  /** Pause before each sub-operation (ms): one C-STORE and one pending response at a time. */
  subOperationMs?: number;
  /** Go on after a C-CANCEL-MOVE-RQ as if none came (the SCU has to abort). */
  ignoreCancel?: boolean;
}): Promise<{ port: number; seen: FakePacsSeen; close(): Promise<void> }> {
  const { study } = options;
  const seen: FakePacsSeen = { cancels: [], aborts: 0, moves: 0, sent: 0 };
  class PacsScp extends Scp {
    private cancelled = new Set<number>();
    private gone = false;
    constructor(socket: net.Socket) {
      super(socket);
      socket.on("close", () => (this.gone = true));
    }
    override cCancelRequest(request: requests.CCancelRequest): void {
      const id = request.getMessageIdBeingRespondedTo();
      seen.cancels.push(id);
      if (!options.ignoreCancel) this.cancelled.add(id);
    }
    override abort(): void {
      seen.aborts += 1;
      this.gone = true;
    }
    override associationRequested(a: association.Association): void {
      for (const { context } of a.getPresentationContexts()) {
        const abstract = context.getAbstractSyntaxUid();
        if ([STUDY_FIND, STUDY_MOVE, VERIFICATION].includes(abstract)) {
          context.setResult(
            constants.PresentationContextResult.Accept,
            constants.TransferSyntax.ImplicitVRLittleEndian,
          );
        } else {
          context.setResult(constants.PresentationContextResult.RejectAbstractSyntaxNotSupported);
        }
      }
      this.sendAssociationAccept();
    }
    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }
    override cEchoRequest(
      request: requests.CEchoRequest,
      callback: (r: responses.CEchoResponse) => void,
    ): void {
      const r = responses.CEchoResponse.fromRequest(request);
      r.setStatus(constants.Status.Success);
      callback(r);
    }
    override cFindRequest(
      request: requests.CFindRequest,
      callback: (r: responses.CFindResponse[]) => void,
    ): void {
      const keys = request.getDataset()?.getElements() as Record<string, unknown> | undefined;
      const id = typeof keys?.PatientID === "string" ? keys.PatientID : "";
      const out: responses.CFindResponse[] = [];
      if (keys?.QueryRetrieveLevel === "SERIES") {
        for (const x of keys.StudyInstanceUID === study.studyInstanceUid ? study.series : []) {
          const r = responses.CFindResponse.fromRequest(request);
          r.setDataset(
            new Dataset({
              QueryRetrieveLevel: "SERIES",
              StudyInstanceUID: study.studyInstanceUid,
              SeriesInstanceUID: x.seriesInstanceUid,
              SeriesNumber: String(x.seriesNumber),
              SeriesDescription: x.description,
              Modality: "MR",
              NumberOfSeriesRelatedInstances: String(x.instances),
            }),
          );
          r.setStatus(constants.Status.Pending);
          out.push(r);
        }
      } else if (id === "" || id === study.patientId) {
        const r = responses.CFindResponse.fromRequest(request);
        r.setDataset(
          new Dataset({
            QueryRetrieveLevel: "STUDY",
            StudyInstanceUID: study.studyInstanceUid,
            PatientName: study.patientName,
            PatientID: study.patientId,
            StudyDate: study.studyDate,
            AccessionNumber: study.accessionNumber,
            StudyDescription: study.description,
            ModalitiesInStudy: "MR",
            NumberOfStudyRelatedInstances: String(study.files.length),
          }),
        );
        r.setStatus(constants.Status.Pending);
        out.push(r);
      }
      const done = responses.CFindResponse.fromRequest(request);
      done.setStatus(constants.Status.Success);
      out.push(done);
      callback(out);
    }
    override cMoveRequest(
      request: requests.CMoveRequest,
      callback: (r: responses.CMoveResponse[]) => void,
    ): void {
      const keys = request.getDataset()?.getElements() as Record<string, unknown> | undefined;
      const destAe = String(request.getCommandDataset().getElement("MoveDestination") ?? "").trim();
      const dest = options.destinations[destAe];
      const r = responses.CMoveResponse.fromRequest(request);
      if (!dest) {
        r.setStatus(0xa801); // Move destination unknown
        callback([r]);
        return;
      }
      const files = keys?.StudyInstanceUID === study.studyInstanceUid ? study.files : [];
      seen.moves += 1;
      if (options.subOperationMs !== undefined) {
        void this.slowMove(request, callback, files, destAe, dest);
        return;
      }
      void send(
        { aeTitle: destAe, host: dest.host, port: dest.port },
        { callingAeTitle: options.aeTitle },
        files,
      ).then(
        (outcomes) => {
          const ok = outcomes.filter((o) => o.ok).length;
          r.setStatus(ok === outcomes.length ? constants.Status.Success : 0xb000);
          r.setCompleted(ok);
          r.setFailures(outcomes.length - ok);
          r.setRemaining(0);
          r.setWarnings(0);
          callback([r]);
        },
        () => {
          r.setStatus(0xa702);
          callback([r]);
        },
      );
    }
    /** One sub-operation at a time with a pending response each (PS3.4 C.4.2.1.5). */
    private async slowMove(
      request: requests.CMoveRequest,
      callback: (r: responses.CMoveResponse[]) => void,
      files: string[],
      destAe: string,
      dest: { host: string; port: number },
    ): Promise<void> {
      let completed = 0;
      let failed = 0;
      const answer = (status: number, remaining: number): void => {
        const r = responses.CMoveResponse.fromRequest(request);
        r.setStatus(status);
        r.setCompleted(completed);
        r.setFailures(failed);
        r.setWarnings(0);
        r.setRemaining(remaining);
        // dcmjs-dimse's callback answers once: pending responses go out directly.
        if (status === constants.Status.Pending) this.sendResponse(request, r);
        else callback([r]);
      };
      for (let i = 0; i < files.length; i++) {
        if (this.gone) return;
        if (this.cancelled.has(request.getMessageId())) {
          answer(0xfe00, files.length - i); // sub-operations terminated due to cancel
          return;
        }
        await new Promise((r) => setTimeout(r, options.subOperationMs));
        const [o] = await send(
          { aeTitle: destAe, host: dest.host, port: dest.port },
          { callingAeTitle: options.aeTitle },
          [files[i]!],
        );
        if (o?.ok) completed += 1;
        else failed += 1;
        seen.sent += 1;
        if (this.gone) return;
        answer(constants.Status.Pending, files.length - i - 1);
      }
      answer(failed === 0 ? constants.Status.Success : 0xb000, 0);
    }
  }
  const server = net.createServer((socket) => new PacsScp(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
