// One analysis -> a Comprehensive SR data set (PS3.3 A.35.3) whose content tree follows TID 1500
// "Measurement Report" (PS3.16 Annex A): language, device observer context (TID 1004), procedure
// reported, an image library, one TID 1410 planar-ROI measurement group per kept ROI (SCOORD
// polyline on the source image + class probabilities + detector score), one TID 1501 study-level
// group (prediction, probabilities, the paper's confidence, the calibrated assessment, series used,
// TID 4019 algorithm identification) and the intended-use disclaimer. The tree is built here as
// a plain data set because dcmjs.sr is broken (FIELD-NOTES); test/export/sr.test.ts checks its
// shape against the template, dciodvfy the IOD.
import type { Assessment } from "../../contract/confidence";
import { LESION_CLASSES, SEQUENCES } from "../../contract/domain";
import type { StudyResult } from "../analysis/types";
import {
  BAND_CODES,
  CLASS_CODES,
  CLASS_VARIANCE_CODES,
  CODES,
  DEVICE_NAME,
  DISCLAIMER,
  MANUFACTURER,
  NO,
  PRIVATE_SCHEME,
  PROBABILITY_CODES,
  SEQUENCE_CODES,
  YES,
  type Code,
} from "./codes";
import { COMPREHENSIVE_SR, dateTime, derivedUid, ds, type DataSet } from "./dcm";

/** The image a ROI was drawn on: its instance and (multi-frame) frame. */
export interface RoiImage {
  sopClassUid: string;
  sopInstanceUid: string;
  /** 1-based frame number; null for single-frame instances. */
  frameNumber: number | null;
}

export interface SrInput {
  result: StudyResult;
  /** Issue 11's calibrated reading of the analysis, when the analysis carries one. */
  assessment: Assessment | null;
  /** Patient and study attributes copied from a source image of the study. */
  header: DataSet;
  /** One per ROI of result.rois, same order. */
  roiImages: RoiImage[];
  /** Registry analysis id: with the study UID it names the SR's UIDs. */
  analysisId: number;
  appVersion: string;
}

/** Patient (C.7.1.1) and General Study (C.7.2.1) attributes carried over from the images. */
export const PATIENT_STUDY_KEYS = [
  "PatientName",
  "PatientID",
  "IssuerOfPatientID",
  "PatientBirthDate",
  "PatientSex",
  "StudyInstanceUID",
  "StudyDate",
  "StudyTime",
  "ReferringPhysicianName",
  "StudyID",
  "AccessionNumber",
  "StudyDescription",
] as const;
/** Type 2 among them: present, possibly empty (PS3.3 C.7.1.1, C.7.2.1). */
const TYPE2 = new Set([
  "PatientName",
  "PatientID",
  "PatientBirthDate",
  "PatientSex",
  "StudyDate",
  "StudyTime",
  "ReferringPhysicianName",
  "StudyID",
  "AccessionNumber",
]);

export function patientStudy(header: DataSet): DataSet {
  const out: DataSet = {};
  for (const k of PATIENT_STUDY_KEYS) {
    const v = header[k];
    if (v !== undefined && v !== null && v !== "") out[k] = v;
    else if (TYPE2.has(k)) out[k] = "";
  }
  return out;
}

// Content items (PS3.3 C.17.3). `rel` is the relationship to the parent.
type Rel = "CONTAINS" | "HAS OBS CONTEXT" | "HAS CONCEPT MOD" | "SELECTED FROM" | "INFERRED FROM";

