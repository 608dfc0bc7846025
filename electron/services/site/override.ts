// A manual sequence override is a clinical decision (issue 13 §2): it needs a reason (kept in the
// audit log) and a series that can hold a liver sequence. Checked before the registry changes.
import { SEQUENCE_LABELS, type SequenceId } from "../../contract/domain";
import { UsageError } from "../../contract/errors";
import type { Db } from "../../registry";
import { unusableSeries } from "../../registry";
import { seriesHeading, studyRefOf } from "../../registry";

export function checkOverride(
  db: Db,
  req: {
    studyInstanceUid: string;
    sequence: SequenceId;
    seriesInstanceUid: string | null;
    reason: string;
  },
): void {
  if (req.reason.trim().length < 3) {
    throw new UsageError(
      `Give a reason for changing ${SEQUENCE_LABELS[req.sequence]} (at least 3 characters); it is kept in the audit log.`,
    );
  }
  if (req.seriesInstanceUid === null) return;
  const why = unusableSeries(db, studyRefOf(db, req.studyInstanceUid)).get(req.seriesInstanceUid);
  if (why !== undefined) {
    const s = seriesHeading(db, req.seriesInstanceUid);
    const name = s ? `Series ${s.seriesNumber ?? "?"} '${s.description}'` : "That series";
    throw new UsageError(
      `${name} cannot be used for ${SEQUENCE_LABELS[req.sequence]}: ${why}. Choose an axial source series.`,
    );
  }
}
