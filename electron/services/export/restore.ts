// An imported LiverCAD SR -> an analysis row (+ ROIs) on its study, marked as restored from that
// SR (provider "DICOM SR import (...)", parameters.importedFromSr). This is how workstations that
// share one PACS share results: the SR carries everything out.json holds, and its ROIs reference
// the images by SOP Instance UID, which are the same in every registry that imported the study.
import { LESION_CLASSES, SEQUENCES, type LesionClass } from "../../contract/domain";
import {
  appendAudit,
  effectiveSequenceOfSeries,
  findStudyRef,
  latestAnalysisParameters,
  resultObjectBySop,
  saveAnalysis,
  seriesOfInstance,
  type Registry,
} from "../../registry";
import type { RoiRecord } from "../analysis/types";
import { SR_IMPORT_PROVIDER } from "./codes";
import { readPart10, str } from "./dcm";
import { storeImportedSr } from "./result-objects";
import { srUids } from "./sr-build";
import { isLiverCadSr, modelRecordsOf, readSr, type SrAnalysis } from "./sr-read";

export type RestoreOutcome =
  | {
      kind: "restored";
      analysisId: number;
      studyInstanceUid: string;
      sopInstanceUid: string;
      /** Set when the analysis was restored but the SR file could not be stored (why). */
      storeProblem?: string;
    }
  | { kind: "unchanged"; studyInstanceUid: string; sopInstanceUid: string; reason: string }
  | {
      kind: "error";
      studyInstanceUid: string | null;
      sopInstanceUid: string | null;
      reason: string;
    };

/** Cheap test on raw bytes: a Part 10 file whose meta header names Comprehensive SR. */
export function looksLikeSr(bytes: Uint8Array): boolean {
  if (bytes.length < 132 || bytes[128] !== 0x44 || bytes[129] !== 0x49) return false;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 600)).toString(
    "latin1",
  );
  return head.includes("1.2.840.10008.5.1.4.1.1.88.33");
}

export function restoreFromSr(reg: Registry, bytes: Uint8Array, file: string): RestoreOutcome {
  let sr: SrAnalysis;
  let seriesInstanceUid = "";
  try {
    const { dataset } = readPart10(bytes);
    seriesInstanceUid = str(dataset.SeriesInstanceUID);
    if (!isLiverCadSr(dataset)) {
      return {
        kind: "error",
        studyInstanceUid: null,
        sopInstanceUid: null,
        reason: "SR not written by LiverCAD",
      };
    }
    sr = readSr(dataset);
  } catch (e) {
    return {
      kind: "error",
      studyInstanceUid: null,
      sopInstanceUid: null,
      reason: `LiverCAD SR unreadable: ${(e as Error).message}`,
    };
  }
  const ids = { studyInstanceUid: sr.studyInstanceUid, sopInstanceUid: sr.sopInstanceUid };
  const studyRef = findStudyRef(reg.db, sr.studyInstanceUid);
  if (studyRef === null) {
    return {
      kind: "error",
      ...ids,
      reason: `LiverCAD SR for study ${sr.studyInstanceUid}, which is not in the registry: import the study's images first, then the SR`,
    };
  }
  const latest = latestAnalysisParameters(reg.db, studyRef);
  if (latest) {
    const params = latest.parameters as {
      importedFromSr?: { sopInstanceUid?: string };
    };
    if (
      srUids(sr.studyInstanceUid, latest.id).instance === sr.sopInstanceUid ||
      params.importedFromSr?.sopInstanceUid === sr.sopInstanceUid
    ) {
      // An SR restored before result objects were stored (db/010): store it now.
      if (
        params.importedFromSr?.sopInstanceUid === sr.sopInstanceUid &&
        !resultObjectBySop(reg.db, sr.sopInstanceUid)
      ) {
        storeSr(reg, bytes, { ...ids, seriesInstanceUid }, latest.id);
      }
      return {
        kind: "unchanged",
        ...ids,
        reason: "LiverCAD SR already the study's current result",
      };
    }
  }
  const rois: RoiRecord[] = [];
  for (const r of sr.rois) {
    const series = seriesOfInstance(reg.db, r.sopInstanceUid);
    if (!series) {
      return {
        kind: "error",
        ...ids,
        reason: `ROI ${r.rank} references image ${r.sopInstanceUid}, which is not in the registry`,
      };
    }
    const sequence =
      SEQUENCES.find((q) => sr.sequences[q] === series) ??
      effectiveSequenceOfSeries(reg.db, studyRef, series);
    if (!sequence) {
      return {
        kind: "error",
        ...ids,
        reason: `ROI ${r.rank}'s series ${series} is not one of the study's five sequences`,
      };
    }
    rois.push({
      seriesInstanceUid: series,
      sequence,
      sliceIndex: r.sliceIndex,
      box_px: r.box_px,
      center_mm: r.center_mm,
      score: r.score,
      probabilities: r.probabilities,
      rank: r.rank,
      mc: r.mc,
    });
  }
  const classVariances =
    rois.length > 0
      ? (Object.fromEntries(
          LESION_CLASSES.map((c) => [
            c,
            rois.reduce((a, r) => a + r.mc.classVariances[c], 0) / rois.length,
          ]),
        ) as Record<LesionClass, number>)
      : null;
  const analysisId = saveAnalysis(reg.db, {
    studyRef,
    jobId: null,
    status: sr.status,
    error: null,
    prediction: sr.prediction,
    probabilities: sr.probabilities,
    confidence: sr.confidence,
    uncertainty: sr.uncertainty,
    classVariances,
    samples: rois[0]?.mc.samples ?? null,
    sequences: sr.sequences,
    models: modelRecordsOf(sr),
    provider: `${SR_IMPORT_PROVIDER} (${sr.provider || "unknown provider"})`,
    parameters: {
      importedFromSr: {
        sopInstanceUid: sr.sopInstanceUid,
        file,
        assessment: sr.assessment,
      },
    },
    timingsMs: {},
    startedAt: sr.analyzedAt,
    finishedAt: sr.analyzedAt,
    rois,
  });
  appendAudit(reg.db, {
    actor: "import",
    action: "analysis-restored-from-sr",
    studyRef,
    details: { analysisId, srSopInstanceUid: sr.sopInstanceUid },
  });
  const problem = storeSr(reg, bytes, { ...ids, seriesInstanceUid }, analysisId);
  return { kind: "restored", analysisId, ...ids, ...(problem ? { storeProblem: problem } : {}) };
}

/** Stores the imported SR as its analysis' result object; answers why not when it cannot. */
function storeSr(
  reg: Registry,
  bytes: Uint8Array,
  ids: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string },
  analysisId: number,
): string | null {
  if (!ids.seriesInstanceUid) return "SR not stored: it has no Series Instance UID";
  try {
    storeImportedSr(reg, bytes, ids, analysisId);
    return null;
  } catch (e) {
    return `SR not stored: ${(e as Error).message}`;
  }
}
