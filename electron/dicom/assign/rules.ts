// The series -> sequence rules file (sequence-rules.json): its schema, validation at load, and the
// matcher that tests one rule's conditions against one series. The rules are data (STYLE.md 4);
// this file only knows what a condition means.
import { z } from "zod";
import { AppError } from "../../contract/errors";
import type { SeriesInfo } from "../instance";
import defaultRulesJson from "./sequence-rules.json";

/** The rules file is malformed: a bad key, a duplicate id or a regex that does not compile. */
export class SequenceRulesError extends AppError {
  constructor(message: string) {
    super("SEQUENCE_RULES", message);
  }
}

const range = z.tuple([z.number().nullable(), z.number().nullable()]);
const patterns = z.union([z.string(), z.array(z.string()).min(1)]);

const matchSchema = z
  .strictObject({
    description: patterns.optional(),
    descriptionNot: z.string().optional(),
    imageType: z.string().optional(),
    imageTypeNot: z.string().optional(),
    sopClassUid: z.string().optional(),
    modality: z.string().optional(),
    manufacturer: z.string().optional(),
    scanningSequence: z.string().optional(),
    sequenceVariant: z.string().optional(),
    sequenceName: z.string().optional(),
    echoTime: range.optional(),
    repetitionTime: range.optional(),
    flipAngle: range.optional(),
    inversionTime: range.optional(),
    /** Highest known b-value of the series. */
    bValue: range.optional(),
    /** Total image frames of the series (instances x frames). */
    frames: range.optional(),
    /** Whether ContrastBolusAgent (0018,0010) is present. */
    contrast: z.boolean().optional(),
  })
  .refine((m) => Object.keys(m).length > 0, "a rule must have at least one condition");

const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "ids are lower-case kebab-case");

export const sequenceRulesSchema = z.strictObject({
  version: z.literal(1),
  notes: z.array(z.string()).optional(),
  exclusions: z.array(
    z.strictObject({ id: idSchema, reason: z.string().min(1), match: matchSchema }),
  ),
  weightings: z.array(
    z.strictObject({
      id: idSchema,
      vendor: z.string(),
      weighting: z.enum(["T1", "T2", "DWI"]),
      match: matchSchema,
    }),
  ),
  phases: z.array(
    z.strictObject({
      id: idSchema,
      phase: z.enum(["pre", "arterial", "venous", "post"]),
      match: matchSchema,
    }),
  ),
  preferences: z.strictObject({
    fatSuppressed: z.array(matchSchema),
    nonAxial: z.array(matchSchema),
    dwiPreferredB: z.tuple([z.number(), z.number()]),
    bValueInDescription: z.string(),
  }),
});

/** The rules as written in sequence-rules.json (validated). */
export type SequenceRules = z.infer<typeof sequenceRulesSchema>;
export type RuleMatch = z.infer<typeof matchSchema>;
export type Weighting = SequenceRules["weightings"][number]["weighting"];
export type Phase = SequenceRules["phases"][number]["phase"];

/** What a matcher looks at for one series: SeriesInfo plus facts gathered over its instances. */
export interface SeriesFacts {
  info: SeriesInfo;
  sopClassUid: string;
  /** Description (or protocol name when empty) with underscores as spaces. */
  text: string;
  frames: number;
  maxBValue: number | null;
}

export type Matcher = (s: SeriesFacts) => boolean;

export interface CompiledRules {
  exclusions: { id: string; reason: string; test: Matcher }[];
  weightings: { id: string; weighting: Weighting; rank: number; test: Matcher }[];
  phases: { id: string; phase: Phase; test: Matcher }[];
  fatSuppressed: Matcher;
  nonAxial: Matcher;
  dwiPreferredB: [number, number];
  bValueInDescription: RegExp;
}

function regex(source: string, where: string, flags = "i"): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new SequenceRulesError(
      `Rule ${where}: pattern /${source}/ does not compile (${String(err)}).`,
    );
  }
}

function inRange(v: number | null, r: [number | null, number | null] | undefined): boolean {
  if (r === undefined) return true;
  if (v === null || !Number.isFinite(v)) return false;
  return (r[0] === null || v >= r[0]) && (r[1] === null || v <= r[1]);
}