export function codeItem(rel: Rel, concept: Code, value: Code): DataSet {
  return {
    RelationshipType: rel,
    ValueType: "CODE",
    ConceptNameCodeSequence: [concept],
    ConceptCodeSequence: [value],
  };
}
export function textItem(rel: Rel, concept: Code, value: string): DataSet {
  return {
    RelationshipType: rel,
    ValueType: "TEXT",
    ConceptNameCodeSequence: [concept],
    TextValue: value,
  };
}
export function uidItem(rel: Rel, concept: Code, value: string): DataSet {
  return {
    RelationshipType: rel,
    ValueType: "UIDREF",
    ConceptNameCodeSequence: [concept],
    UID: value,
  };
}
export function numItem(rel: Rel, concept: Code, value: number, unit: Code): DataSet {
  return {
    RelationshipType: rel,
    ValueType: "NUM",
    ConceptNameCodeSequence: [concept],
    // DS holds 16 characters; FloatingPointValue (FD, PS3.3 C.18.1) keeps the exact double.
    MeasuredValueSequence: [
      { MeasurementUnitsCodeSequence: [unit], NumericValue: ds(value), FloatingPointValue: value },
    ],
  };
}
function container(rel: Rel | null, concept: Code, children: DataSet[], tid?: string): DataSet {
  const c: DataSet = {
    ValueType: "CONTAINER",
    ConceptNameCodeSequence: [concept],
    ContinuityOfContent: "SEPARATE",
    ContentSequence: children,
  };
  if (rel) c.RelationshipType = rel;
  if (tid) c.ContentTemplateSequence = [{ MappingResource: "DCMR", TemplateIdentifier: tid }];
  return c;
}
function imageRef(img: RoiImage): DataSet {
  const ref: DataSet = {
    ReferencedSOPClassUID: img.sopClassUid,
    ReferencedSOPInstanceUID: img.sopInstanceUid,
  };
  if (img.frameNumber !== null) ref.ReferencedFrameNumber = img.frameNumber;
  return ref;
}

/**
 * The ROI box as a closed SCOORD POLYLINE in image pixel coordinates. Stored boxes put pixel
 * centres at integer coordinates; SCOORD puts the top-left corner of the first pixel at (0,0) and
 * its centre at (0.5,0.5) (PS3.3 C.18.6.1.2), hence the half-pixel shift (undone in sr-read.ts).
 */
export function boxPolyline(box: [number, number, number, number]): number[] {
  const [x0, y0, x1, y1] = box.map((v) => v + 0.5) as [number, number, number, number];
  return [x0, y0, x1, y0, x1, y1, x0, y1, x0, y0];
}

function algorithmItems(result: StudyResult): DataSet[] {
  // TID 4019, once per model file set the analysis loaded (detectors and classifier).
  return result.model.models.flatMap((m) => [
    textItem("HAS CONCEPT MOD", CODES.algorithmName, m.id),
    textItem("HAS CONCEPT MOD", CODES.algorithmVersion, m.version),
    textItem(
      "HAS CONCEPT MOD",
      CODES.algorithmParameters,
      `task=${m.task}${m.sequence ? ` sequence=${m.sequence}` : ""} sha256=${m.sha256}`,
    ),
  ]);
}

function roiGroup(input: SrInput, k: number): DataSet {
  const roi = input.result.rois[k]!;
  const img = input.roiImages[k]!;
  const u = CODES.unitless;
  return container(
    "CONTAINS",
    CODES.measurementGroup,
    [
      textItem("HAS OBS CONTEXT", CODES.trackingIdentifier, `ROI ${roi.rank}`),
      uidItem(
        "HAS OBS CONTEXT",
        CODES.trackingUid,
        derivedUid(
          "livercad-roi",
          input.result.studyInstanceUid,
          String(input.analysisId),
          String(roi.rank),
        ),
      ),
      codeItem("CONTAINS", CODES.finding, CODES.mass),
      codeItem("HAS CONCEPT MOD", CODES.findingSite, CODES.liver),
      {
        RelationshipType: "CONTAINS",
        ValueType: "SCOORD",
        ConceptNameCodeSequence: [CODES.imageRegion],
        GraphicType: "POLYLINE",
        GraphicData: boxPolyline(roi.box_px),
        ContentSequence: [
          {
            RelationshipType: "SELECTED FROM",
            ValueType: "IMAGE",
            ReferencedSOPSequence: [imageRef(img)],
          },
        ],
      },
      numItem("CONTAINS", CODES.detectorScore, roi.score, u),
      ...LESION_CLASSES.map((c) =>
        numItem("CONTAINS", PROBABILITY_CODES[c], roi.probabilities[c], u),
      ),
      numItem("CONTAINS", CODES.mcVariance, roi.mc.variance, u),
      ...LESION_CLASSES.map((c) =>
        numItem("CONTAINS", CLASS_VARIANCE_CODES[c], roi.mc.classVariances[c], u),
      ),
      numItem("CONTAINS", CODES.mcSamples, roi.mc.samples, u),
      numItem("CONTAINS", CODES.roiRank, roi.rank, u),
      numItem("CONTAINS", CODES.roiSlice, roi.sliceIndex, u),
      numItem("CONTAINS", CODES.centerX, roi.center_mm[0], CODES.mm),
      numItem("CONTAINS", CODES.centerY, roi.center_mm[1], CODES.mm),
      numItem("CONTAINS", CODES.centerZ, roi.center_mm[2], CODES.mm),
    ],
    "1410",
  );
}

