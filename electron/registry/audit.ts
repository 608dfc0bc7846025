// The audit log: who did what to which study, when. Details hold UIDs and values, never patient
// names or IDs, so an exported log can be shared with a vendor for support.
import type { Db } from "./open";

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  studyInstanceUid: string | null;
  details: Record<string, unknown>;
}

export function appendAudit(
  db: Db,
  entry: { actor: string; action: string; studyRef: number | null; details: object },
): number {
  const r = db
    .prepare(
      "INSERT INTO audit_log (at, actor, action, study_ref, details_json) VALUES (?, ?, ?, ?, ?)",
    )
    .run(
      new Date().toISOString(),
      entry.actor,
      entry.action,
      entry.studyRef,
      JSON.stringify(entry.details),
    );
  return Number(r.lastInsertRowid);
}

export function auditForStudy(db: Db, studyInstanceUid: string): AuditEntry[] {
  const rows = db
    .prepare<
      [string],
      { id: number; at: string; actor: string; action: string; uid: string; details_json: string }
    >(
      `SELECT a.id, a.at, a.actor, a.action, s.study_instance_uid AS uid, a.details_json
         FROM audit_log a JOIN studies s ON s.id = a.study_ref
        WHERE s.study_instance_uid = ? ORDER BY a.id`,
    )
    .all(studyInstanceUid);
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    studyInstanceUid: r.uid,
    details: JSON.parse(r.details_json) as Record<string, unknown>,
  }));
}

/** When `actor` last did `action` on a study (ISO time), or null when never. */
export function lastAuditAt(
  db: Db,
  studyRef: number,
  actor: string,
  action: string,
): string | null {
  const row = db
    .prepare<[number, string, string], { at: string }>(
      `SELECT at FROM audit_log WHERE study_ref = ? AND actor = ? AND action = ?
        ORDER BY id DESC LIMIT 1`,
    )
    .get(studyRef, actor, action);
  return row?.at ?? null;
}

/** When anyone last did `action` (ISO time), or null when never: e.g. the last retention run. */
export function lastActionAt(db: Db, action: string): string | null {
  const row = db
    .prepare<[string], { at: string }>(
      "SELECT at FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1",
    )
    .get(action);
  return row?.at ?? null;
}
