// The model manifest (`native-models/<id>/manifest.json`, STYLE.md 9): what a model folder must
// declare so that code never hard-codes a model path, a tensor name or a class order (issue 5 §2).
import { z } from "zod";
import { CONFORMAL_METHODS, SCORE_NAMES, type Calibration } from "../contract/calibration";
import { LESION_CLASSES, SEQUENCES } from "../contract/domain";

const dim = z.union([z.number().int().positive(), z.string().min(1)]);

/** One graph input or output: name, element type and shape (a string is a symbolic dimension). */
const tensorSpec = z.object({
  name: z.string().min(1),
  dtype: z.literal("float32"),
  shape: z.array(dim).min(1),
});

/** One file of the model and the sha256 (lowercase hex) it must have, checked before loading. */
const modelFile = z.object({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lowercase hex digits"),
  inputs: z.array(tensorSpec).min(1),
  outputs: z.array(tensorSpec).min(1),
});

const normalization = z.object({
  kind: z.literal("percentile"),
  low: z.number().min(0).max(100),
  high: z.number().min(0).max(100),
});

const common = {
  schemaVersion: z.literal(1),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "id must be lowercase letters, digits, . _ -"),
  version: z.string().min(1),
  description: z.string().optional(),
  normalization,
  /** Free-form provenance (cohort size and seed, training config, metrics): recorded, not read. */
  training: z.record(z.string(), z.unknown()).optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
};

const sequence = z.enum(SEQUENCES);

const detectorManifest = z.object({
  ...common,
  task: z.literal("detector"),
  files: z.object({ model: modelFile }),
  detector: z.object({
    /** The sequence this detector reads; channels lists its input channels in order. */
    sequence,
    channels: z.array(sequence).min(1).max(2),
    outputStride: z.number().int().positive(),
    heatmapActivation: z.enum(["sigmoid", "none"]),
    input: z.string().min(1),
    outputs: z.object({
      heatmap: z.string().min(1),
      size: z.string().min(1),
      offset: z.string().min(1).optional(),
    }),
  }),
});

const probability = z.number().min(0).max(1);
const bandCounts = <T extends z.ZodType>(v: T) => z.object({ high: v, medium: v, low: v });

/**
 * The classifier's calibration (issue 11 §3), written by `livercad calibrate` on a validation
 * cohort's results; optional: a classifier without it gives analyses without an assessment.
 */
const calibrationSchema = z.object({
  temperature: z.number().positive(),
  rankScore: z.enum(SCORE_NAMES),
  aurc: z.object(Object.fromEntries(SCORE_NAMES.map((s) => [s, z.number().nullable()]))),
  ece: z.object({
    bins: z.number().int().positive(),
    before: z.number().nullable(),
    after: z.number().nullable(),
  }),
  conformal: z.object({
    method: z.enum(CONFORMAL_METHODS),
    coverage: z.number().gt(0).lt(1),
    qhat: z.number().nullable(),
    calibrationSize: z.number().int().nonnegative(),
  }),
  bands: z.object({
    high: probability,
    medium: probability,
    accuracy: bandCounts(probability.nullable()),
    count: bandCounts(z.number().int().nonnegative()),
  }),
  closeCallMargin: probability,
  provenance: z.object({
    cohort: z.string(),
    studies: z.number().int().nonnegative(),
    fitted: z.number().int().nonnegative(),
    truthSha256: z.string().regex(/^[0-9a-f]{64}$/),
    resultsDate: z.string().nullable(),
    appVersion: z.string(),
  }),
});

const classifierManifest = z.object({
  ...common,
  task: z.literal("classifier"),
  files: z.object({ backbone: modelFile, head: modelFile }),
  /**
   * Output order of the head's logits: a permutation of the lesion classes, or of the lesion
   * classes and one rejection output named by `rejectClass` (e.g. "none": not a lesion).
   */
  classes: z
    .array(z.string())
    .min(LESION_CLASSES.length)
    .max(LESION_CLASSES.length + 1),
  /** The output that says "not a lesion" (a site model may have one): see pipeline/run.ts. */
  rejectClass: z.string().min(1).optional(),
  classifier: z.object({
    channels: z.array(sequence).length(SEQUENCES.length),
    cropSize: z.number().int().positive(),
    /** The dropout probability the head was trained with (paper: 0.2 before the last FC). */
    dropoutP: z.number().min(0).lt(1),
    featureSize: z.number().int().positive(),
    backbone: z.object({ input: z.string().min(1), output: z.string().min(1) }),
    head: z.object({
      features: z.string().min(1),
      mask: z.string().min(1),
      logits: z.string().min(1),
    }),
  }),
  calibration: calibrationSchema.optional(),
});

