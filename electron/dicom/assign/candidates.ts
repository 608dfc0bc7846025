// A series that passed the exclusions and was recognised as T1, T2 or DWI, and how candidates of
// one sequence are ranked against each other.
import type { SeriesExclusion, SeriesCandidate } from "./types";
import type { SeriesFacts } from "./rules";

export interface Candidate {
  series: SeriesCandidate;
  facts: SeriesFacts;
  /** Position in the input, the last tie-break so results never depend on sort stability. */
  order: number;
  weightingRule: string;
  /** Index of the weighting rule in the rules file: earlier rules are preferred. */
  rank: number;
  axial: boolean;
  fatSuppressed: boolean;
}

export function label(c: Candidate): string {
  const n = c.series.info.seriesNumber;
  return `${n === null ? "" : `#${n} `}"${c.facts.text}"`;
}

/** Orders candidates of one sequence: axial, earlier rule, fat-suppressed, later series (a repeat). */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    Number(b.axial) - Number(a.axial) ||
    a.rank - b.rank ||
    Number(b.fatSuppressed) - Number(a.fatSuppressed) ||
    (b.series.info.seriesNumber ?? -1) - (a.series.info.seriesNumber ?? -1) ||
    a.order - b.order
  );
}

export function describeChoice(c: Candidate, others: number): string {
  const traits = [c.axial ? "axial" : "non-axial (no axial candidate)"];
  if (c.fatSuppressed) traits.push("fat-suppressed");
  const alt = others > 0 ? `; preferred over ${others} other candidate(s)` : "";
  return `${label(c)} recognised by ${c.weightingRule}, ${traits.join(", ")}${alt}`;
}

export function notPreferred(c: Candidate, best: Candidate, sequence: string): SeriesExclusion {
  return {
    seriesInstanceUid: c.series.info.seriesInstanceUid,
    rule: c.axial || !best.axial ? "lower-ranked-candidate" : "non-axial-deprioritised",
    reason: `${sequence} candidate (${c.weightingRule}) ranked below ${label(best)}`,
  };
}
