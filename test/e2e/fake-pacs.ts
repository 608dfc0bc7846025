// A minimal query/retrieve SCP for the Query PACS e2e, bound to 127.0.0.1 only (dcmqrscp binds
// every interface, so the browser test cannot use it outside a network namespace): C-ECHO, C-FIND
// at study level over one study's fixture files, and C-MOVE that C-STOREs those files (with the
// workstation's own SCU code) to the destination it was given, counting completed instances.
import net from "node:net";
import { Dataset, Scp, constants, responses, type association, type requests } from "dcmjs-dimse";
import { send } from "../../electron/services/network/scu";

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

const STUDY_FIND = "1.2.840.10008.5.1.4.1.2.2.1";
const STUDY_MOVE = "1.2.840.10008.5.1.4.1.2.2.2";
const VERIFICATION = "1.2.840.10008.1.1";

export async function startFakePacs(options: {
  aeTitle: string;
  study: FakeStudy;
  /** Where a C-MOVE destination AE title goes. */
  destinations: Record<string, { host: string; port: number }>;
}): Promise<{ port: number; close(): Promise<void> }> {
  const { study } = options;
  class PacsScp extends Scp {
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
  }
  const server = net.createServer((socket) => new PacsScp(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
