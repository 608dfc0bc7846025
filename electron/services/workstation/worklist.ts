// The worklist index: every study once in memory, ranked by confidence, so that moving the
// confidence slider re-cuts the list without a database round trip. With 100,000 studies one
// registry scan takes about a second, a page query over the index a few milliseconds
// (bench/ui.ts); the index is rebuilt only when the registry changed (PRAGMA data_version, or a
// write made through this service).
import { LESION_CLASSES, type LesionClass } from "../../contract/domain";
import type {
  ClassSummary,
  WorklistPage,
  WorklistQuery,
  WorklistRow,
  WorklistSortKey,
} from "../../contract/ipc";
import type { WorklistIndexRow } from "../../registry/workstation-queries";

/** Statuses whose study is finished by the CAD but has no confidence: a radiologist must look. */
const REVIEW_WITHOUT_SCORE = new Set(["no-roi", "error"]);

function emptySummary(): ClassSummary {
  return {
    total: 0,
    byClass: Object.fromEntries(LESION_CLASSES.map((c) => [c, 0])) as Record<LesionClass, number>,
    noLesion: 0,
  };
}

/** How many of `scored` studies stay in "the N% most confident" list. */
export function confidentCount(scored: number, topPercent: number): number {
  // Round half up on the exact product so that 70% of 10 is 7 and 50% of 3 is 2 (not 1.5 -> 1).
  return Math.min(scored, Math.floor((scored * topPercent) / 100 + 0.5));
}

export class WorklistIndex {
  readonly rows: WorklistIndexRow[];
  /** Scored rows (with a confidence) by descending confidence; ties by study date, then ref. */
  private readonly byConfidence: WorklistIndexRow[];
  private readonly rankOf = new Map<number, number>();
  private readonly sorted = new Map<string, WorklistIndexRow[]>();
  private readonly unanalyzed: number;

  constructor(rows: WorklistIndexRow[]) {
    this.rows = rows;
    this.byConfidence = rows
      .filter((r) => r.confidence !== null)
      .sort((a, b) => b.confidence! - a.confidence! || a.ref - b.ref);
    this.byConfidence.forEach((r, i) => this.rankOf.set(r.ref, i + 1));
    this.unanalyzed = rows.filter(
      (r) => r.confidence === null && !REVIEW_WITHOUT_SCORE.has(r.status),
    ).length;
  }

  find(studyInstanceUid: string): WorklistIndexRow | undefined {
    return this.rows.find((r) => r.studyInstanceUid === studyInstanceUid);
  }

  private sortedBy(key: WorklistSortKey, descending: boolean): WorklistIndexRow[] {
    const name = `${key}:${descending}`;
    const cached = this.sorted.get(name);
    if (cached) return cached;
    const dir = descending ? -1 : 1;
    const cmp = comparator(key);
    const out = [...this.rows].sort((a, b) => dir * cmp(a, b) || a.ref - b.ref);
    this.sorted.set(name, out);
    return out;
  }

  /** Whether a row belongs to the review queue under a given cut. */
  private inReview(r: WorklistIndexRow, keep: number): boolean {
    if (r.confidence === null) return REVIEW_WITHOUT_SCORE.has(r.status);
    return this.rankOf.get(r.ref)! > keep;
  }

  page(q: WorklistQuery): WorklistPage {
    const keep = confidentCount(this.byConfidence.length, q.topPercent);
    const confident = emptySummary();
    const review = emptySummary();
    for (const r of this.rows) {
      const conf = r.confidence !== null && this.rankOf.get(r.ref)! <= keep;
      const target = conf ? confident : this.inReview(r, keep) ? review : null;
      if (target === null) continue;
      target.total++;
      if (r.prediction !== null && r.confidence !== null) target.byClass[r.prediction]++;
      else if (r.status === "no-roi") target.noLesion++;
    }
    const matches = this.matching(q, keep);
    const rows = matches.slice(q.offset, q.offset + q.limit).map((r) => this.view(r, keep));
    const cutRow = keep > 0 ? this.byConfidence[keep - 1] : undefined;
    return {
      rows,
      total: matches.length,
      offset: q.offset,
      counts: {
        all: this.rows.length,
        scored: this.byConfidence.length,
        confident: keep,
        review: review.total,
        unanalyzed: this.unanalyzed,
      },
      summary: { confident, review },
      confidenceCut: cutRow?.confidence ?? null,
    };
  }

  private matching(q: WorklistQuery, keep: number): WorklistIndexRow[] {
    const needle = q.search.trim().toLowerCase();
    const matches: WorklistIndexRow[] = [];
    for (const r of this.sortedBy(q.sort, q.descending)) {
      const rank = this.rankOf.get(r.ref);
      if (q.queue === "confident" && !(rank !== undefined && rank <= keep)) continue;
      if (q.queue === "review" && !this.inReview(r, keep)) continue;
      if (q.status !== "" && r.status !== q.status) continue;
      if (needle !== "" && !matchesSearch(r, needle)) continue;
      matches.push(r);
    }
    return matches;
  }

  /** The study after or before `uid` in the order of `q` (for next / previous study keys). */
  neighbour(uid: string, direction: "next" | "previous", q: WorklistQuery): string | null {
    const matches = this.matching(q, confidentCount(this.byConfidence.length, q.topPercent));
    const i = matches.findIndex((r) => r.studyInstanceUid === uid);
    if (i < 0) return matches[0]?.studyInstanceUid ?? null;
    return matches[direction === "next" ? i + 1 : i - 1]?.studyInstanceUid ?? null;
  }

  private view(r: WorklistIndexRow, keep: number): WorklistRow {
    const rank = this.rankOf.get(r.ref) ?? null;
    return {
      studyInstanceUid: r.studyInstanceUid,
      patientName: r.patientName,
      patientId: r.patientId,
      studyDate: r.studyDate,
      description: r.description,
      status: r.status,
      prediction: r.prediction,
      probabilities: r.probabilities,
      confidence: r.confidence,
      confidenceRank: rank,
      needsReview: this.inReview(r, keep),
      reviewed: r.reviewed,
      urgent: r.urgent,
    };
  }
}

function matchesSearch(r: WorklistIndexRow, needle: string): boolean {
  return (
    r.patientName.toLowerCase().includes(needle) ||
    r.patientId.toLowerCase().includes(needle) ||
    r.description.toLowerCase().includes(needle) ||
    r.studyInstanceUid.includes(needle)
  );
}

type Cmp = (a: WorklistIndexRow, b: WorklistIndexRow) => number;

function comparator(key: WorklistSortKey): Cmp {
  switch (key) {
    case "confidence":
      // Unscored studies sort after every scored one in either direction of the others.
      return (a, b) => (a.confidence ?? -1) - (b.confidence ?? -1);
    case "patientName":
      return (a, b) => a.patientName.localeCompare(b.patientName);
    case "patientId":
      return (a, b) => a.patientId.localeCompare(b.patientId);
    case "studyDate":
      return (a, b) =>
        a.studyDate.localeCompare(b.studyDate) || a.studyTime.localeCompare(b.studyTime);
    case "prediction":
      return (a, b) => (a.prediction ?? "~").localeCompare(b.prediction ?? "~");
    case "status":
      return (a, b) => a.status.localeCompare(b.status);
  }
}