function studyGroup(input: SrInput): DataSet {
  const r = input.result;
  const u = CODES.unitless;
  const children: DataSet[] = [
    textItem("HAS OBS CONTEXT", CODES.trackingIdentifier, "Study"),
    uidItem(
      "HAS OBS CONTEXT",
      CODES.trackingUid,
      derivedUid("livercad-study-finding", r.studyInstanceUid, String(input.analysisId)),
    ),
    codeItem("HAS CONCEPT MOD", CODES.findingSite, CODES.liver),
    textItem("CONTAINS", CODES.analysisStatus, r.status),
    textItem("CONTAINS", CODES.analyzedAt, r.analyzedAt),
    textItem("CONTAINS", CODES.executionProvider, r.provider),
    codeItem(
      "CONTAINS",
      CODES.finding,
      r.prediction ? CLASS_CODES[r.prediction] : CODES.noLesionLocalized,
    ),
  ];
  if (r.probabilities) {
    for (const c of LESION_CLASSES) {
      children.push(numItem("CONTAINS", PROBABILITY_CODES[c], r.probabilities[c], u));
    }
  }
  if (r.confidence !== null)
    children.push(numItem("CONTAINS", CODES.mcConfidence, r.confidence, u));
  if (r.uncertainty !== null) {
    children.push(numItem("CONTAINS", CODES.mcUncertainty, r.uncertainty, u));
  }
  const a = input.assessment;
  if (a) {
    children.push(numItem("CONTAINS", CODES.probCorrect, a.probCorrect, u));
    children.push(codeItem("CONTAINS", CODES.confidenceBand, BAND_CODES[a.band]));
    children.push(codeItem("CONTAINS", CODES.closeCall, a.closeCall ? YES : NO));
    for (const c of a.predictionSet) {
      children.push(codeItem("CONTAINS", CODES.predictionSetMember, CLASS_CODES[c]));
    }
    children.push(numItem("CONTAINS", CODES.predictionSetCoverage, a.coverage, u));
  }
  for (const q of SEQUENCES) {
    const uid = r.sequences[q];
    if (uid) children.push(uidItem("CONTAINS", SEQUENCE_CODES[q], uid));
  }
  children.push(...algorithmItems(r));
  return container("CONTAINS", CODES.measurementGroup, children, "1501");
}

/** UIDs of the SR of one analysis: derived, so re-exporting writes the same object. */
export function srUids(studyInstanceUid: string, analysisId: number) {
  return {
    series: derivedUid("livercad-sr-series", studyInstanceUid, String(analysisId)),
    instance: derivedUid("livercad-sr", studyInstanceUid, String(analysisId)),
  };
}

