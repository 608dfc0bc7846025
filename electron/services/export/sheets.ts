// Case sheets for coordinators (issue 15 §2): one row per study, CSV (UTF-8 with BOM so Excel
// reads the accents; formula-looking cells escaped, OWASP "CSV injection") and XLSX (exceljs; cells
// are typed strings/numbers, never formulas). The column list is data: the README's column
// dictionary is printed from it (COLUMN_DICTIONARY), so the two cannot drift apart.
import { stringify } from "csv-stringify/sync";
import ExcelJS from "exceljs";
import { SEQUENCES } from "../../contract/domain";
import type { StudyExport } from "./context";
import { fixZipDates } from "./zip-dates";

export interface SheetColumn {
  key: string;
  description: string;
  value(s: StudyExport, extra: SheetExtras): string | number | boolean | null;
}

/** Per-study facts not in StudyExport (largest ROI in mm needs the series' pixel spacing). */
export interface SheetExtras {
  /** [width, height] in mm of the largest ROI, or null without ROIs. */
  largestRoiMm: [number, number] | null;
}

const r4 = (x: number | null | undefined): number | null =>
  x === null || x === undefined ? null : Number(x.toFixed(4));

export const COLUMNS: SheetColumn[] = [
  {
    key: "patient_id",
    description: "Patient ID (in a de-identified export: the pseudonym)",
    value: (s) => s.result.patientId,
  },
  {
    key: "patient_name",
    description: "Patient name (empty when de-identified)",
    value: (s) => s.patientName,
  },
  {
    key: "birth_date",
    description: "Birth date YYYYMMDD (empty when de-identified)",
    value: (s) => s.birthDate,
  },
  { key: "sex", description: "Patient sex (M, F, O or empty)", value: (s) => s.sex },
  {
    key: "study_date",
    description: "Study date YYYYMMDD (de-identified: shifted by the patient's offset)",
    value: (s) => s.studyDate,
  },
  {
    key: "accession_number",
    description: "Accession number (empty when de-identified)",
    value: (s) => s.accessionNumber,
  },
  {
    key: "study_instance_uid",
    description: "Study Instance UID (de-identified: the replacement UID)",
    value: (s) => s.result.studyInstanceUid,
  },
  ...SEQUENCES.map((q): SheetColumn => ({
    key: `series_${q}`,
    description: `Series Instance UID the analysis used as ${q}`,
    value: (s) => s.result.sequences[q],
  })),
  {
    key: "status",
    description: "Analysis status: analyzed, no-roi, incomplete, error",
    value: (s) => s.result.status,
  },
  {
    key: "prediction",
    description: "Predicted class: HCC, ICC, metastasis (empty without ROI)",
    value: (s) => s.result.prediction,
  },
  {
    key: "p_hcc",
    description: "Study probability of HCC (mean over ROIs)",
    value: (s) => r4(s.result.probabilities?.HCC),
  },
  {
    key: "p_icc",
    description: "Study probability of ICC",
    value: (s) => r4(s.result.probabilities?.ICC),
  },
  {
    key: "p_metastasis",
    description: "Study probability of metastasis",
    value: (s) => r4(s.result.probabilities?.metastasis),
  },
  {
    key: "confidence",
    description: "The paper's Monte-Carlo dropout confidence, 1 - mean variance (0.75-1)",
    value: (s) => r4(s.result.confidence),
  },
  {
    key: "prob_correct",
    description:
      "Calibrated probability that the prediction is right (issue 11; empty when the analysis has none)",
    value: (s) => r4(s.assessment?.probCorrect),
  },
  {
    key: "confidence_band",
    description: "Confidence band: high, medium, low",
    value: (s) => s.assessment?.band ?? null,
  },
  {
    key: "conformal_set",
    description: "Split-conformal prediction set, classes joined by '|'",
    value: (s) => s.assessment?.predictionSet.join("|") ?? null,
  },
  {
    key: "conformal_coverage",
    description: "Nominal coverage of the conformal set",
    value: (s) => s.assessment?.coverage ?? null,
  },
  { key: "roi_count", description: "Number of kept ROIs", value: (s) => s.result.rois.length },
  {
    key: "largest_roi_mm",
    description: "Largest ROI (by area) as width x height in mm",
    value: (_, e) =>
      e.largestRoiMm ? `${e.largestRoiMm[0].toFixed(1)} x ${e.largestRoiMm[1].toFixed(1)}` : null,
  },
  {
    key: "reviewed",
    description: "Latest review: reviewed flag (true/false; empty if never reviewed)",
    value: (s) => s.review?.reviewed ?? null,
  },
  {
    key: "urgent",
    description: "Latest review: urgent flag",
    value: (s) => s.review?.urgent ?? null,
  },
  { key: "comment", description: "Latest review comment", value: (s) => s.review?.comment ?? null },
  {
    key: "reviewer",
    description: "Who saved the latest review",
    value: (s) => s.review?.actor ?? null,
  },
  { key: "reviewed_at", description: "When (ISO 8601, UTC)", value: (s) => s.review?.at ?? null },
  {
    key: "analyzed_at",
    description: "When the analysis finished (ISO 8601, UTC)",
    value: (s) => s.result.analyzedAt,
  },
  {
    key: "origin",
    description: "analysis (run here) or DICOM SR import (restored from an SR)",
    value: (s) => s.origin,
  },
  {
    key: "models",
    description: "Models used, id@version separated by ';'",
    value: (s) => s.result.model.models.map((m) => `${m.id}@${m.version}`).join(";"),
  },
];

export const COLUMN_DICTIONARY = COLUMNS.map((c) => `| \`${c.key}\` | ${c.description} |`).join(
  "\n",
);

function cell(v: string | number | boolean | null): string | number {
  if (v === null) return "";
  if (typeof v === "boolean") return v ? "true" : "false";
  return v;
}

export function sheetRows(studies: StudyExport[], extras: SheetExtras[]): (string | number)[][] {
  return studies.map((s, i) => COLUMNS.map((c) => cell(c.value(s, extras[i]!))));
}

export function csvBytes(studies: StudyExport[], extras: SheetExtras[]): Uint8Array {
  const text = stringify([COLUMNS.map((c) => c.key), ...sheetRows(studies, extras)], {
    bom: true,
    escape_formulas: true,
    record_delimiter: "windows",
  });
  return new Uint8Array(Buffer.from(text, "utf8"));
}

/** XLSX with the workbook dates fixed to `when`, so the same registry state gives the same file. */
export async function xlsxBytes(
  studies: StudyExport[],
  extras: SheetExtras[],
  when: Date,
): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "LiverCAD Workstation";
  wb.created = when;
  wb.modified = when;
  const ws = wb.addWorksheet("Case sheet");
  ws.addRow(COLUMNS.map((c) => c.key)).font = { bold: true };
  for (const row of sheetRows(studies, extras)) ws.addRow(row);
  ws.views = [{ state: "frozen", ySplit: 1 }];
  const dict = wb.addWorksheet("Columns");
  dict.addRow(["column", "meaning"]).font = { bold: true };
  for (const c of COLUMNS) dict.addRow([c.key, c.description]);
  const buf = await wb.xlsx.writeBuffer();
  return fixZipDates(new Uint8Array(buf as ArrayBuffer), when);
}
