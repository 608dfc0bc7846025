// Sequence assignments in the registry: the rules' result per study (source "auto", replaced
// each time the rules run) and manual overrides (source "manual", kept until cleared, audited).
import { SEQUENCES, type SequenceId } from "../contract/domain";
import { RegistryError, UsageError } from "../contract/errors";
import type { SeriesInfo } from "../dicom/instance";
import { appendAudit } from "./audit";
import type { Db } from "./open";
import type { AssignmentToStore, SequenceAssignmentRecord, SeriesRecord } from "./types";

export function isSequenceId(value: string): value is SequenceId {
  return (SEQUENCES as readonly string[]).includes(value);
}

function studyRefOf(db: Db, studyInstanceUid: string): number {
  const row = db
    .prepare<[string], { id: number }>("SELECT id FROM studies WHERE study_instance_uid = ?")
    .get(studyInstanceUid);
  if (!row) throw new UsageError(`No study ${studyInstanceUid} in the registry.`);
  return row.id;
}

/** Every stored series of a study, as sequence assignment takes them. */
export function seriesRecordsForStudy(db: Db, studyInstanceUid: string): SeriesRecord[] {
  const rows = db
    .prepare<
      [string],
      {
        info_json: string;
        sop_class_uid: string;
        instance_count: number;
        frame_count: number;
        pixel_rows: number;
        pixel_columns: number;
        slice_thickness: number | null;
        orientation_json: string | null;
        b_values: string | null;
      }
    >(
      `SELECT se.info_json, se.sop_class_uid, se.pixel_rows, se.pixel_columns, se.slice_thickness,
              se.orientation_json,
              COUNT(i.id) AS instance_count, COALESCE(SUM(i.frame_count), 0) AS frame_count,
              (SELECT json_group_array(DISTINCT j.value)
                 FROM instances i2, json_each(i2.b_values_json) j
                WHERE i2.series_ref = se.id) AS b_values
         FROM series se JOIN studies s ON s.id = se.study_ref
         LEFT JOIN instances i ON i.series_ref = se.id
        WHERE s.study_instance_uid = ?
        GROUP BY se.id ORDER BY se.series_number, se.id`,
    )
    .all(studyInstanceUid);
  return rows.map((r) => ({
    info: JSON.parse(r.info_json) as SeriesInfo,
    sopClassUid: r.sop_class_uid,
    instanceCount: r.instance_count,
    frameCount: r.frame_count,
    rows: r.pixel_rows,
    columns: r.pixel_columns,
    sliceThickness: r.slice_thickness,
    bValues: (JSON.parse(r.b_values ?? "[]") as number[]).sort((a, b) => a - b),
    imageOrientationPatient: r.orientation_json
      ? (JSON.parse(r.orientation_json) as SeriesRecord["imageOrientationPatient"])
      : null,
  }));
}

/** Replaces the automatic assignments and exclusions of a study with the rules' latest result. */
export function saveAutoAssignments(
  db: Db,
  studyInstanceUid: string,
  result: AssignmentToStore,
  actor = "rules",
): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    const studyRef = studyRefOf(db, studyInstanceUid);
    const seriesRef = db.prepare<[string, number], { id: number }>(
      "SELECT id FROM series WHERE series_instance_uid = ? AND study_ref = ?",
    );
    const refOf = (uid: string): number => {
      const row = seriesRef.get(uid, studyRef);
      if (!row) throw new UsageError(`Series ${uid} is not part of study ${studyInstanceUid}.`);
      return row.id;
    };
    db.prepare("DELETE FROM sequence_assignments WHERE study_ref = ? AND source = 'auto'").run(
      studyRef,
    );
    db.prepare(
      "DELETE FROM series_exclusions WHERE series_ref IN (SELECT id FROM series WHERE study_ref = ?)",
    ).run(studyRef);
    const insert = db.prepare(`
      INSERT INTO sequence_assignments
        (study_ref, sequence, source, series_ref, rule, detail, b_value, assigned_at, assigned_by)
      VALUES (?, ?, 'auto', ?, ?, ?, ?, ?, ?)`);
    for (const a of result.assignments) {
      const ref = refOf(a.seriesInstanceUid);
      insert.run(studyRef, a.sequence, ref, a.rule, a.detail, a.bValue ?? null, now, actor);
    }
    const exclude = db.prepare(
      "INSERT INTO series_exclusions (series_ref, rule, reason, decided_at) VALUES (?, ?, ?, ?)",
    );
    for (const e of result.excluded) exclude.run(refOf(e.seriesInstanceUid), e.rule, e.reason, now);
    db.prepare("UPDATE studies SET assigned_at = ? WHERE id = ?").run(now, studyRef);
  }).immediate();
}

interface AssignmentRow {
  study_uid: string;
  sequence: string;
  series_uid: string;
  source: "auto" | "manual";
  rule: string;
  detail: string;
  b_value: number | null;
  assigned_at: string;
  assigned_by: string;
}

