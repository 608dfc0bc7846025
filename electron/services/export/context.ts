// What every exporter needs about one analyzed study, read from the registry and the managed store:
// the latest analysis (out.json's StudyResult + its row id + the optional calibrated assessment),
// the patient/study attributes of its images, the review flags, and each ROI's source image
// (instance + frame, from the series loaded through the app's own volume loader).
import fs from "node:fs";
import type { Assessment } from "../../contract/confidence";
import type { SequenceId } from "../../contract/domain";
import { loadSeries, type LoadedSeries } from "../../dicom/load-series";
import { instanceFilesOfSeries, type Registry } from "../../registry";
import { studyResults } from "../../registry";
import type { StudyResult } from "../analysis/types";
import { ManagedStore } from "../import/store";
import { readPart10, type DataSet } from "./dcm";
import type { RoiImage } from "./sr-build";
import { SR_IMPORT_PROVIDER } from "./codes";

export interface ReviewState {
  reviewed: boolean;
  urgent: boolean;
  comment: string;
  actor: string;
  at: string;
}

export interface StudyExport {
  result: StudyResult;
  analysisId: number;
  assessment: Assessment | null;
  patientName: string;
  birthDate: string;
  sex: string;
  studyDate: string;
  studyTime: string;
  accessionNumber: string;
  description: string;
  review: ReviewState | null;
  /** Where the analysis came from: run here, or restored from an imported SR. */
  origin: string;
}

interface Row {
  id: number;
  uid: string;
  patient_name: string;
  birth_date: string;
  sex: string;
  study_date: string;
  study_time: string;
  accession_number: string;
  description: string;
  assessment_json?: string | null;
}

function hasColumn(reg: Registry, table: string, column: string): boolean {
  return reg.db
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
    .all()
    .some((c) => c.name === column);
}

/**
 * The latest analysis of every analyzed study (or of `uids`), in registry order. The assessment
 * column comes with migration 006 (issue 11): read only when present, so exports work on
 * registries of any age.
 */
export function studiesToExport(reg: Registry, uids?: string[]): StudyExport[] {
  const results = studyResults(reg.db, uids);
  const assessment = hasColumn(reg, "analyses", "assessment_json") ? ", a.assessment_json" : "";
  const row = reg.db.prepare<[string], Row>(
    `SELECT a.id, s.study_instance_uid AS uid, p.patient_name, p.birth_date, p.sex, s.study_date,
            s.study_time, s.accession_number, s.description${assessment}
       FROM studies s JOIN patients p ON p.id = s.patient_ref
       JOIN analyses a ON a.id = (SELECT MAX(x.id) FROM analyses x WHERE x.study_ref = s.id)
      WHERE s.study_instance_uid = ?`,
  );
  const review = reg.db.prepare<
    [string],
    { reviewed: number; urgent: number; comment: string; actor: string; at: string }
  >(
    `SELECT r.reviewed, r.urgent, r.comment, r.actor, r.at FROM reviews r
       JOIN studies s ON s.id = r.study_ref
      WHERE s.study_instance_uid = ? ORDER BY r.id DESC LIMIT 1`,
  );
  return results.map((result) => {
    const r = row.get(result.studyInstanceUid)!;
    const rv = review.get(result.studyInstanceUid);
    return {
      result,
      analysisId: r.id,
      assessment: r.assessment_json ? (JSON.parse(r.assessment_json) as Assessment) : null,
      patientName: r.patient_name,
      birthDate: r.birth_date,
      sex: r.sex,
      studyDate: r.study_date,
      studyTime: r.study_time,
      accessionNumber: r.accession_number,
      description: r.description,
      review: rv
        ? {
            reviewed: rv.reviewed === 1,
            urgent: rv.urgent === 1,
            comment: rv.comment,
            actor: rv.actor,
            at: rv.at,
          }
        : null,
      origin: result.provider.startsWith(SR_IMPORT_PROVIDER) ? "DICOM SR import" : "analysis",
    };
  });
}

/** Reads series from the managed store once per export and keeps them for the next study item. */
export class SeriesSource {
  private readonly store: ManagedStore;
  private readonly cache = new Map<string, Promise<LoadedSeries>>();
  constructor(private readonly reg: Registry) {
    this.store = new ManagedStore(reg.paths.store);
  }

  files(seriesInstanceUid: string): string[] {
    return instanceFilesOfSeries(this.reg.db, seriesInstanceUid).map((p) => this.store.absolute(p));
  }

