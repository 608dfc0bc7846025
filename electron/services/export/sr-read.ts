// A Comprehensive SR written by LiverCAD (sr-build.ts) -> the analysis it reports. Used when an
// SR comes back through import, from this workstation or another one sharing a PACS: the study's
// result is restored from the SR's content tree, not recomputed. Other SRs are not ours to read.
import type { ConfidenceBand } from "../../contract/confidence";
import {
  LESION_CLASSES,
  SEQUENCES,
  type LesionClass,
  type SequenceId,
} from "../../contract/domain";
import type { AnalysisStatus, ModelRecord } from "../analysis/types";
import {
  BAND_CODES,
  CLASS_CODES,
  CLASS_VARIANCE_CODES,
  CODES,
  DEVICE_NAME,
  PROBABILITY_CODES,
  SEQUENCE_CODES,
  YES,
  sameCode,
  type Code,
} from "./codes";
import { COMPREHENSIVE_SR, items, single, str, type DataSet } from "./dcm";

export interface SrRoi {
  rank: number;
  sopInstanceUid: string;
  frameNumber: number | null;
  sliceIndex: number;
  box_px: [number, number, number, number];
  center_mm: [number, number, number];
  score: number;
  probabilities: Record<LesionClass, number>;
  mc: { variance: number; samples: number; classVariances: Record<LesionClass, number> };
}

export interface SrAnalysis {
  sopInstanceUid: string;
  studyInstanceUid: string;
  status: AnalysisStatus;
  analyzedAt: string;
  provider: string;
  prediction: LesionClass | null;
  probabilities: Record<LesionClass, number> | null;
  confidence: number | null;
  uncertainty: number | null;
  assessment: {
    probCorrect: number | null;
    band: ConfidenceBand | null;
    closeCall: boolean | null;
    predictionSet: LesionClass[];
    coverage: number | null;
  } | null;
  sequences: Record<SequenceId, string | null>;
  models: { id: string; version: string; parameters: string }[];
  rois: SrRoi[];
}

/** The SR's content items under `node` (one level). */
const children = (node: DataSet): DataSet[] => items(node.ContentSequence);
const concept = (node: DataSet): unknown => items(node.ConceptNameCodeSequence)[0];

function find(list: DataSet[], code: Code): DataSet | undefined {
  return list.find((c) => sameCode(concept(c), code));
}

function num(list: DataSet[], code: Code): number | null {
  const item = find(list, code);
  if (!item) return null;
  const mv = items(item.MeasuredValueSequence)[0];
  if (!mv) return null;
  const fp = single(mv.FloatingPointValue);
  const v = typeof fp === "number" ? fp : Number(str(mv.NumericValue));
  return Number.isFinite(v) ? v : null;
}

function text(list: DataSet[], code: Code): string | null {
  const item = find(list, code);
  return item ? str(item.TextValue) : null;
}

function codeValue(list: DataSet[], code: Code): unknown {
  const item = find(list, code);
  return item ? items(item.ConceptCodeSequence)[0] : undefined;
}

function classOf(value: unknown): LesionClass | null {
  return LESION_CLASSES.find((c) => sameCode(value, CLASS_CODES[c])) ?? null;
}

/** Is this data set an SR that LiverCAD wrote? (TID 1500 root + our device observer name.) */
export function isLiverCadSr(ds: DataSet): boolean {
  if (str(ds.SOPClassUID) !== COMPREHENSIVE_SR) return false;
  if (!sameCode(concept(ds), CODES.imagingMeasurementReport)) return false;
  return text(children(ds), CODES.deviceObserverName) === DEVICE_NAME;
}

export class SrContentError extends Error {}

function probs(
  list: DataSet[],
  codes: Record<LesionClass, Code>,
): Record<LesionClass, number> | null {
  const out = {} as Record<LesionClass, number>;
  for (const c of LESION_CLASSES) {
    const v = num(list, codes[c]);
    if (v === null) return null;
    out[c] = v;
  }
  return out;
}

/** Undoes sr-build.ts boxPolyline: SCOORD corners -> stored box (pixel centres at integers). */
function boxOf(scoord: DataSet): [number, number, number, number] {
  const g = (Array.isArray(scoord.GraphicData) ? scoord.GraphicData : []) as number[];
  if (g.length < 8) throw new SrContentError("an Image Region SCOORD has fewer than 4 points");
  const xs = g.filter((_, i) => i % 2 === 0);
  const ys = g.filter((_, i) => i % 2 === 1);
  return [
    Math.min(...xs) - 0.5,
    Math.min(...ys) - 0.5,
    Math.max(...xs) - 0.5,
    Math.max(...ys) - 0.5,
  ];
}

