// Reading the audit log back (issue 13 §6): filtered by time, user, action and study, newest
// first, and written as CSV for a site's accountability review. Details hold UIDs, counts and
// references, never names or comments (registry/audit.ts), so the file can leave the site.
import { stringify } from "csv-stringify/sync";
import type { Db } from "./open";

export interface AuditFilter {
  /** ISO timestamps (or YYYY-MM-DD) bounding `at`, inclusive. */
  since?: string | undefined;
  until?: string | undefined;
  actor?: string | undefined;
  /** An action or a prefix ending in "." ("review." matches review.update). */
  action?: string | undefined;
  studyInstanceUid?: string | undefined;
  limit?: number | undefined;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  studyInstanceUid: string | null;
  details: Record<string, unknown>;
}

/** The study's UID: from the join, or for a deletion (study row gone) from its details. */
const UID_COLUMN = `COALESCE(s.study_instance_uid, CASE WHEN a.action = 'study.delete'
  THEN json_extract(a.details_json, '$.studyInstanceUid') END)`;

/** The WHERE clause (over `audit_log a LEFT JOIN studies s`) and its arguments. */
function whereOf(f: AuditFilter): { sql: string; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (f.since) {
    where.push("a.at >= ?");
    args.push(f.since);
  }
  if (f.until) {
    // A bare date includes the whole day.
    where.push("a.at <= ?");
    args.push(/^\d{4}-\d{2}-\d{2}$/.test(f.until) ? `${f.until}T23:59:59.999Z` : f.until);
  }
  if (f.actor) {
    where.push("a.actor = ?");
    args.push(f.actor);
  }
  if (f.action) {
    if (f.action.endsWith(".")) {
      where.push("substr(a.action, 1, ?) = ?");
      args.push(f.action.length, f.action);
    } else {
      where.push("a.action = ?");
      args.push(f.action);
    }
  }
  if (f.studyInstanceUid) {
    // A deleted study's entry names its UID in the details (its study_ref is NULL, §7).
    where.push(`(s.study_instance_uid = ? OR (a.action = 'study.delete'
                 AND json_extract(a.details_json, '$.studyInstanceUid') = ?))`);
    args.push(f.studyInstanceUid, f.studyInstanceUid);
  }
  return { sql: where.length > 0 ? `WHERE ${where.join(" AND ")}` : "", args };
}

export function queryAudit(db: Db, f: AuditFilter = {}): AuditRow[] {
  const { sql: where, args } = whereOf(f);
  const sql = `SELECT a.id, a.at, a.actor, a.action, ${UID_COLUMN} AS uid, a.details_json
                 FROM audit_log a LEFT JOIN studies s ON s.id = a.study_ref
                ${where}
                ORDER BY a.id DESC LIMIT ?`;
  args.push(f.limit ?? 100_000);
  return db
    .prepare<
      (string | number)[],
      {
        id: number;
        at: string;
        actor: string;
        action: string;
        uid: string | null;
        details_json: string;
      }
    >(sql)
    .all(...args)
    .map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      studyInstanceUid: r.uid,
      details: JSON.parse(r.details_json) as Record<string, unknown>,
    }));
}

/** How many entries match (the Audit screen shows a page of them). */
export function countAudit(db: Db, f: AuditFilter = {}): number {
  const { sql: where, args } = whereOf(f);
  return (
    db
      .prepare<(string | number)[], { n: number }>(
        `SELECT COUNT(*) AS n FROM audit_log a LEFT JOIN studies s ON s.id = a.study_ref ${where}`,
      )
      .get(...args)?.n ?? 0
  );
}

/** Every user and action in the log: the Audit screen's filter choices. */
export function auditChoices(db: Db): { users: string[]; actions: string[] } {
  const col = (c: "actor" | "action"): string[] =>
    db
      .prepare<[], { v: string }>(`SELECT DISTINCT ${c} AS v FROM audit_log ORDER BY ${c}`)
      .all()
      .map((r) => r.v);
  return { users: col("actor"), actions: col("action") };
}

/** CSV with a BOM (spreadsheet-friendly) and formula escaping (a cell never runs as a formula). */
export function auditCsv(rows: AuditRow[]): string {
  return stringify(
    rows.map((r) => [
      r.id,
      r.at,
      r.actor,
      r.action,
      r.studyInstanceUid ?? "",
      JSON.stringify(r.details),
    ]),
    {
      bom: true,
      escape_formulas: true,
      header: true,
      columns: ["id", "at", "user", "action", "study_instance_uid", "details"],
    },
  );
}
