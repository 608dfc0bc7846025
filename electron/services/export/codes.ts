// Coded concepts of LiverCAD's result objects. DICOM's own codes (PS3.16 Annex D, scheme DCM) and
// SNOMED CT (SCT) where a concept exists; a private scheme, 99LIVERCAD (PS3.16 8.2: "99" prefix),
// only for what neither has: the detector score, the paper's MC confidence, the calibrated
// assessment and the per-sequence series.
import type { LesionClass, SequenceId } from "../../contract/domain";

export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

const dcm = (v: string, m: string): Code => ({
  CodeValue: v,
  CodingSchemeDesignator: "DCM",
  CodeMeaning: m,
});
const sct = (v: string, m: string): Code => ({
  CodeValue: v,
  CodingSchemeDesignator: "SCT",
  CodeMeaning: m,
});
export const PRIVATE_SCHEME = "99LIVERCAD";
const lc = (v: string, m: string): Code => ({
  CodeValue: v,
  CodingSchemeDesignator: PRIVATE_SCHEME,
  CodeMeaning: m,
});

export const CODES = {
  // TID 1500 Measurement Report and its sub-templates (PS3.16 Annex A).
  imagingMeasurementReport: dcm("126000", "Imaging Measurement Report"),
  languageOfContent: dcm("121049", "Language of Content Item and Descendants"),
  english: { CodeValue: "en-US", CodingSchemeDesignator: "RFC5646", CodeMeaning: "English (US)" },
  observerType: dcm("121005", "Observer Type"),
  device: dcm("121007", "Device"),
  deviceObserverUid: dcm("121012", "Device Observer UID"),
  deviceObserverName: dcm("121013", "Device Observer Name"),
  deviceObserverManufacturer: dcm("121014", "Device Observer Manufacturer"),
  deviceObserverModelName: dcm("121015", "Device Observer Model Name"),
  procedureReported: dcm("121058", "Procedure reported"),
  mri: sct("113091000", "Magnetic resonance imaging"),
  imageLibrary: dcm("111028", "Image Library"),
  imageLibraryGroup: dcm("126200", "Image Library Group"),
  imagingMeasurements: dcm("126010", "Imaging Measurements"),
  qualitativeEvaluations: {
    CodeValue: "C0034375",
    CodingSchemeDesignator: "UMLS",
    CodeMeaning: "Qualitative Evaluations",
  },
  measurementGroup: dcm("125007", "Measurement Group"),
  trackingIdentifier: dcm("112039", "Tracking Identifier"),
  trackingUid: dcm("112040", "Tracking Unique Identifier"),
  finding: dcm("121071", "Finding"),
  findingSite: sct("363698007", "Finding Site"),
  liver: sct("10200004", "Liver"),
  mass: sct("4147007", "Mass"),
  imageRegion: dcm("111030", "Image Region"),
  comment: dcm("121106", "Comment"),
  // TID 4019 Algorithm Identification.
  algorithmName: dcm("111001", "Algorithm Name"),
  algorithmVersion: dcm("111003", "Algorithm Version"),
  algorithmParameters: dcm("111002", "Algorithm Parameters"),
  // UCUM units.
  unitless: { CodeValue: "1", CodingSchemeDesignator: "UCUM", CodeMeaning: "no units" },
  mm: { CodeValue: "mm", CodingSchemeDesignator: "UCUM", CodeMeaning: "millimeter" },
  // No DCM or SCT concept exists for these (private scheme).
  noLesionLocalized: lc("NOROI", "No lesion localized"),
  detectorScore: lc("DETSCORE", "Lesion detector score"),
  mcConfidence: lc("MCCONF", "Monte-Carlo dropout confidence (1 - mean variance)"),
  mcUncertainty: lc("MCUNC", "Monte-Carlo dropout uncertainty (mean variance)"),
  mcVariance: lc("MCVAR", "Monte-Carlo dropout variance"),
  mcSamples: lc("MCSAMPLES", "Monte-Carlo dropout samples"),
  probCorrect: lc("PCORRECT", "Calibrated probability that the prediction is right"),
  confidenceBand: lc("BAND", "Confidence band"),
  predictionSetMember: lc("PSET", "Conformal prediction set member"),
  predictionSetCoverage: lc("PSETCOV", "Conformal prediction set coverage"),
  closeCall: lc("CLOSECALL", "Close call"),
  roiSlice: lc("SLICE", "Slice index in the series"),
  roiRank: lc("RANK", "ROI rank"),
  centerX: lc("CX", "ROI centre x (patient LPS)"),
  centerY: lc("CY", "ROI centre y (patient LPS)"),
  centerZ: lc("CZ", "ROI centre z (patient LPS)"),
  analysisStatus: lc("STATUS", "Analysis status"),
  analyzedAt: lc("ANALYZEDAT", "Analysis finished at"),
  executionProvider: lc("PROVIDER", "Inference execution provider"),
} as const;

/** SNOMED CT concepts of the three classes (paper: HCC, ICC, metastasis). */
export const CLASS_CODES: Record<LesionClass, Code> = {
  HCC: sct("25370001", "Hepatocellular carcinoma"),
  ICC: sct("70179006", "Intrahepatic cholangiocarcinoma"),
  metastasis: sct("94381002", "Secondary malignant neoplasm of liver"),
};

/** "Probability of <class>": no DCM/SCT code names a classifier's class probability. */
export const PROBABILITY_CODES: Record<LesionClass, Code> = {
  HCC: lc("P-HCC", "Probability of hepatocellular carcinoma"),
  ICC: lc("P-ICC", "Probability of intrahepatic cholangiocarcinoma"),
  metastasis: lc("P-MET", "Probability of liver metastasis"),
};
export const CLASS_VARIANCE_CODES: Record<LesionClass, Code> = {
  HCC: lc("V-HCC", "MC variance of the HCC probability"),
  ICC: lc("V-ICC", "MC variance of the ICC probability"),
  metastasis: lc("V-MET", "MC variance of the metastasis probability"),
};

/** The series the analysis read per sequence. */
export const SEQUENCE_CODES: Record<SequenceId, Code> = {
  T1_pre: lc("SEQ-T1PRE", "Series used: T1 pre-contrast"),
  T2: lc("SEQ-T2", "Series used: T2"),
  T1_arterial: lc("SEQ-T1ART", "Series used: T1 arterial"),
  T1_venous: lc("SEQ-T1PV", "Series used: T1 portal-venous"),
  DWI: lc("SEQ-DWI", "Series used: DWI"),
};

export const BAND_CODES = {
  high: lc("BAND-HIGH", "High"),
  medium: lc("BAND-MEDIUM", "Medium"),
  low: lc("BAND-LOW", "Low"),
} as const;

export const YES = sct("373066001", "Yes");
export const NO = sct("373067005", "No");

/** The intended-use statement every LiverCAD result carries. */
export const DISCLAIMER = "Research and demonstration software, not for clinical use.";
export const DEVICE_NAME = "LiverCAD Workstation";
export const MANUFACTURER = "LiverCAD project";
/** Provider recorded on an analysis restored from an imported SR (restore.ts). */
export const SR_IMPORT_PROVIDER = "DICOM SR import";

export function sameCode(a: unknown, b: Code): boolean {
  const x = (Array.isArray(a) ? a[0] : a) as Partial<Code> | undefined;
  return x?.CodeValue === b.CodeValue && x?.CodingSchemeDesignator === b.CodingSchemeDesignator;
}