function roiOf(group: DataSet[], where: string): SrRoi {
  const scoord = group.find((c) => str(c.ValueType) === "SCOORD");
  if (!scoord) throw new SrContentError(`${where} has no Image Region`);
  const image = children(scoord).find((c) => str(c.ValueType) === "IMAGE");
  const ref = image ? items(image.ReferencedSOPSequence)[0] : undefined;
  if (!ref) throw new SrContentError(`${where}'s Image Region references no image`);
  const frame = single(ref.ReferencedFrameNumber);
  const need = (code: Code): number => {
    const v = num(group, code);
    if (v === null) throw new SrContentError(`${where} lacks "${code.CodeMeaning}"`);
    return v;
  };
  const p = probs(group, PROBABILITY_CODES);
  if (!p) throw new SrContentError(`${where} lacks its class probabilities`);
  return {
    rank: need(CODES.roiRank),
    sopInstanceUid: str(ref.ReferencedSOPInstanceUID),
    frameNumber: frame === undefined || frame === null || frame === "" ? null : Number(frame),
    sliceIndex: need(CODES.roiSlice),
    box_px: boxOf(scoord),
    center_mm: [need(CODES.centerX), need(CODES.centerY), need(CODES.centerZ)],
    score: need(CODES.detectorScore),
    probabilities: p,
    mc: {
      variance: need(CODES.mcVariance),
      samples: need(CODES.mcSamples),
      classVariances: probs(group, CLASS_VARIANCE_CODES) ?? { HCC: 0, ICC: 0, metastasis: 0 },
    },
  };
}

/** Reads the analysis out of a LiverCAD SR; throws SrContentError naming what is missing. */
export function readSr(ds: DataSet): SrAnalysis {
  if (!isLiverCadSr(ds)) throw new SrContentError("not a LiverCAD TID 1500 report");
  const root = children(ds);
  const measurements = find(root, CODES.imagingMeasurements);
  if (!measurements) throw new SrContentError("no Imaging Measurements container");
  const groups = children(measurements).filter((c) => sameCode(concept(c), CODES.measurementGroup));
  const study = groups.find((g) => text(children(g), CODES.trackingIdentifier) === "Study");
  if (!study) throw new SrContentError("no study-level measurement group");
  const s = children(study);
  const rois = groups
    .filter((g) => g !== study)
    .map((g, k) => roiOf(children(g), `ROI group ${k + 1}`));
  const finding = codeValue(s, CODES.finding);
  const band = codeValue(s, CODES.confidenceBand);
  const probCorrect = num(s, CODES.probCorrect);
  const sequences = Object.fromEntries(
    SEQUENCES.map((q) => {
      const item = find(s, SEQUENCE_CODES[q]);
      return [q, item ? str(item.UID) : null];
    }),
  ) as Record<SequenceId, string | null>;
  // TID 4019 triples in order: name, version, parameters.
  const models: SrAnalysis["models"] = [];
  for (const item of s) {
    const c = concept(item);
    if (sameCode(c, CODES.algorithmName)) {
      models.push({ id: str(item.TextValue), version: "", parameters: "" });
    } else if (sameCode(c, CODES.algorithmVersion) && models.length > 0) {
      models[models.length - 1]!.version = str(item.TextValue);
    } else if (sameCode(c, CODES.algorithmParameters) && models.length > 0) {
      models[models.length - 1]!.parameters = str(item.TextValue);
    }
  }
  const status = (text(s, CODES.analysisStatus) ??
    (rois.length > 0 ? "analyzed" : "no-roi")) as AnalysisStatus;
  return {
    sopInstanceUid: str(ds.SOPInstanceUID),
    studyInstanceUid: str(ds.StudyInstanceUID),
    status,
    analyzedAt: text(s, CODES.analyzedAt) ?? "",
    provider: text(s, CODES.executionProvider) ?? "",
    prediction: classOf(finding),
    probabilities: probs(s, PROBABILITY_CODES),
    confidence: num(s, CODES.mcConfidence),
    uncertainty: num(s, CODES.mcUncertainty),
    assessment:
      probCorrect === null && band === undefined
        ? null
        : {
            probCorrect,
            band:
              (Object.keys(BAND_CODES) as ConfidenceBand[]).find((b) =>
                sameCode(band, BAND_CODES[b]),
              ) ?? null,
            closeCall: find(s, CODES.closeCall)
              ? sameCode(codeValue(s, CODES.closeCall), YES)
              : null,
            predictionSet: s
              .filter((c) => sameCode(concept(c), CODES.predictionSetMember))
              .map((c) => classOf(items(c.ConceptCodeSequence)[0]))
              .filter((c): c is LesionClass => c !== null),
            coverage: num(s, CODES.predictionSetCoverage),
          },
    sequences,
    models,
    rois,
  };
}

/** The models as ModelRecords (sha256 and task recovered from the TID 4019 parameters text). */
export function modelRecordsOf(sr: SrAnalysis): ModelRecord[] {
  return sr.models.map((m) => {
    const kv = Object.fromEntries(
      m.parameters.split(" ").map((p) => p.split("=") as [string, string]),
    ) as Record<string, string | undefined>;
    const record: ModelRecord = {
      id: m.id,
      version: m.version,
      task: kv.task === "detector" ? "detector" : "classifier",
      sha256: kv.sha256 ?? "",
      files: [],
      provider: sr.provider,
    };
    if (kv.sequence && (SEQUENCES as readonly string[]).includes(kv.sequence)) {
      record.sequence = kv.sequence as SequenceId;
    }
    return record;
  });
}
