// The runner: wires prepare -> localize -> fuse -> crop -> classify -> aggregate over one study's
// in-memory volumes (STYLE.md 3: it only wires; reading DICOM and writing results happen outside).
import type { Calibration } from "../contract/calibration";
import { LESION_CLASSES, SEQUENCES, type LesionClass, type SequenceId } from "../contract/domain";
import { UsageError } from "../contract/errors";
import { aggregate, classIndex } from "./aggregate";
import { classify, type ClassifyModel } from "./classify";
import type { Normalization, PipelineConfig } from "./config";
import { crop } from "./crop";
import { fuse } from "./fuse";
import { localize, type LocalizeModel } from "./localize";
import { prepare, type StudyVolumes } from "./prepare";
import type { Roi, RoiClassification, StudyOutcome } from "./types";
import { mergeViews, withViews } from "./views";

export const STAGES = ["prepare", "localize", "fuse", "crop", "classify", "aggregate"] as const;
export type StageName = (typeof STAGES)[number];

export interface DetectorModel extends LocalizeModel {
  channels: SequenceId[];
  normalization: Normalization;
}

export interface ClassifierModel extends ClassifyModel {
  classes: readonly string[];
  channels: readonly SequenceId[];
  cropSize: number;
  normalization: Normalization;
  /** The manifest's calibration block (issue 11 §3); absent: no assessment. */
  calibration?: Calibration | null;
}

export interface PipelineModels {
  detectors: Record<SequenceId, DetectorModel>;
  classifier: ClassifierModel;
}

export interface RoiResult extends Roi {
  probabilities: Record<LesionClass, number>;
  classification: RoiClassification;
  /** Left out of the study's mean by the classifier's rejection output (rejectThreshold). */
  rejected?: boolean;
}

export interface PipelineResult {
  /** The exact parameters of this run, to be recorded with its results. */
  config: PipelineConfig;
  outcome: StudyOutcome;
  /** Kept ROIs, most confident first, each with its Monte-Carlo summary. */
  rois: RoiResult[];
  /** Detector boxes (>= threshold) before fusion, per sequence. */
  boxesPerSequence: Record<SequenceId, number>;
  timingsMs: Record<StageName, number>;
}

export interface RunHooks {
  /** Called as each stage ends (job progress, issue 4 §3). */
  onStage?: (stage: StageName, ms: number) => void;
  /** Monotonic clock in ms; the Node side passes performance.now. */
  now?: () => number;
}

export async function runPipeline(
  volumes: StudyVolumes,
  models: PipelineModels,
  config: PipelineConfig,
  hooks: RunHooks = {},
): Promise<PipelineResult> {
  checkModels(models, config);
  const now = hooks.now ?? Date.now;
  const timingsMs = {} as Record<StageName, number>;
  const stage = async <T>(name: StageName, fn: () => T | Promise<T>): Promise<T> => {
    const t0 = now();
    const out = await fn();
    timingsMs[name] = now() - t0;
    hooks.onStage?.(name, timingsMs[name]);
    return out;
  };

  const channels = {} as Record<SequenceId, SequenceId[]>;
  for (const s of SEQUENCES) channels[s] = models.detectors[s].channels;
  const prepared = await stage("prepare", () => prepare(volumes, config, channels));
  const detections = await stage("localize", () =>
    localize(prepared.detectorInputs, models.detectors, config),
  );
  const grids = Object.fromEntries(prepared.detectorInputs.map((d) => [d.sequence, d.geometry]));
  const rois = await stage("fuse", () =>
    fuse({ detections, grids, reference: prepared.reference }, config),
  );
  const crops = await stage("crop", () =>
    crop(rois, prepared.normalized, prepared.reference, models.classifier.channels, config),
  );
  const classified = await stage("classify", async () =>
    mergeViews(
      await classify(withViews(crops, config.classifierViews), models.classifier, config),
      config.classifierViews,
    ),
  );
  // A site model's head must give what its manifest names (a mismatch would read NaN classes).
  const reject = models.classifier.rejectIndex === undefined ? 0 : 1;
  const outputs = classified[0]?.meanProbabilities.length;
  if (outputs !== undefined && outputs !== models.classifier.classes.length) {
    throw new UsageError(
      `The classifier's head gives ${outputs + reject} outputs per ROI, its manifest names ${models.classifier.classes.length + reject} (classes).`,
    );
  }
  const rejected = rejectedRois(classified, config.rejectThreshold);
  const outcome = await stage("aggregate", () =>
    aggregate(
      classified.filter((_, r) => !rejected[r]),
      models.classifier.classes,
      models.classifier.calibration ?? null,
    ),
  );

  const index = classIndex(models.classifier.classes);
  const boxesPerSequence = {} as Record<SequenceId, number>;
  for (const s of SEQUENCES)
    boxesPerSequence[s] = detections.filter((d) => d.sequence === s).length;
  const results = rois.map((roi, r): RoiResult => {
    const classification = classified[r]!;
    const probabilities = {} as Record<LesionClass, number>;
    for (const cls of LESION_CLASSES) {
      probabilities[cls] = classification.meanProbabilities[index[cls]]!;
    }
    return {
      ...roi,
      probabilities,
      classification,
      ...(classification.rejectProbability !== undefined ? { rejected: rejected[r]! } : {}),
    };
  });
  return {
    config,
    outcome,
    // The ROIs the classifier rejected go after the others (stable), ranks renumbered.
    rois: [...results]
      .sort((a, b) => Number(a.rejected ?? false) - Number(b.rejected ?? false))
      .map((r, i) => ({ ...r, rank: i + 1 })),
    boxesPerSequence,
    timingsMs,
  };
}

/**
 * Which ROIs a rejection output leaves out of the study's mean: those whose mean rejection
 * probability reaches `threshold`; when that is every ROI, all but the least rejected (a study is
 * "no-roi" only when the localizer finds nothing). None without a rejection output.
 */
export function rejectedRois(classified: RoiClassification[], threshold: number): boolean[] {
  const out = classified.map(
    (c) => c.rejectProbability !== undefined && c.rejectProbability >= threshold,
  );
  if (out.length > 0 && out.every(Boolean)) {
    let least = 0;
    classified.forEach((c, r) => {
      if (c.rejectProbability! < classified[least]!.rejectProbability!) least = r;
    });
    out[least] = false;
  }
  return out;
}

/**
 * The models must have been trained on what this run feeds them: same normalization, same crop
 * size, and a detector whose first channel is its own sequence.
 */
function checkModels(models: PipelineModels, config: PipelineConfig): void {
  const same = (a: Normalization, b: Normalization): boolean =>
    a.kind === b.kind && a.low === b.low && a.high === b.high;
  const problems: string[] = [];
  for (const s of SEQUENCES) {
    const d = models.detectors[s];
    if (d.channels[0] !== s) problems.push(`the ${s} detector's first channel is ${d.channels[0]}`);
    if (!same(d.normalization, config.normalization)) {
      problems.push(`the ${s} detector was trained with ${JSON.stringify(d.normalization)}`);
    }
  }
  const c = models.classifier;
  if (!same(c.normalization, config.normalization)) {
    problems.push(`the classifier was trained with ${JSON.stringify(c.normalization)}`);
  }
  if (c.cropSize !== config.cropSize) {
    problems.push(
      `the classifier takes ${c.cropSize}-pixel crops, the config says ${config.cropSize}`,
    );
  }
  if (problems.length > 0) {
    throw new UsageError(
      `The models do not match this run's configuration (normalization ${JSON.stringify(
        config.normalization,
      )}): ${problems.join("; ")}.`,
    );
  }
}
