// The image-quality gate's verdict (issue 13 §3), shared by the analysis service, the CLI's
// out.json and the screens. No Node and no DOM (STYLE.md 7).
import type { SequenceId } from "./domain";

/**
 * What the gate found in one series:
 * - "refuse": the header or the pixels are implausible (rescale slope 0, 1-bit data, 1e-9 mm
 *   pixels, every image at one position ...); the CAD does not run on it.
 * - "incomplete": slices are missing (a gap in the positions or the instance numbers); the CAD
 *   runs only when the site allows it ("warn"), and the result carries this flag.
 */
export interface QualityFinding {
  sequence: SequenceId;
  seriesInstanceUid: string;
  severity: "refuse" | "incomplete";
  /** Stable machine code: rescale, bit-depth, pixel-spacing, thickness, orientation, ... */
  code: string;
  /** One sentence a nurse can act on: what is wrong, in which series, what to do. */
  message: string;
}

/** The gate's verdict stored with an analysis; "ok" has no findings. */
export interface QualityFlag {
  status: "ok" | "incomplete" | "refused";
  /** The site setting the gate applied to incomplete series. */
  policy: IncompletePolicy;
  findings: QualityFinding[];
}

/** Site setting: what the analysis does with a series that lacks slices. */
export const INCOMPLETE_POLICIES = ["block", "warn"] as const;
export type IncompletePolicy = (typeof INCOMPLETE_POLICIES)[number];

/** One line for a list cell or a banner. */
export function qualitySummary(q: QualityFlag): string {
  if (q.status === "ok") return "Image quality checked: no problem found.";
  const first = q.findings[0];
  const more = q.findings.length > 1 ? ` (+${q.findings.length - 1} more)` : "";
  return first ? `${first.message}${more}` : q.status;
}