export function buildSr(input: SrInput): DataSet {
  const r = input.result;
  const when = dateTime(r.analyzedAt);
  const uids = srUids(r.studyInstanceUid, input.analysisId);
  const distinct = new Map<string, RoiImage>();
  for (const img of input.roiImages) distinct.set(`${img.sopInstanceUid}/${img.frameNumber}`, img);
  const library = [...distinct.values()].map((img) => ({
    RelationshipType: "CONTAINS",
    ValueType: "IMAGE",
    ReferencedSOPSequence: [imageRef(img)],
  }));
  const measurements =
    r.rois.length > 0
      ? [...r.rois.map((_, k) => roiGroup(input, k)), studyGroup(input)]
      : [studyGroup(input)];
  const root = container(
    null,
    CODES.imagingMeasurementReport,
    [
      codeItem("HAS CONCEPT MOD", CODES.languageOfContent, CODES.english),
      codeItem("HAS OBS CONTEXT", CODES.observerType, CODES.device),
      uidItem(
        "HAS OBS CONTEXT",
        CODES.deviceObserverUid,
        derivedUid("livercad-device", MANUFACTURER),
      ),
      textItem("HAS OBS CONTEXT", CODES.deviceObserverName, DEVICE_NAME),
      textItem("HAS OBS CONTEXT", CODES.deviceObserverManufacturer, MANUFACTURER),
      textItem("HAS OBS CONTEXT", CODES.deviceObserverModelName, `LiverCAD ${input.appVersion}`),
      codeItem("HAS CONCEPT MOD", CODES.procedureReported, CODES.mri),
      container("CONTAINS", CODES.imageLibrary, [
        container("CONTAINS", CODES.imageLibraryGroup, library),
      ]),
      container("CONTAINS", CODES.imagingMeasurements, measurements),
      container("CONTAINS", CODES.qualitativeEvaluations, [
        textItem("CONTAINS", CODES.comment, DISCLAIMER),
      ]),
    ],
    "1500",
  );
  // Evidence (PS3.3 C.17.2.3): every image the tree references, grouped by series.
  const bySeries = new Map<string, RoiImage[]>();
  r.rois.forEach((roi, k) => {
    const list = bySeries.get(roi.seriesInstanceUid) ?? [];
    const img = input.roiImages[k]!;
    if (!list.some((x) => x.sopInstanceUid === img.sopInstanceUid)) list.push(img);
    bySeries.set(roi.seriesInstanceUid, list);
  });
  const ds: DataSet = {
    SOPClassUID: COMPREHENSIVE_SR,
    SOPInstanceUID: uids.instance,
    SpecificCharacterSet: "ISO_IR 192",
    InstanceCreationDate: when.date,
    InstanceCreationTime: when.time,
    ...patientStudy(input.header),
    Modality: "SR",
    SeriesInstanceUID: uids.series,
    SeriesNumber: 9901,
    SeriesDescription: "LiverCAD AI result (SR)",
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: MANUFACTURER,
    ManufacturerModelName: DEVICE_NAME,
    SoftwareVersions: input.appVersion,
    InstanceNumber: 1,
    CompletionFlag: "COMPLETE",
    VerificationFlag: "UNVERIFIED",
    ContentDate: when.date,
    ContentTime: when.time,
    PerformedProcedureCodeSequence: [],
    // The private scheme declared (PS3.3 C.12.1.1.2) so a reader can tell whose codes they are.
    CodingSchemeIdentificationSequence: [
      {
        CodingSchemeDesignator: PRIVATE_SCHEME,
        CodingSchemeName: "LiverCAD Workstation private codes",
        CodingSchemeResponsibleOrganization: MANUFACTURER,
      },
    ],
    ...root,
  };
  if (bySeries.size > 0) {
    ds.CurrentRequestedProcedureEvidenceSequence = [
      {
        StudyInstanceUID: r.studyInstanceUid,
        ReferencedSeriesSequence: [...bySeries].map(([series, imgs]) => ({
          SeriesInstanceUID: series,
          ReferencedSOPSequence: imgs.map((i) => ({
            ReferencedSOPClassUID: i.sopClassUid,
            ReferencedSOPInstanceUID: i.sopInstanceUid,
          })),
        })),
      },
    ];
  }
  return ds;
}
