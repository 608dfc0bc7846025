// One review flag set from the worklist row (issue 13 §4): the nurse toggles "reviewed" or
// "urgent" with a click or a key without opening the study. The other flag and the comment stay
// as the latest review left them; the new review row and its audit entry are written by
// saveReview (append-only reviews, db/004), in the same transaction as the read.
import type { ReviewState } from "../contract/ipc";
import type { Db } from "./open";
import { latestReview, saveReview } from "./reviews";
import { studyRefOf } from "./studies";

export type ReviewFlag = "reviewed" | "urgent";

export function setReviewFlag(
  db: Db,
  studyInstanceUid: string,
  flag: ReviewFlag,
  value: boolean,
  actor: string,
): ReviewState {
  return db
    .transaction((): ReviewState => {
      const before = latestReview(db, studyRefOf(db, studyInstanceUid));
      const flags = { reviewed: before.reviewed, urgent: before.urgent, comment: before.comment };
      flags[flag] = value;
      return saveReview(db, studyInstanceUid, flags, actor);
    })
    .immediate();
}