const EFFECTIVE_SQL = `
  SELECT s.study_instance_uid AS study_uid, e.sequence, se.series_instance_uid AS series_uid,
         e.source, e.rule, e.detail, e.b_value, e.assigned_at, e.assigned_by
    FROM effective_assignments e
    JOIN studies s ON s.id = e.study_ref
    JOIN series se ON se.id = e.series_ref`;

function toRecord(r: AssignmentRow): SequenceAssignmentRecord {
  if (!isSequenceId(r.sequence))
    throw new RegistryError(`Unknown sequence in registry: ${r.sequence}`);
  return {
    sequence: r.sequence,
    seriesInstanceUid: r.series_uid,
    source: r.source,
    rule: r.rule,
    detail: r.detail,
    bValue: r.b_value,
    assignedAt: r.assigned_at,
    assignedBy: r.assigned_by,
  };
}

/** Effective assignments of every study (or one), keyed by study UID. */
export function effectiveAssignments(
  db: Db,
  studyInstanceUid?: string,
): Map<string, SequenceAssignmentRecord[]> {
  const rows =
    studyInstanceUid === undefined
      ? db.prepare<[], AssignmentRow>(EFFECTIVE_SQL).all()
      : db
          .prepare<[string], AssignmentRow>(`${EFFECTIVE_SQL} WHERE s.study_instance_uid = ?`)
          .all(studyInstanceUid);
  const byStudy = new Map<string, SequenceAssignmentRecord[]>();
  for (const r of rows) {
    const list = byStudy.get(r.study_uid) ?? [];
    list.push(toRecord(r));
    byStudy.set(r.study_uid, list);
  }
  return byStudy;
}

export interface OverrideRequest {
  studyInstanceUid: string;
  sequence: SequenceId;
  /** null clears the manual override: the rules' choice (if any) applies again. */
  seriesInstanceUid: string | null;
  actor: string;
  reason?: string;
}

/** Stores (or clears) a manual override and audits the change, in one transaction. */
export function overrideAssignment(db: Db, req: OverrideRequest): SequenceAssignmentRecord | null {
  return db
    .transaction((): SequenceAssignmentRecord | null => {
      const studyRef = studyRefOf(db, req.studyInstanceUid);
      const before =
        effectiveAssignments(db, req.studyInstanceUid)
          .get(req.studyInstanceUid)
          ?.find((a) => a.sequence === req.sequence) ?? null;
      if (req.seriesInstanceUid === null) {
        db.prepare(
          "DELETE FROM sequence_assignments WHERE study_ref = ? AND sequence = ? AND source = 'manual'",
        ).run(studyRef, req.sequence);
      } else {
        const series = db
          .prepare<[string, number], { id: number }>(
            "SELECT id FROM series WHERE series_instance_uid = ? AND study_ref = ?",
          )
          .get(req.seriesInstanceUid, studyRef);
        if (!series) {
          throw new UsageError(
            `Series ${req.seriesInstanceUid} is not part of study ${req.studyInstanceUid}.`,
          );
        }
        db.prepare(
          `INSERT INTO sequence_assignments
             (study_ref, sequence, source, series_ref, rule, detail, assigned_at, assigned_by)
           VALUES (?, ?, 'manual', ?, 'manual-override', ?, ?, ?)
           ON CONFLICT (study_ref, sequence, source) DO UPDATE SET
             series_ref = excluded.series_ref, detail = excluded.detail,
             assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by`,
        ).run(
          studyRef,
          req.sequence,
          series.id,
          req.reason ?? "",
          new Date().toISOString(),
          req.actor,
        );
      }
      const after =
        effectiveAssignments(db, req.studyInstanceUid)
          .get(req.studyInstanceUid)
          ?.find((a) => a.sequence === req.sequence) ?? null;
      appendAudit(db, {
        actor: req.actor,
        action:
          req.seriesInstanceUid === null ? "assignment.clear-override" : "assignment.override",
        studyRef,
        details: {
          sequence: req.sequence,
          from: before && { seriesInstanceUid: before.seriesInstanceUid, source: before.source },
          to: after && { seriesInstanceUid: after.seriesInstanceUid, source: after.source },
          reason: req.reason ?? "",
        },
      });
      return after;
    })
    .immediate();
}

/** The b-value the effective DWI assignment of a study chose (null: no DWI or no b-value). */
export function dwiBValueOfStudy(db: Db, studyInstanceUid: string): number | null {
  const row = db
    .prepare<[string], { b: number | null }>(
      `SELECT e.b_value AS b FROM effective_assignments e JOIN studies s ON s.id = e.study_ref
        WHERE s.study_instance_uid = ? AND e.sequence = 'DWI'`,
    )
    .get(studyInstanceUid);
  return row?.b ?? null;
}

/** The sequence a series is effectively assigned to in a study, or null when none. */
export function effectiveSequenceOfSeries(
  db: Db,
  studyRef: number,
  seriesInstanceUid: string,
): SequenceId | null {
  const row = db
    .prepare<[number, string], { sequence: SequenceId }>(
      `SELECT e.sequence FROM effective_assignments e JOIN series se ON se.id = e.series_ref
        WHERE e.study_ref = ? AND se.series_instance_uid = ?`,
    )
    .get(studyRef, seriesInstanceUid);
  return row?.sequence ?? null;
}
