// `livercad export-training`: a phantom cohort -> the tensors the models are trained on, made by
// the pipeline's own prepare and crop stages (issue 4 §2, issue 5 §1), streamed one study at a time.
//   OUT/detectors/<SEQ>/x.f32    [N, C, H, W] float32 LE, exactly the detector's input slices
//   OUT/detectors/<SEQ>/boxes.json  [{sample, patientId, slice, boxes: [[x0,y0,x1,y1], ...],
//                                    negatives?: [[x0,y0,x1,y1], ...] (distractors, randomized presets)}]
//   OUT/detectors/<SEQ>/meta.json
//   OUT/classifier/x.f32         [N, 5, S, S] float32 LE, crop-stage output at truth ROIs + jitter
//   OUT/classifier/labels.json   [{sample, patientId, label, lesionIndex, slice, jittered}]
//   OUT/classifier/meta.json
//   OUT/classifier-negatives/{x.f32, labels.json, meta.json}  with --classifier-negatives only:
//                                "not a lesion" crops [{sample, patientId, label: "none", kind,
//                                slice, jittered}] (negatives.ts)
import fs from "node:fs";
import path from "node:path";
import { LESION_CLASSES, SEQUENCES, type SequenceId } from "../../contract/domain";
import { UsageError } from "../../contract/errors";
import type { Volume, VolumeGeometry } from "../../contract/volume";
import type { LoadedSeries } from "../../dicom/load-series";
import type { Truth, TruthStudy } from "../../phantom/truth";
import { resolvePipelineConfig, type PipelineConfig } from "../../pipeline/config";
import { crop } from "../../pipeline/crop";
import { paperChannels, prepare } from "../../pipeline/prepare";
import { seededRandom } from "../../pipeline/random";
import type { Roi } from "../../pipeline/types";
import { negativeRois } from "./negatives";
import { F32Sink, JsonArraySink } from "./sinks";
import { loadStudySequences, readStudiesIn } from "./study-folder";
import {
  boxesBySlice,
  jitterRoi,
  type BoxPx,
  mapBox,
  nearestLesion,
  roiFromBox,
  type JitterSpec,
} from "./targets";

export const EXPORT_FORMAT_VERSION = 1;
/** The classifier's channel order: the paper's sequence order. */
export const CLASSIFIER_CHANNELS: readonly SequenceId[] = SEQUENCES;

export interface ExportOptions {
  cohortDir: string;
  outDir: string;
  /** Jittered ROI copies per lesion slice (K), besides the exact truth ROI. */
  jitter?: number;
  seed?: number;
  /** Share of lesion-free slices kept for the detectors (all lesion slices are kept). */
  negativeShare?: number;
  /**
   * Also keep every lesion-free slice that has a distractor (truth.json's `distractorBoxes`), the
   * detectors' hard negatives (round 10). Off: the kept slices are the draw's alone, as the
   * shipped detectors were trained; either way a kept slice lists its distractors as `negatives`.
   */
  distractorSlices?: boolean;
  /**
   * Also write "not a lesion" crops (distractors and background, negatives.ts) to
   * OUT/classifier-negatives, for a classifier with a rejection output; the other outputs are
   * unchanged by it.
   */
  classifierNegatives?: boolean;
  jitterSpec?: JitterSpec;
  config?: Partial<PipelineConfig>;
  onStudy?: (done: number, total: number, patientId: string) => void;
}

export interface ExportSummary {
  studies: number;
  detectorSamples: Record<SequenceId, number>;
  classifierSamples: number;
  bytes: number;
  seconds: number;
}

