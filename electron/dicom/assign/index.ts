// A study's series -> the paper's five sequences (T1 pre, T2, T1 arterial, T1 portal-venous, DWI).
// In: one SeriesCandidate per series of a study. Out: for each sequence the chosen series and the
// rule that chose it, the sequences nobody matched, and for every other series the rule that set
// it aside. Naming and tag conditions live in sequence-rules.json (STYLE.md 4); this file holds the
// choices between candidates, which are not a matter of naming: acquisition-time order of the T1
// phases and the b-value window of DWI.
import type { SequenceId } from "../../contract/domain";
import { SEQUENCES } from "../../contract/domain";
import { compiledRulesFor, DEFAULT_SEQUENCE_RULES } from "./rules";
import type { CompiledRules, SequenceRules, SeriesFacts, Weighting } from "./rules";
import { compareCandidates, describeChoice, notPreferred } from "./candidates";
import type { Candidate } from "./candidates";
import { assignT1 } from "./t1-phases";
import type {
  AssignmentResult,
  SequenceAssignment,
  SeriesCandidate,
  SeriesExclusion,
} from "./types";

export {
  compileRules,
  DEFAULT_SEQUENCE_RULES,
  loadSequenceRules,
  SequenceRulesError,
} from "./rules";
export type { SequenceRules } from "./rules";
export type {
  AssignmentResult,
  SequenceAssignment,
  SeriesCandidate,
  SeriesExclusion,
} from "./types";

/** Assigns the five sequences of one study. `rules` defaults to the shipped sequence-rules.json. */
export function assignSequences(
  series: SeriesCandidate[],
  rules: SequenceRules = DEFAULT_SEQUENCE_RULES,
): AssignmentResult {
  const compiled = compiledRulesFor(rules);
  const excluded: SeriesExclusion[] = [];
  const byWeighting: Record<Weighting, Candidate[]> = { T1: [], T2: [], DWI: [] };

  series.forEach((s, order) => {
    const facts = factsOf(s, compiled);
    const uid = s.info.seriesInstanceUid;
    const ex = compiled.exclusions.find((e) => e.test(facts));
    if (ex) {
      excluded.push({ seriesInstanceUid: uid, rule: ex.id, reason: ex.reason });
      return;
    }
    const w = compiled.weightings.find((r) => r.test(facts));
    if (!w) {
      excluded.push({
        seriesInstanceUid: uid,
        rule: "no-weighting-rule",
        reason: "no rule recognises it as T1, T2 or diffusion-weighted",
      });
      return;
    }
    byWeighting[w.weighting].push({
      series: s,
      facts,
      order,
      weightingRule: w.id,
      rank: w.rank,
      axial: isAxial(s, facts, compiled),
      fatSuppressed: compiled.fatSuppressed(facts),
    });
  });

  const assignments: SequenceAssignment[] = [];
  const t2 = pickBest(byWeighting.T2, "T2", excluded);
  if (t2) assignments.push({ ...t2, sequence: "T2" });
  const dwi = pickDwi(byWeighting.DWI, compiled, excluded);
  if (dwi) assignments.push(dwi);
  const t1 = assignT1(byWeighting.T1, compiled);
  assignments.push(...t1.assignments);
  excluded.push(...t1.excluded);

  assignments.sort((a, b) => SEQUENCES.indexOf(a.sequence) - SEQUENCES.indexOf(b.sequence));
  const missing = SEQUENCES.filter((q) => !assignments.some((a) => a.sequence === q));
  return { assignments, missing, excluded };
}

function factsOf(s: SeriesCandidate, rules: CompiledRules): SeriesFacts {
  const raw = s.info.seriesDescription.trim() || s.info.protocolName.trim();
  const text = raw.replace(/_/g, " ").replace(/\s+/g, " ").trim();
  const { values: all } = bValuesOf(s, text, rules);
  return {
    info: s.info,
    sopClassUid: s.sopClassUid,
    text,
    frames: Math.max(s.frameCount, s.instanceCount),
    maxBValue: all.length > 0 ? Math.max(...all) : null,
  };
}

function tagBValues(s: SeriesCandidate): number[] {
  const values = [...(s.bValues ?? [])];
  if (s.info.diffusionBValue !== null) values.push(s.info.diffusionBValue);
  return [...new Set(values.filter((b) => Number.isFinite(b) && b >= 0))];
}