  load(seriesInstanceUid: string, bValue: number | null = null): Promise<LoadedSeries> {
    let p = this.cache.get(seriesInstanceUid);
    if (!p) {
      p = loadSeries(this.files(seriesInstanceUid), { bValue });
      this.cache.set(seriesInstanceUid, p);
      if (this.cache.size > 12) this.cache.delete(this.cache.keys().next().value!);
    }
    return p;
  }

  /** Patient and study attributes of the study's first stored image (the SR copies them). */
  header(study: StudyExport): DataSet {
    const series = Object.values(study.result.sequences).find((s): s is string => s !== null);
    const file = series ? this.files(series)[0] : undefined;
    if (!file) {
      return {
        PatientName: study.patientName,
        PatientID: study.result.patientId,
        PatientBirthDate: study.birthDate,
        PatientSex: study.sex,
        StudyInstanceUID: study.result.studyInstanceUid,
        StudyDate: study.studyDate,
        StudyTime: study.studyTime,
        AccessionNumber: study.accessionNumber,
      };
    }
    let header = this.headers.get(file);
    if (!header) {
      header = readPart10(new Uint8Array(fs.readFileSync(file)), true).dataset;
      this.headers.set(file, header);
    }
    return header;
  }

  private readonly headers = new Map<string, DataSet>();

  /** Each ROI's source instance and frame: the slice index through the loader's slice order. */
  async roiImages(study: StudyExport): Promise<RoiImage[]> {
    const out: RoiImage[] = [];
    for (const roi of study.result.rois) {
      const loaded = await this.load(roi.seriesInstanceUid, this.bValueOf(study, roi.sequence));
      const sop = loaded.sopInstanceUids[roi.sliceIndex];
      if (sop === undefined) {
        throw new Error(
          `ROI ${roi.rank} of study ${study.result.studyInstanceUid} is on slice ${roi.sliceIndex}, but series ${roi.seriesInstanceUid} has ${loaded.sopInstanceUids.length} slices.`,
        );
      }
      const multiFrame = loaded.sopInstanceUids.filter((u) => u === sop).length > 1;
      out.push({
        sopClassUid: this.sopClassOf(sop),
        sopInstanceUid: sop,
        frameNumber: multiFrame ? loaded.frameNumbers[roi.sliceIndex]! : null,
      });
    }
    return out;
  }

  private readonly spacingCache = new Map<string, [number, number] | null>();

  /** PixelSpacing [row, column] in mm of a series' first stored image (null when absent). */
  spacing(seriesInstanceUid: string): [number, number] | null {
    if (this.spacingCache.has(seriesInstanceUid)) return this.spacingCache.get(seriesInstanceUid)!;
    const file = this.files(seriesInstanceUid)[0];
    let value: [number, number] | null = null;
    if (file) {
      const ps = readPart10(new Uint8Array(fs.readFileSync(file)), true).dataset.PixelSpacing;
      if (Array.isArray(ps) && ps.length === 2) value = [Number(ps[0]), Number(ps[1])];
    }
    this.spacingCache.set(seriesInstanceUid, value);
    return value;
  }

  /** Width x height in mm of the study's largest ROI (by area). */
  largestRoiMm(study: StudyExport): [number, number] | null {
    let best: [number, number] | null = null;
    for (const roi of study.result.rois) {
      const sp = this.spacing(roi.seriesInstanceUid) ?? [1, 1];
      const w = (roi.box_px[2] - roi.box_px[0]) * sp[1];
      const h = (roi.box_px[3] - roi.box_px[1]) * sp[0];
      if (best === null || w * h > best[0] * best[1]) best = [w, h];
    }
    return best;
  }

  private sopClassOf(sop: string): string {
    return this.reg.db
      .prepare<[string], { c: string }>(
        "SELECT sop_class_uid AS c FROM instances WHERE sop_instance_uid = ?",
      )
      .get(sop)!.c;
  }

  bValueOf(study: StudyExport, sequence: SequenceId): number | null {
    if (sequence !== "DWI") return null;
    const row = this.reg.db
      .prepare<[string], { b: number | null }>(
        `SELECT e.b_value AS b FROM effective_assignments e JOIN studies s ON s.id = e.study_ref
          WHERE s.study_instance_uid = ? AND e.sequence = 'DWI'`,
      )
      .get(study.result.studyInstanceUid);
    return row?.b ?? null;
  }
}
