// PDF case sheets (issue 15 §2): per study a page with the patient header, prediction and
// probabilities, confidence with its band, key images of the five sequences with the ROI boxes,
// review status and comments, model provenance and the intended-use disclaimer. Text is set in
// embedded TrueType fonts (DejaVu Sans; Droid Sans Fallback for CJK) because pdfkit's built-in
// fonts are WinAnsi only and silently garble other scripts (FIELD-NOTES). Creation dates are the
// registry state's date, never the clock, so the same state gives the same bytes.
import fs from "node:fs";
import PDFDocument from "pdfkit";
import { PNG } from "pngjs";
import {
  LESION_CLASSES,
  SEQUENCES,
  SEQUENCE_LABELS,
  type SequenceId,
  type Vec3,
} from "../../contract/domain";
import { gridTransform } from "../../contract/geometry";
import type { LoadedSeries } from "../../dicom/load-series";
import type { StudyExport } from "./context";
import { DISCLAIMER } from "./codes";

export const FONT_FILES = {
  regular: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  bold: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
  /** CJK names (Debian fonts-droid-fallback); used only for text DejaVu lacks, when installed. */
  cjk: "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
} as const;

/** A sequence's key image: the slice as 8-bit PNG and the ROI boxes in its pixels. */
export interface KeyImage {
  sequence: SequenceId;
  png: Buffer | null;
  columns: number;
  rows: number;
  sliceIndex: number | null;
  boxes: { rank: number; box: [number, number, number, number] }[];
  note: string | null;
}

export interface CaseSheet {
  study: StudyExport;
  images: KeyImage[];
}

/** 1st-99th percentile window of one slice to 8 bits (as prepare.ts normalizes, PNG for paper). */
export function slicePng(series: LoadedSeries, k: number): Buffer {
  const { columns, rows } = series.volume.geometry;
  const plane = columns * rows;
  const data = series.volume.data.subarray(k * plane, (k + 1) * plane);
  const sorted = Float32Array.from(data).sort();
  const lo = sorted[Math.floor(0.01 * (plane - 1))]!;
  const hi = sorted[Math.floor(0.99 * (plane - 1))]!;
  const png = new PNG({
    width: columns,
    height: rows,
    colorType: 0,
    inputColorType: 0,
    bitDepth: 8,
  });
  const span = hi > lo ? hi - lo : 1;
  const out = Buffer.alloc(plane);
  for (let m = 0; m < plane; m++) {
    const v = ((data[m]! - lo) / span) * 255;
    out[m] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
  png.data = out;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 });
}

/**
 * Key images of the five sequences: the ROI's own series shows its slice and box; every other
 * sequence shows the slice nearest the rank-1 ROI's centre, with the box's corners carried through
 * patient coordinates (the series differ in orientation and spacing).
 */
export function keyImages(
  study: StudyExport,
  series: Partial<Record<SequenceId, LoadedSeries>>,
): KeyImage[] {
  const top = study.result.rois.find((r) => r.rank === 1) ?? null;
  return SEQUENCES.map((q): KeyImage => {
    const loaded = series[q];
    if (!loaded) {
      return {
        sequence: q,
        png: null,
        columns: 0,
        rows: 0,
        sliceIndex: null,
        boxes: [],
        note: "series not available",
      };
    }
    const g = loaded.volume.geometry;
    const t = gridTransform(g);
    let k = Math.floor(g.slices / 2);
    if (top) {
      k =
        top.seriesInstanceUid === loaded.seriesInstanceUid
          ? top.sliceIndex
          : Math.round(t.patientToIndex(top.center_mm)[2]);
      k = Math.min(g.slices - 1, Math.max(0, k));
    }
    const boxes: KeyImage["boxes"] = [];
    for (const roi of study.result.rois) {
      if (roi.seriesInstanceUid === loaded.seriesInstanceUid) {
        if (roi.sliceIndex === k) boxes.push({ rank: roi.rank, box: roi.box_px });
        continue;
      }
      // Mapped: only ROIs whose centre falls on this slice (within half a slice).
      const c = t.patientToIndex(roi.center_mm);
      if (Math.abs(c[2] - k) > 0.5) continue;
      const ref = series[roi.sequence];
      if (!ref) continue;
      const rt = gridTransform(ref.volume.geometry);
      const [x0, y0, x1, y1] = roi.box_px;
      const corners: Vec3[] = [
        [x0, y0, roi.sliceIndex],
        [x1, y0, roi.sliceIndex],
        [x0, y1, roi.sliceIndex],
        [x1, y1, roi.sliceIndex],
      ].map((p) => t.patientToIndex(rt.indexToPatient(p as Vec3)));
      const xs = corners.map((p) => p[0]);
      const ys = corners.map((p) => p[1]);
      boxes.push({
        rank: roi.rank,
        box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
      });
    }
    return {
      sequence: q,
      png: slicePng(loaded, k),
      columns: g.columns,
      rows: g.rows,
      sliceIndex: k,
      boxes,
      note: null,
    };
  });
}

