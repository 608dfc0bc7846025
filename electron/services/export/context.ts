// What every exporter needs about one analyzed study, read from the registry and the managed store:
// the latest analysis (out.json's StudyResult + its row id + the optional calibrated assessment),
// the patient/study attributes of its images, the review flags, and each ROI's source image
// (instance + frame, from the series loaded through the app's own volume loader).
import fs from "node:fs";
import type { SequenceId } from "../../contract/domain";
import { ExportError } from "../../contract/errors";
import { loadSeries, type LoadedSeries } from "../../dicom/load-series";
import {
  dwiBValueOfStudy,
  instanceFilesOfSeries,
  latestReviewReader,
  sopClassOfInstance,
  studyHeaderReader,
  studyResults,
  type Registry,
  type ReviewRecord,
  type StudyHeaderRow,
} from "../../registry";
import type { StudyResult } from "../analysis/types";
import { ManagedStore } from "../import/store";
import { readPart10, type DataSet } from "./dcm";
import type { RoiImage } from "./sr-build";
import { SR_IMPORT_PROVIDER } from "./codes";

/** A study's latest analysis with its header (registry/study-headers.ts) and its review. */
export interface StudyExport extends StudyHeaderRow {
  result: StudyResult;
  /** The nurse's latest review (registry/reviews.ts); null when never reviewed. */
  review: ReviewRecord | null;
  /** Where the analysis came from: run here, or restored from an imported SR. */
  origin: string;
}

/**
 * The latest analysis of every analyzed study (or of `uids`), in registry order. The assessment
 * comes with migration 006 (issue 11) and is null on older registries.
 */
export function studiesToExport(reg: Registry, uids?: string[]): StudyExport[] {
  const results = studyResults(reg.db, uids);
  const header = studyHeaderReader(reg.db);
  const review = latestReviewReader(reg.db);
  return results.map((result) => {
    return {
      ...header(result.studyInstanceUid)!,
      result,
      review: review(result.studyInstanceUid),
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
        throw new ExportError(
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
    const sopClass = sopClassOfInstance(this.reg.db, sop);
    if (sopClass === null) {
      throw new ExportError(`Image ${sop} of an ROI is not in the registry: re-import its series.`);
    }
    return sopClass;
  }

  bValueOf(study: StudyExport, sequence: SequenceId): number | null {
    if (sequence !== "DWI") return null;
    return dwiBValueOfStudy(this.reg.db, study.result.studyInstanceUid);
  }
}