export const modelManifestSchema = z.discriminatedUnion("task", [
  detectorManifest,
  classifierManifest,
]);

export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type DetectorManifest = z.infer<typeof detectorManifest>;
export type ClassifierManifest = z.infer<typeof classifierManifest>;
export type ModelFileSpec = z.infer<typeof modelFile>;
export type CalibrationBlock = z.infer<typeof calibrationSchema>;

/** The manifest's calibration as the pipeline reads it (aurc entries null when undefined). */
export function calibrationOf(m: ClassifierManifest): Calibration | null {
  return (m.calibration as Calibration | undefined) ?? null;
}
export type TensorSpec = z.infer<typeof tensorSpec>;

/**
 * Parses a manifest and checks what the schema alone cannot: names referenced by the detector or
 * classifier sections exist in the graphs, channel lists have no repeats, the class order covers
 * every lesion class once. Returns a list of problems instead of throwing, for one clear message.
 */
export function parseManifest(
  raw: unknown,
): { ok: true; manifest: ModelManifest } | { ok: false; problems: string[] } {
  const parsed = modelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    };
  }
  const m = parsed.data;
  const problems: string[] = [];
  const has = (
    file: ModelFileSpec,
    kind: "inputs" | "outputs",
    name: string,
    what: string,
  ): void => {
    if (!file[kind].some((t) => t.name === name)) {
      problems.push(`${what} "${name}" is not among the ${kind} of ${file.path}`);
    }
  };
  if (m.normalization.low >= m.normalization.high) {
    problems.push("normalization.low must be below normalization.high");
  }
  if (m.task === "detector") {
    const d = m.detector;
    has(m.files.model, "inputs", d.input, "detector.input");
    has(m.files.model, "outputs", d.outputs.heatmap, "detector.outputs.heatmap");
    has(m.files.model, "outputs", d.outputs.size, "detector.outputs.size");
    if (d.outputs.offset !== undefined) {
      has(m.files.model, "outputs", d.outputs.offset, "detector.outputs.offset");
    }
    if (d.channels[0] !== d.sequence) problems.push("detector.channels[0] must be its sequence");
    if (new Set(d.channels).size !== d.channels.length) problems.push("detector.channels repeat");
  } else {
    const c = m.classifier;
    has(m.files.backbone, "inputs", c.backbone.input, "classifier.backbone.input");
    has(m.files.backbone, "outputs", c.backbone.output, "classifier.backbone.output");
    has(m.files.head, "inputs", c.head.features, "classifier.head.features");
    has(m.files.head, "inputs", c.head.mask, "classifier.head.mask");
    has(m.files.head, "outputs", c.head.logits, "classifier.head.logits");
    if (new Set(c.channels).size !== c.channels.length) problems.push("classifier.channels repeat");
    const missing = LESION_CLASSES.filter((cls) => !m.classes.includes(cls));
    if (missing.length > 0) problems.push(`classes lack ${missing.join(", ")}`);
    if (new Set(m.classes).size !== m.classes.length) problems.push("classes repeat");
    const extra = m.classes.length > LESION_CLASSES.length;
    if (extra && m.rejectClass === undefined) {
      problems.push(
        `classes has ${m.classes.length} outputs: name the rejection output with rejectClass`,
      );
    }
    if (m.rejectClass !== undefined) {
      if (!m.classes.includes(m.rejectClass)) {
        problems.push(`rejectClass "${m.rejectClass}" is not one of classes`);
      } else if ((LESION_CLASSES as readonly string[]).includes(m.rejectClass)) {
        problems.push(`rejectClass "${m.rejectClass}" is a lesion class`);
      } else if (!extra) {
        problems.push(`rejectClass needs ${LESION_CLASSES.length + 1} classes`);
      }
    }
    const cal = m.calibration;
    if (cal && cal.bands.medium > cal.bands.high) {
      problems.push("calibration.bands.medium must not exceed calibration.bands.high");
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, manifest: m };
}
