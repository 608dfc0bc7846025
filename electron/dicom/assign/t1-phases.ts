// T1 candidates of one study -> T1 pre-contrast, arterial and portal-venous.
// A phase named in the description wins (phases in sequence-rules.json). Otherwise
// ContrastBolusAgent (0018,0010, PS3.3 C.7.6.4) separates pre from post, and acquisition order
// separates the post-contrast phases: the earliest post-contrast T1 is the arterial phase, the next
// one the portal-venous phase; later ones (delayed, transitional, hepatobiliary) are not used.
// Order is AcquisitionTime (0008,0032), else SeriesTime, else SeriesNumber (scanners number
// series in acquisition order), and the detail says which one decided.
import type { SequenceAssignment, SeriesExclusion } from "./types";
import { label } from "./candidates";
import type { Candidate } from "./candidates";
import type { CompiledRules } from "./rules";
import { hasContrastAgent } from "./rules";

type T1Class = "pre" | "arterial" | "venous" | "post";

interface T1 {
  c: Candidate;
  cls: T1Class;
  /** The rule that gave the class: a phase rule id, or a tag / order rule of this file. */
  rule: string;
  /** Whether the description named the phase (preferred over tag or order evidence). */
  named: boolean;
  key: number;
}

/** DICOM TM "HHMMSS.FFFFFF" (PS3.5 6.2; older files "HH:MM:SS") -> seconds since midnight. */
export function timeSeconds(tm: string | null): number | null {
  if (tm === null) return null;
  const m = /^(\d{2}):?(\d{2})?:?(\d{2}(?:\.\d*)?)?$/.exec(tm.trim());
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export function assignT1(
  cands: Candidate[],
  rules: CompiledRules,
): { assignments: SequenceAssignment[]; excluded: SeriesExclusion[] } {
  const excluded: SeriesExclusion[] = [];
  const assignments: SequenceAssignment[] = [];
  const axial = cands.filter((c) => c.axial);
  // Non-axial T1 (a coronal post-contrast, say) must not take a slot in the time order.
  const pool = axial.length > 0 ? axial : cands;
  for (const c of cands) {
    if (!pool.includes(c)) {
      excluded.push({
        seriesInstanceUid: c.series.info.seriesInstanceUid,
        rule: "non-axial-deprioritised",
        reason: `non-axial T1 (${c.weightingRule}); axial T1 series exist`,
      });
    }
  }
  if (pool.length === 0) return { assignments, excluded };

  const times = pool.map((c) =>
    timeSeconds(c.series.info.acquisitionTime ?? c.series.info.seriesTime),
  );
  // Times that are all equal (a series start stamped on every phase) do not order anything.
  const useTime = times.every((t) => t !== null) && (pool.length < 2 || new Set(times).size > 1);
  const useNumber = !useTime && pool.every((c) => c.series.info.seriesNumber !== null);
  const basis = useTime ? "AcquisitionTime" : useNumber ? "SeriesNumber" : "input order";
  const keyOf = (c: Candidate, m: number): number =>
    useTime ? times[m]! : useNumber ? c.series.info.seriesNumber! : c.order;

  const contrast = pool.map((c) => hasContrastAgent(c.series.info));
  const anyContrast = contrast.some(Boolean);
  const t1s: (T1 | { c: Candidate; key: number; cls: null })[] = pool.map((c, m) => {
    const key = keyOf(c, m);
    const p = rules.phases.find((r) => r.test(c.facts));
    if (p) return { c, key, cls: p.phase, rule: p.id, named: true };
    if (anyContrast) {
      return contrast[m]
        ? { c, key, cls: "post" as const, rule: "t1-contrast-agent", named: false }
        : { c, key, cls: "pre" as const, rule: "t1-no-contrast-agent", named: false };
    }
    return { c, key, cls: null };
  });

  // No name and no contrast tag anywhere: place each such series relative to the known ones,
  // or, when nothing is known, take the first acquired as pre-contrast and the rest as post.
  const known = t1s.filter((t): t is T1 => t.cls !== null);
  const postKeys = known.filter((t) => t.cls !== "pre").map((t) => t.key);
  const preKeys = known.filter((t) => t.cls === "pre").map((t) => t.key);
  const firstPost = postKeys.length > 0 ? Math.min(...postKeys) : null;
  const lastPre = preKeys.length > 0 ? Math.max(...preKeys) : null;
  const unknown = t1s
    .filter((t) => t.cls === null)
    .sort((a, b) => a.key - b.key || a.c.order - b.c.order);
  const all: T1[] = [...known];
  for (const u of unknown) {
    const isPre =
      firstPost !== null
        ? u.key < firstPost
        : lastPre !== null
          ? u.key < lastPre
          : u === unknown[0];
    const rule =
      firstPost !== null
        ? "t1-order-relative-to-post"
        : lastPre !== null
          ? "t1-order-relative-to-pre"
          : "t1-acquisition-order";
    all.push({ c: u.c, cls: isPre ? "pre" : "post", rule, named: false, key: u.key });
  }

  // Equal times (some scanners stamp the series start on every phase): series number breaks the
  // tie, since scanners number series in acquisition order.
  const byKey = (a: T1, b: T1) =>
    a.key - b.key ||
    (a.c.series.info.seriesNumber ?? 0) - (b.c.series.info.seriesNumber ?? 0) ||
    a.c.order - b.c.order;
  const posts = all.filter((t) => t.cls !== "pre").sort(byKey);
  const namedVenous = posts.find((t) => t.cls === "venous");
  let arterial = posts.find((t) => t.cls === "arterial");
  let arterialRule = arterial?.rule;
  if (!arterial) {
    const generic = posts.filter((t) => t.cls === "post");
    const before = namedVenous ? generic.filter((t) => t.key < namedVenous.key) : generic;
    arterial = (before.length > 0 ? before : generic)[0];
    arterialRule = "t1-arterial-earliest-post";
  }
  let venous = namedVenous;
  let venousRule = venous?.rule;
  if (!venous) {
    // The next generic post-contrast T1 after the arterial one in acquisition order.
    const after = arterial ? posts.slice(posts.indexOf(arterial) + 1) : posts;
    venous = after.find((t) => t.cls === "post");
    venousRule = "t1-venous-next-post";
  }

  const pres = all.filter((t) => t.cls === "pre");
  const named = pres.filter((t) => t.named);
  const group = (named.length > 0 ? named : pres).sort(
    (a, b) => a.c.rank - b.c.rank || a.key - b.key,
  );
  const bestRank = group[0]?.c.rank;
  const sameRank = group.filter((t) => t.c.rank === bestRank);
  const startOfPost = arterial?.key ?? firstPost;
  const beforePost =
    startOfPost === null || startOfPost === undefined
      ? sameRank
      : sameRank.filter((t) => t.key < startOfPost);
  // The pre-contrast T1 closest before the injection is the dynamic series' own mask.
  const pre = (beforePost.length > 0 ? beforePost : sameRank).at(beforePost.length > 0 ? -1 : 0);

  const chosen: [SequenceAssignment["sequence"], T1 | undefined, string | undefined][] = [
    ["T1_pre", pre, pre?.rule],
    ["T1_arterial", arterial, arterialRule],
    ["T1_venous", venous, venousRule],
  ];
  for (const [sequence, t, rule] of chosen) {
    if (!t || rule === undefined) continue;
    assignments.push({
      sequence,
      seriesInstanceUid: t.c.series.info.seriesInstanceUid,
      rule,
      detail: `${label(t.c)} recognised as T1 by ${t.c.weightingRule}; ${t.cls} by ${t.rule}; ordered by ${basis}`,
    });
  }
  const used = new Set([pre, arterial, venous]);
  for (const t of all) {
    if (used.has(t)) continue;
    const later = t.cls !== "pre" && venous !== undefined && t.key > venous.key;
    excluded.push({
      seriesInstanceUid: t.c.series.info.seriesInstanceUid,
      rule: t.cls === "pre" ? "t1-extra-pre" : later ? "t1-later-phase" : "t1-extra-phase",
      reason:
        t.cls === "pre"
          ? `another pre-contrast T1 was chosen (${t.rule})`
          : later
            ? `post-contrast T1 acquired after the portal-venous phase (by ${basis})`
            : `additional post-contrast T1 (${t.cls} by ${t.rule}) not chosen`,
    });
  }
  return { assignments, excluded };
}
