// The nurse's review of a study (issue 6): flags and comment in the append-only reviews table
// (db/004), the latest row read for the study view, each change written with its audit entry.
import type { ReviewState } from "../contract/ipc";
import { appendAudit } from "./audit";
import type { Db } from "./open";
import { studyRefOf } from "./studies";

export function latestReview(db: Db, studyRef: number): ReviewState {
  const r = db
    .prepare<
      [number],
      { reviewed: number; urgent: number; comment: string; actor: string; at: string }
    >(
      "SELECT reviewed, urgent, comment, actor, at FROM reviews WHERE study_ref = ? ORDER BY id DESC LIMIT 1",
    )
    .get(studyRef);
  if (!r) return { reviewed: false, urgent: false, comment: "", actor: null, at: null };
  return {
    reviewed: r.reviewed === 1,
    urgent: r.urgent === 1,
    comment: r.comment,
    actor: r.actor,
    at: r.at,
  };
}

/**
 * Appends the nurse's flags and comment (reviews are append-only, db/004) and the matching audit
 * entry in one transaction. The audit details name what changed, never the patient.
 */
export function saveReview(
  db: Db,
  studyInstanceUid: string,
  flags: { reviewed: boolean; urgent: boolean; comment: string },
  actor: string,
): ReviewState {
  return db
    .transaction((): ReviewState => {
      const ref = studyRefOf(db, studyInstanceUid);
      const before = latestReview(db, ref);
      const at = new Date().toISOString();
      const reviewId = Number(
        db
          .prepare(
            "INSERT INTO reviews (study_ref, reviewed, urgent, comment, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
          )
          .run(ref, flags.reviewed ? 1 : 0, flags.urgent ? 1 : 0, flags.comment, actor, at)
          .lastInsertRowid,
      );
      const changed: Record<string, unknown> = {};
      if (before.reviewed !== flags.reviewed) changed.reviewed = flags.reviewed;
      if (before.urgent !== flags.urgent) changed.urgent = flags.urgent;
      // The comment itself stays in reviews (it may name the patient); the audit log, which is
      // exported for support, keeps a reference to the row (issue 13 §6).
      if (before.comment !== flags.comment) {
        changed.comment = { reviewId, characters: flags.comment.length };
      }
      appendAudit(db, { actor, action: "review.update", studyRef: ref, details: changed });
      return { ...flags, actor, at };
    })
    .immediate();
}

/** A stored review row: the flags, comment, who and when. */
export interface ReviewRecord {
  reviewed: boolean;
  urgent: boolean;
  comment: string;
  actor: string;
  at: string;
}

/**
 * A reader of each study's latest review by Study Instance UID (null: never reviewed), prepared
 * once for an export that reads many studies.
 */
export function latestReviewReader(db: Db): (studyInstanceUid: string) => ReviewRecord | null {
  const statement = db.prepare<
    [string],
    { reviewed: number; urgent: number; comment: string; actor: string; at: string }
  >(
    `SELECT r.reviewed, r.urgent, r.comment, r.actor, r.at FROM reviews r
       JOIN studies s ON s.id = r.study_ref
      WHERE s.study_instance_uid = ? ORDER BY r.id DESC LIMIT 1`,
  );
  return (studyInstanceUid) => {
    const rv = statement.get(studyInstanceUid);
    return rv
      ? {
          reviewed: rv.reviewed === 1,
          urgent: rv.urgent === 1,
          comment: rv.comment,
          actor: rv.actor,
          at: rv.at,
        }
      : null;
  };
}