function compileMatch(m: RuleMatch, where: string): Matcher {
  const tests: Matcher[] = [];
  const re = (src: string) => regex(src, where);
  if (m.description !== undefined) {
    const list = (typeof m.description === "string" ? [m.description] : m.description).map(re);
    tests.push((s) => list.every((r) => r.test(s.text)));
  }
  if (m.descriptionNot !== undefined) {
    const r = re(m.descriptionNot);
    tests.push((s) => !r.test(s.text));
  }
  if (m.imageType !== undefined) {
    const r = re(m.imageType);
    tests.push((s) => s.info.imageType.some((v) => r.test(v)));
  }
  if (m.imageTypeNot !== undefined) {
    const r = re(m.imageTypeNot);
    tests.push((s) => !s.info.imageType.some((v) => r.test(v)));
  }
  const field = (src: string | undefined, get: (s: SeriesFacts) => string) => {
    if (src === undefined) return;
    const r = re(src);
    tests.push((s) => r.test(get(s)));
  };
  field(m.sopClassUid, (s) => s.sopClassUid);
  field(m.modality, (s) => s.info.modality);
  field(m.manufacturer, (s) => s.info.manufacturer);
  field(m.scanningSequence, (s) => s.info.scanningSequence);
  field(m.sequenceVariant, (s) => s.info.sequenceVariant);
  field(m.sequenceName, (s) => s.info.sequenceName);
  const numeric = (r: RuleMatch["echoTime"], get: (s: SeriesFacts) => number | null) => {
    if (r !== undefined) tests.push((s) => inRange(get(s), r));
  };
  numeric(m.echoTime, (s) => s.info.echoTime);
  numeric(m.repetitionTime, (s) => s.info.repetitionTime);
  numeric(m.flipAngle, (s) => s.info.flipAngle);
  numeric(m.inversionTime, (s) => s.info.inversionTime);
  numeric(m.bValue, (s) => s.maxBValue);
  numeric(m.frames, (s) => s.frames);
  if (m.contrast !== undefined) {
    const want = m.contrast;
    tests.push((s) => hasContrastAgent(s.info) === want);
  }
  return (s) => tests.every((t) => t(s));
}

function anyOf(list: RuleMatch[], where: string): Matcher {
  const tests = list.map((m, i) => compileMatch(m, `${where}[${i}]`));
  return (s) => tests.some((t) => t(s));
}

/** ContrastBolusAgent (0018,0010) present and not a stand-in for "no agent" ("none", "n/a", "-"). */
export function hasContrastAgent(info: SeriesInfo): boolean {
  const agent = info.contrastBolusAgent.trim();
  return agent !== "" && !/^(none|no|n\/a|-+)$/i.test(agent);
}

/** Validates a rules object (for example a site's edited copy) and compiles its patterns. */
export function compileRules(input: unknown): CompiledRules {
  const r = validate(input);
  const seen = new Set<string>();
  for (const { id } of [...r.exclusions, ...r.weightings, ...r.phases]) {
    if (seen.has(id)) throw new SequenceRulesError(`Sequence rule id "${id}" is used twice.`);
    seen.add(id);
  }
  const b = regex(r.preferences.bValueInDescription, "preferences.bValueInDescription", "gi");
  return {
    exclusions: r.exclusions.map((e) => ({
      id: e.id,
      reason: e.reason,
      test: compileMatch(e.match, e.id),
    })),
    weightings: r.weightings.map((w, rank) => ({
      id: w.id,
      weighting: w.weighting,
      rank,
      test: compileMatch(w.match, w.id),
    })),
    phases: r.phases.map((p) => ({ id: p.id, phase: p.phase, test: compileMatch(p.match, p.id) })),
    fatSuppressed: anyOf(r.preferences.fatSuppressed, "preferences.fatSuppressed"),
    nonAxial: anyOf(r.preferences.nonAxial, "preferences.nonAxial"),
    dwiPreferredB: r.preferences.dwiPreferredB,
    bValueInDescription: b,
  };
}

function validate(input: unknown): SequenceRules {
  const parsed = sequenceRulesSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".") ?? "";
    throw new SequenceRulesError(
      `Sequence rules are invalid at "${path}": ${issue?.message ?? "unknown"}.`,
    );
  }
  return parsed.data;
}

const compiledCache = new WeakMap<object, CompiledRules>();

/** Compiled rules for an object, validated once per object. */
export function compiledRulesFor(rules: unknown): CompiledRules {
  if (typeof rules === "object" && rules !== null) {
    const hit = compiledCache.get(rules);
    if (hit) return hit;
    const compiled = compileRules(rules);
    compiledCache.set(rules, compiled);
    return compiled;
  }
  return compileRules(rules);
}

/**
 * Validates rules (the shipped file or a site's edited copy), checks that every pattern compiles,
 * and returns them typed. Throws SequenceRulesError naming the offending rule.
 */
export function loadSequenceRules(input: unknown): SequenceRules {
  const rules = validate(input);
  compiledCache.set(rules, compileRules(rules));
  return rules;
}

/** The shipped rules (sequence-rules.json), validated at load. */
export const DEFAULT_SEQUENCE_RULES: SequenceRules = loadSequenceRules(defaultRulesJson);