interface StudyRange {
  patientId: string;
  studyInstanceUid: string;
  label: string;
  start: number;
  count: number;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/** FNV-1a of a string: one PRNG stream per study, independent of the order studies are visited. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export async function exportTraining(options: ExportOptions): Promise<ExportSummary> {
  const t0 = Date.now();
  const config = resolvePipelineConfig(options.config);
  const K = options.jitter ?? 4;
  const seed = options.seed ?? 1;
  const negativeShare = options.negativeShare ?? 0.25;
  const distractorSlices = options.distractorSlices ?? false;
  const jitterSpec = options.jitterSpec ?? { centre: 0.2, size: 0.25 };
  if (!Number.isInteger(K) || K < 0) throw new UsageError(`--jitter must be >= 0, got ${K}`);
  if (!(negativeShare >= 0 && negativeShare <= 1)) {
    throw new UsageError(`negative share must be in [0, 1], got ${negativeShare}`);
  }
  const truthFile = path.join(options.cohortDir, "truth.json");
  if (!fs.existsSync(truthFile)) {
    throw new UsageError(`${options.cohortDir} has no truth.json: is it a phantom cohort?`);
  }
  const truth = JSON.parse(fs.readFileSync(truthFile, "utf8")) as Truth;
  const byUid = new Map(truth.studies.map((t) => [t.studyInstanceUid, t]));
  const folders = fs
    .readdirSync(options.cohortDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

  const channels = paperChannels();
  const S = config.cropSize;
  const D = config.detectorSize;
  const detDir = (s: SequenceId): string => path.join(options.outDir, "detectors", s);
  for (const s of SEQUENCES) fs.mkdirSync(detDir(s), { recursive: true });
  fs.mkdirSync(path.join(options.outDir, "classifier"), { recursive: true });
  const det = Object.fromEntries(
    SEQUENCES.map((s) => [
      s,
      {
        x: new F32Sink(path.join(detDir(s), "x.f32"), channels[s].length * D * D),
        boxes: new JsonArraySink(path.join(detDir(s), "boxes.json")),
        ranges: [] as StudyRange[],
        lesionSlices: 0,
      },
    ]),
  ) as Record<
    SequenceId,
    { x: F32Sink; boxes: JsonArraySink; ranges: StudyRange[]; lesionSlices: number }
  >;
  const cls = {
    x: new F32Sink(
      path.join(options.outDir, "classifier", "x.f32"),
      CLASSIFIER_CHANNELS.length * S * S,
    ),
    labels: new JsonArraySink(path.join(options.outDir, "classifier", "labels.json")),
    ranges: [] as StudyRange[],
  };
  const negDir = path.join(options.outDir, "classifier-negatives");
  if (options.classifierNegatives) fs.mkdirSync(negDir, { recursive: true });
  const neg = options.classifierNegatives
    ? {
        x: new F32Sink(path.join(negDir, "x.f32"), CLASSIFIER_CHANNELS.length * S * S),
        labels: new JsonArraySink(path.join(negDir, "labels.json")),
        kinds: { distractor: 0, background: 0 },
      }
    : null;

  let done = 0;
  try {
    for (const folder of folders) {
      const studies = await readStudiesIn(path.join(options.cohortDir, folder));
      for (const study of studies) {
        const t = byUid.get(study.studyInstanceUid);
        if (!t) {
          throw new UsageError(
            `Study ${study.studyInstanceUid} in ${folder} is not in ${truthFile}.`,
          );
        }
        const loaded = await loadStudySequences(study);
        const volumes = Object.fromEntries(SEQUENCES.map((s) => [s, loaded[s].volume])) as Record<
          SequenceId,
          Volume
        >;
        const prepared = prepare(volumes, config, channels);
        const random = seededRandom(hash32(`${seed}:${t.studyInstanceUid}`));
        const range = (start: number, count: number): StudyRange => ({
          patientId: t.patientId,
          studyInstanceUid: t.studyInstanceUid,
          label: t.label,
          start,
          count,
        });

        for (const input of prepared.detectorInputs) {
          const s = input.sequence;
          const sink = det[s];
          const native = loaded[s].volume.geometry;
          const sops = loaded[s].sopInstanceUids;
          const truthBoxes = boxesBySlice(t.boxes, t.series[s], sops);
          const distractorBoxes = boxesBySlice(t.distractorBoxes ?? [], t.series[s], sops);
          const sliceLen = input.channels.length * D * D;
          const start = sink.x.samples;
          const toGrid = (k: number, list: BoxPx[] | undefined) =>
            (list ?? []).map((b) => mapBox(native, input.geometry, k, b).map(r2));
          for (let k = 0; k < input.geometry.slices; k++) {
            const boxes = truthBoxes.get(k);
            const negatives = distractorBoxes.get(k);
            // One draw per lesion-free slice whether kept or not (the stream, and so the classifier's
            // jitter below, does not depend on the distractors).
            if (!boxes && random() >= negativeShare && !(distractorSlices && negatives)) continue;
            const sample = sink.x.write(input.data.subarray(k * sliceLen, (k + 1) * sliceLen));
            if (boxes) sink.lesionSlices += 1;
            sink.boxes.push({
              sample,
              patientId: t.patientId,
              slice: k,
              boxes: toGrid(k, boxes),
              ...(negatives ? { negatives: toGrid(k, negatives) } : {}),
            });
          }
          sink.ranges.push(range(start, sink.x.samples - start));
        }

        const start = cls.x.samples;
        const rois = truthRois(t, loaded, prepared.reference, config.referenceSequence);
        const all: { roi: Roi; lesionIndex: number; jittered: boolean }[] = [];
        for (const { roi, lesionIndex } of rois) {
          all.push({ roi, lesionIndex, jittered: false });
          for (let j = 0; j < K; j++) {
            all.push({
              roi: jitterRoi(roi, prepared.reference, random, jitterSpec),
              lesionIndex,
              jittered: true,
            });
          }
        }
        // The crop stage's output for `rois`, appended to `sink`.
        const cropInto = (sink: F32Sink, rois: Roi[]): void => {
          sink.write(
            crop(rois, prepared.normalized, prepared.reference, CLASSIFIER_CHANNELS, config).data,
          );
        };
        cropInto(
          cls.x,
          all.map((a) => a.roi),
        );
        all.forEach((a, i) =>
          cls.labels.push({
            sample: start + i,
            patientId: t.patientId,
            label: t.label,
            lesionIndex: a.lesionIndex,
            slice: a.roi.sliceIndex,
            jittered: a.jittered,
          }),
        );
        cls.ranges.push(range(start, all.length));
        if (neg) {
          const ref = loaded[config.referenceSequence];
          const negatives = negativeRois(
            t,
            {
              geometry: ref.volume.geometry,
              seriesInstanceUid: t.series[config.referenceSequence],
              sops: ref.sopInstanceUids,
            },
            prepared.reference,
            seededRandom(hash32(`${seed}:negatives:${t.studyInstanceUid}`)),
            jitterSpec,
          );
          if (negatives.length > 0) {
            const first = neg.x.samples;
            cropInto(
              neg.x,
              negatives.map((n) => n.roi),
            );
            negatives.forEach((n, i) => {
              neg.kinds[n.kind] += 1;
              neg.labels.push({
                sample: first + i,
                patientId: t.patientId,
                label: "none",
                kind: n.kind,
                slice: n.roi.sliceIndex,
                jittered: n.jittered,
              });
            });
          }
        }
        done += 1;
        options.onStudy?.(done, truth.studies.length, t.patientId);
      }
    }
  } finally {
    for (const s of SEQUENCES) {
      det[s].x.close();
      det[s].boxes.close();
    }
    cls.x.close();
    cls.labels.close();
    neg?.x.close();
    neg?.labels.close();
  }

  const common = {
    format: "livercad-training-export",
    version: EXPORT_FORMAT_VERSION,
    dtype: "float32",
    byteOrder: "little-endian",
    cohort: path.resolve(options.cohortDir),
    seed,
    normalization: config.normalization,
    config,
  };
  let bytes = 0;
  for (const s of SEQUENCES) {
    const d = det[s];
    const meta = {
      ...common,
      task: "detector",
      sequence: s,
      shape: [d.x.samples, channels[s].length, D, D],
      channels: channels[s],
      pixelSpacingMm: config.detectorSpacingMm,
      boxConvention:
        "[x0, y0, x1, y1] in detector-grid pixels; x along columns, pixel (i, j)'s centre at (i, j)",
      lesionSlices: d.lesionSlices,
      negativeShare,
      distractorSlices,
      studies: d.ranges,
    };
    bytes += d.x.bytes + d.boxes.bytes + writeJson(path.join(detDir(s), "meta.json"), meta);
  }
  const classes = [...LESION_CLASSES];
  const meta = {
    ...common,
    task: "classifier",
    shape: [cls.x.samples, CLASSIFIER_CHANNELS.length, S, S],
    channels: CLASSIFIER_CHANNELS,
    classes,
    crop: { cropSize: S, cropMargin: config.cropMargin, cropMinMm: config.cropMinMm },
    referenceSequence: config.referenceSequence,
    jitter: { perLesionSlice: K, ...jitterSpec },
    studies: cls.ranges,
  };
  bytes +=
    cls.x.bytes +
    cls.labels.bytes +
    writeJson(path.join(options.outDir, "classifier", "meta.json"), meta);
  if (neg) {
    const negMeta = {
      ...common,
      task: "classifier-negatives",
      shape: [neg.x.samples, CLASSIFIER_CHANNELS.length, S, S],
      channels: CLASSIFIER_CHANNELS,
      label: "none",
      kinds: neg.kinds,
      crop: meta.crop,
      referenceSequence: config.referenceSequence,
    };
    bytes += neg.x.bytes + neg.labels.bytes + writeJson(path.join(negDir, "meta.json"), negMeta);
  }
  const detectorSamples = Object.fromEntries(SEQUENCES.map((s) => [s, det[s].x.samples])) as Record<
    SequenceId,
    number
  >;
  return {
    studies: done,
    detectorSamples,
    classifierSamples: cls.x.samples,
    bytes,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** Every truth box on the reference series, as a ROI in the reference detector grid. */
function truthRois(
  t: TruthStudy,
  loaded: Record<SequenceId, LoadedSeries>,
  reference: VolumeGeometry,
  referenceSequence: SequenceId,
): { roi: Roi; lesionIndex: number }[] {
  const ref = loaded[referenceSequence];
  const bySlice = boxesBySlice(t.boxes, t.series[referenceSequence], ref.sopInstanceUids);
  const out: { roi: Roi; lesionIndex: number }[] = [];
  for (const k of [...bySlice.keys()].sort((a, b) => a - b)) {
    for (const box of bySlice.get(k)!) {
      const roi = roiFromBox(ref.volume.geometry, reference, k, box);
      out.push({ roi, lesionIndex: nearestLesion(t, roi.centerMm) });
    }
  }
  return out;
}

function writeJson(file: string, value: unknown): number {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  fs.writeFileSync(file, text);
  return Buffer.byteLength(text);
}