const CJK = /[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/;
const CJK_RUNS = /([\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+)/;

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? "-" : `${(x * 100).toFixed(1)}%`;
}

function page(doc: PDFKit.PDFDocument, sheet: CaseSheet, fonts: { cjk: boolean }): void {
  const { study: s, images } = sheet;
  const r = s.result;
  // Runs of CJK text go to the fallback font, the rest to DejaVu: one font lacks the other's glyphs.
  const text = (t: string, opts: PDFKit.Mixins.TextOptions = {}, bold = false): void => {
    const runs = fonts.cjk ? t.split(CJK_RUNS).filter((x) => x.length > 0) : [t];
    if (runs.length === 0) runs.push("");
    runs.forEach((run, i) => {
      doc.font(fonts.cjk && CJK.test(run) ? "cjk" : bold ? "bold" : "regular");
      doc.text(run, { ...opts, continued: i < runs.length - 1 });
    });
  };
  const name = s.patientName.replace(/\^/g, " ").trim();
  doc.fontSize(15);
  text("LiverCAD case sheet", {}, true);
  doc.fontSize(10);
  text(
    `Patient: ${name || "(no name)"}   ID: ${r.patientId}   Born: ${s.birthDate || "-"}   Sex: ${s.sex || "-"}`,
  );
  text(
    `Study: ${s.studyDate} ${s.studyTime}   Accession: ${s.accessionNumber || "-"}   ${s.description}`,
  );
  text(`Study Instance UID: ${r.studyInstanceUid}`);
  doc.moveDown(0.5);
  doc.fontSize(13);
  text(
    `Prediction: ${r.prediction ?? (r.status === "no-roi" ? "no lesion localized" : r.status)}`,
    {},
    true,
  );
  doc.fontSize(10);
  if (r.probabilities) {
    text(
      `Probabilities: ${LESION_CLASSES.map((c) => `${c} ${pct(r.probabilities![c])}`).join("   ")}`,
    );
  }
  const a = s.assessment;
  text(
    `Confidence (MC dropout, 1 - mean variance): ${r.confidence === null ? "-" : r.confidence.toFixed(4)}` +
      (a
        ? `   Calibrated: ${pct(a.probCorrect)}, band ${a.band}${a.closeCall ? ", close call" : ""}   Prediction set (${Math.round(a.coverage * 100)}%): {${a.predictionSet.join(", ")}}`
        : "   Band: - (no calibrated assessment stored)"),
  );
  text(`ROIs kept: ${r.rois.length}`);
  doc.moveDown(0.5);

  // Key images: five across, each 100 pt wide, with the boxes drawn as vectors over the image.
  const y0 = doc.y;
  const size = 100;
  images.forEach((img, i) => {
    const x = doc.page.margins.left + i * (size + 4);
    doc.font("regular").fontSize(7).text(SEQUENCE_LABELS[img.sequence], x, y0, { width: size });
    const top = y0 + 10;
    if (!img.png) {
      doc.rect(x, top, size, size).stroke("#888888");
      doc.text(img.note ?? "", x + 4, top + 40, { width: size - 8 });
      return;
    }
    const scale = size / Math.max(img.columns, img.rows);
    doc.image(img.png, x, top, { width: img.columns * scale, height: img.rows * scale });
    for (const b of img.boxes) {
      // Stored boxes put pixel centres at integers; the image's pixel m spans [m, m+1).
      const bx = x + (b.box[0] + 0.5) * scale;
      const by = top + (b.box[1] + 0.5) * scale;
      doc
        .lineWidth(0.8)
        .rect(bx, by, (b.box[2] - b.box[0]) * scale, (b.box[3] - b.box[1]) * scale)
        .stroke(b.rank === 1 ? "#ff3b30" : "#ffcc00");
    }
    doc
      .fillColor("black")
      .fontSize(6)
      .text(img.sliceIndex === null ? "" : `slice ${img.sliceIndex + 1}`, x, top + size + 2, {
        width: size,
      });
  });
  doc.x = doc.page.margins.left;
  doc.y = y0 + size + 24;
  doc.fontSize(10);
  text("Review", {}, true);
  const rv = s.review;
  text(
    rv
      ? `${rv.reviewed ? "Reviewed" : "Not reviewed"}${rv.urgent ? ", URGENT" : ""} by ${rv.actor} at ${rv.at}`
      : "Not reviewed",
  );
  if (rv?.comment) text(`Comment: ${rv.comment}`);
  doc.moveDown(0.5);
  text("Provenance", {}, true);
  doc.fontSize(8);
  text(`Analysis: ${s.origin}, ${r.analyzedAt}, provider ${r.provider}`);
  for (const m of r.model.models) {
    text(
      `${m.id} ${m.version} (${m.task}${m.sequence ? ` ${m.sequence}` : ""}) sha256 ${m.sha256}`,
    );
  }
  doc.moveDown(0.5);
  doc.fontSize(10);
  text(DISCLAIMER, {}, true);
}

/** One PDF holding a page per case sheet; `when` is its creation and modification date. */
export function pdfBytes(sheets: CaseSheet[], when: Date): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: "A4",
    margin: 40,
    autoFirstPage: false,
    info: {
      Title:
        sheets.length === 1
          ? `LiverCAD case sheet ${sheets[0]!.study.result.patientId}`
          : "LiverCAD case sheets",
      Author: "LiverCAD Workstation",
      Creator: "LiverCAD Workstation",
      Producer: "LiverCAD Workstation (pdfkit)",
      CreationDate: when,
      ModDate: when,
    },
  });
  doc.registerFont("regular", FONT_FILES.regular);
  doc.registerFont("bold", FONT_FILES.bold);
  const cjk = fs.existsSync(FONT_FILES.cjk);
  if (cjk) doc.registerFont("cjk", FONT_FILES.cjk);
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on("error", reject);
  });
  for (const sheet of sheets) {
    doc.addPage();
    page(doc, sheet, { cjk });
  }
  doc.end();
  return done;
}