/**
 * The series' b-values: from the tags when they hold a diffusion weighting (b > 0); else from the
 * description (a header whose first instance is b=0 may be all the caller passed); else b=0 alone.
 */
function bValuesOf(
  s: SeriesCandidate,
  text: string,
  rules: CompiledRules,
): { values: number[]; source: string } {
  const tag = tagBValues(s);
  if (tag.some((b) => b > 0)) return { values: tag, source: "b-value tag" };
  const described = descriptionBValues(text, rules);
  if (described.length > 0) return { values: described, source: "description" };
  return { values: tag, source: "b-value tag" };
}

/** b-values written in the description ("Ax DWI b800", "DWI b0 b800", "ep2d_diff_b50_400_800"). */
function descriptionBValues(text: string, rules: CompiledRules): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(rules.bValueInDescription)) {
    for (const n of (m[1] ?? "").split(/[ ,/]+/)) if (n !== "") out.push(Number(n));
  }
  return [...new Set(out.filter((b) => Number.isFinite(b)))];
}

function isAxial(s: SeriesCandidate, facts: SeriesFacts, rules: CompiledRules): boolean {
  const iop = s.imageOrientationPatient;
  if (iop) {
    // Slice normal = row x column direction (PS3.3 C.7.6.2.1.1); axial when it is closest to z.
    const nx = iop[1] * iop[5] - iop[2] * iop[4];
    const ny = iop[2] * iop[3] - iop[0] * iop[5];
    const nz = iop[0] * iop[4] - iop[1] * iop[3];
    return Math.abs(nz) >= Math.abs(nx) && Math.abs(nz) >= Math.abs(ny);
  }
  return !rules.nonAxial(facts);
}

function pickBest(
  cands: Candidate[],
  sequence: SequenceId,
  excluded: SeriesExclusion[],
): { seriesInstanceUid: string; rule: string; detail: string } | null {
  const sorted = [...cands].sort(compareCandidates);
  const best = sorted[0];
  if (!best) return null;
  for (const c of sorted.slice(1)) excluded.push(notPreferred(c, best, sequence));
  return {
    seriesInstanceUid: best.series.info.seriesInstanceUid,
    rule: best.weightingRule,
    detail: describeChoice(best, sorted.length - 1),
  };
}

interface DwiChoice {
  c: Candidate;
  b: number | null;
  tier: number;
  source: string;
}

function pickDwi(
  cands: Candidate[],
  rules: CompiledRules,
  excluded: SeriesExclusion[],
): SequenceAssignment | null {
  const [lo, hi] = rules.dwiPreferredB;
  const choices: DwiChoice[] = cands.map((c) => {
    const { values, source } = bValuesOf(c.series, c.facts.text, rules);
    const inWindow = values.filter((b) => b >= lo && b <= hi);
    if (inWindow.length > 0) return { c, b: Math.max(...inWindow), tier: 0, source };
    const positive = values.filter((b) => b > 0);
    if (positive.length > 0) return { c, b: Math.max(...positive), tier: 1, source };
    return { c, b: null, tier: 2, source };
  });
  // Axial first, then b in the preferred window, then higher b, then the naming preference.
  choices.sort(
    (x, y) =>
      Number(y.c.axial) - Number(x.c.axial) ||
      x.tier - y.tier ||
      (y.b ?? -1) - (x.b ?? -1) ||
      compareCandidates(x.c, y.c),
  );
  const best = choices[0];
  if (!best) return null;
  for (const o of choices.slice(1)) excluded.push(notPreferred(o.c, best.c, "DWI"));
  const why =
    best.tier === 0
      ? `b=${best.b} (${best.source}), the highest b in ${lo}-${hi}`
      : best.tier === 1
        ? `no b-value in ${lo}-${hi}; fallback to the highest available b=${best.b} (${best.source})`
        : "b-value unknown (no tag, none in the description); chosen by name";
  return {
    sequence: "DWI",
    seriesInstanceUid: best.c.series.info.seriesInstanceUid,
    rule: best.c.weightingRule,
    detail: `${describeChoice(best.c, choices.length - 1)}; ${why}`,
    bValue: best.b,
  };
}
