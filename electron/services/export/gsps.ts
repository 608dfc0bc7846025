// One analysis -> a Grayscale Softcopy Presentation State (PS3.3 A.33.1) that draws each kept
// ROI's box (and its rank and class probabilities as text) on its key slice, so any PACS viewer
// shows them. Graphic Annotation Units PIXEL put the top-left corner of the first pixel at (0,0)
// (PS3.3 C.10.5.1.2): the same coordinates as the SR's SCOORD (sr-build.ts boxPolyline).
import { LESION_CLASSES } from "../../contract/domain";
import { ExportError } from "../../contract/errors";
import type { StudyResult } from "../analysis/types";
import { DISCLAIMER, MANUFACTURER, DEVICE_NAME } from "./codes";
import { GSPS, dateTime, derivedUid, type DataSet } from "./dcm";
import { boxPolyline, patientStudy, type RoiImage } from "./sr-build";

export interface GspsInput {
  result: StudyResult;
  header: DataSet;
  roiImages: RoiImage[];
  /** Rows and columns of each referenced series (Displayed Area, C.10.4). */
  imageSizes: Map<string, { rows: number; columns: number }>;
  analysisId: number;
  appVersion: string;
}

export const GSPS_LAYER = "LIVERCAD_ROI";

function imageRef(img: RoiImage): DataSet {
  const ref: DataSet = {
    ReferencedSOPClassUID: img.sopClassUid,
    ReferencedSOPInstanceUID: img.sopInstanceUid,
  };
  if (img.frameNumber !== null) ref.ReferencedFrameNumber = img.frameNumber;
  return ref;
}

export function gspsUids(studyInstanceUid: string, analysisId: number) {
  return {
    series: derivedUid("livercad-pr-series", studyInstanceUid, String(analysisId)),
    instance: derivedUid("livercad-pr", studyInstanceUid, String(analysisId)),
  };
}

export function buildGsps(input: GspsInput): DataSet {
  const r = input.result;
  const when = dateTime(r.analyzedAt);
  const uids = gspsUids(r.studyInstanceUid, input.analysisId);
  // One annotation item per key image; ROIs on the same image share it.
  const byImage = new Map<string, { img: RoiImage; series: string; rois: number[] }>();
  r.rois.forEach((roi, k) => {
    const img = input.roiImages[k]!;
    const key = `${img.sopInstanceUid}/${img.frameNumber}`;
    const entry = byImage.get(key) ?? { img, series: roi.seriesInstanceUid, rois: [] };
    entry.rois.push(k);
    byImage.set(key, entry);
  });
  const annotations = [...byImage.values()].map(({ img, rois }) => ({
    ReferencedImageSequence: [imageRef(img)],
    GraphicLayer: GSPS_LAYER,
    GraphicObjectSequence: rois.map((k) => ({
      GraphicAnnotationUnits: "PIXEL",
      GraphicDimensions: 2,
      NumberOfGraphicPoints: 5,
      GraphicData: boxPolyline(r.rois[k]!.box_px),
      GraphicType: "POLYLINE",
      GraphicFilled: "N",
    })),
    TextObjectSequence: rois.map((k) => {
      const roi = r.rois[k]!;
      const probs = LESION_CLASSES.map((c) => `${c} ${(roi.probabilities[c] * 100).toFixed(0)}%`);
      return {
        AnchorPointAnnotationUnits: "PIXEL",
        UnformattedTextValue: `ROI ${roi.rank}: ${probs.join(" ")}`,
        AnchorPoint: [roi.box_px[0] + 0.5, Math.max(0, roi.box_px[1] - 2 + 0.5)],
        AnchorPointVisibility: "N",
      };
    }),
  }));
  // Presentation State Relationship (C.11.11): every image the state applies to, by series.
  const bySeries = new Map<string, RoiImage[]>();
  for (const { img, series } of byImage.values()) {
    bySeries.set(series, [...(bySeries.get(series) ?? []), img]);
  }
  const displayed = [...bySeries].map(([series, imgs]) => {
    const size = input.imageSizes.get(series);
    if (!size) throw new ExportError(`No image size known for series ${series}.`);
    return {
      ReferencedImageSequence: imgs.map(imageRef),
      DisplayedAreaTopLeftHandCorner: [1, 1],
      DisplayedAreaBottomRightHandCorner: [size.columns, size.rows],
      PresentationSizeMode: "SCALE TO FIT",
      PresentationPixelAspectRatio: [1, 1],
    };
  });
  const prediction = r.prediction ?? "no lesion localized";
  return {
    SOPClassUID: GSPS,
    SOPInstanceUID: uids.instance,
    SpecificCharacterSet: "ISO_IR 192",
    InstanceCreationDate: when.date,
    InstanceCreationTime: when.time,
    ...patientStudy(input.header),
    Modality: "PR",
    SeriesInstanceUID: uids.series,
    SeriesNumber: 9902,
    SeriesDescription: "LiverCAD AI result (ROI boxes)",
    // Type 2C in General Series; dcmpschk wants it present (FIELD-NOTES).
    Laterality: "",
    Manufacturer: MANUFACTURER,
    ManufacturerModelName: DEVICE_NAME,
    SoftwareVersions: input.appVersion,
    InstanceNumber: 1,
    ContentLabel: "LIVERCAD_ROIS",
    ContentDescription: `LiverCAD ${prediction}. ${DISCLAIMER}`.slice(0, 64),
    PresentationCreationDate: when.date,
    PresentationCreationTime: when.time,
    ContentCreatorName: "",
    ReferencedSeriesSequence: [...bySeries].map(([series, imgs]) => ({
      SeriesInstanceUID: series,
      ReferencedImageSequence: imgs.map(imageRef),
    })),
    DisplayedAreaSelectionSequence: displayed,
    GraphicAnnotationSequence: annotations,
    GraphicLayerSequence: [
      {
        GraphicLayer: GSPS_LAYER,
        GraphicLayerOrder: 1,
        GraphicLayerDescription: "LiverCAD ROI boxes",
        GraphicLayerRecommendedDisplayGrayscaleValue: 65535,
      },
    ],
    PresentationLUTShape: "IDENTITY",
  };
}
