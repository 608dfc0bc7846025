// Deleting a study and everything hanging off it (issue 13 §7), and the retention limit's choice
// of studies. The rows go in ONE transaction with the `study.delete` audit entry, so a deletion is
// either complete and audited or did not happen; the store files are removed by the caller after
// the commit (services/site/deletion.ts), since a file cannot be rolled back.
//
// What goes with a study (db/schema.sql): series and instances (no ON DELETE action: deleted
// here, instances first), analyses (deleted here; rois, analysis_quality and result_objects follow
// by ON DELETE CASCADE), sequence_assignments, series_exclusions, jobs, reviews, ground_truth,
// reader_reads (CASCADE), and the patient row when no other study of it is left (it holds the
// name). audit_log.study_ref is SET NULL: the entries stay, and the delete entry names the UID.
// A table added later with a foreign key to studies/series/analyses and no ON DELETE action makes
// the transaction fail (foreign_keys=ON, registry/open.ts) instead of leaving dangling rows;
// test/registry/deletion.test.ts checks every such key of the schema.
import { StudyBusyError, UsageError } from "../contract/errors";
import { appendAudit } from "./audit";
import type { Db } from "./open";

export interface DeletedStudy {
  studyInstanceUid: string;
  series: number;
  instances: number;
  analyses: number;
  /** Store paths (relative to the store root) of the study's images and stored objects. */
  files: string[];
  /** True when the patient row went too (no other study of that patient is left). */
  patientRemoved: boolean;
  auditId: number;
}

export interface DeletionRequest {
  studyInstanceUid: string;
  actor: string;
  /** Required, kept in the audit entry ("retention" for the retention limit's deletions). */
  reason: string;
  /** Where the deletion came from: the app, `livercad delete` or `livercad retention`. */
  via: "app" | "cli" | "retention";
}

const LIVE = "(j.lease_expires_at IS NOT NULL AND j.lease_expires_at >= @now)";

/**
 * Why the study cannot be deleted now, or null. An analysis queued or running on it (a running
 * row whose owner's lease expired is abandoned: its owner died, and the next claim would only
 * re-queue it), or an import of the workstation still running: an import's studies are known
 * only when it ends (import jobs carry no study_ref, registry/import-jobs.ts), so any live import
 * holds every deletion back rather than racing its writes into the store.
 */
export function deletionBlocker(db: Db, studyRef: number, nowMs = Date.now()): string | null {
  const now = new Date(nowMs).toISOString();
  const analysis = db
    .prepare<{ ref: number; now: string }, { state: string }>(
      `SELECT j.state FROM jobs j
        WHERE j.study_ref = @ref AND j.kind = 'analyze'
          AND (j.state = 'queued' OR (j.state = 'running' AND ${LIVE}))
        ORDER BY j.state = 'running' DESC LIMIT 1`,
    )
    .get({ ref: studyRef, now });
  if (analysis?.state === "running") {
    return "the study is being analyzed; cancel the analysis first (Jobs panel), then delete it";
  }
  if (analysis?.state === "queued") {
    return "the study is queued for analysis; cancel the analysis first (Jobs panel), then delete it";
  }
  const importing = db
    .prepare<{ now: string }, { id: number }>(
      `SELECT j.id FROM jobs j WHERE j.kind = 'import' AND j.state IN ('queued', 'running')
          AND ${LIVE} LIMIT 1`,
    )
    .get({ now });
  if (importing) {
    return "an import is running and may be adding images to this study; wait for it to end (or cancel it), then delete";
  }
  return null;
}

function studyRow(
  db: Db,
  studyInstanceUid: string,
): { id: number; patient_ref: number } | undefined {
  return db
    .prepare<[string], { id: number; patient_ref: number }>(
      "SELECT id, patient_ref FROM studies WHERE study_instance_uid = ?",
    )
    .get(studyInstanceUid);
}

/** The rows a deletion would remove, counted (retention's dry run prints them). */
export function studyFootprint(
  db: Db,
  studyRef: number,
): { series: number; instances: number; analyses: number; files: string[] } {
  const count = (sql: string): number =>
    db.prepare<[number], { n: number }>(sql).get(studyRef)?.n ?? 0;
  const files = db
    .prepare<[number, number], { p: string }>(
      `SELECT i.store_path AS p FROM instances i JOIN series se ON se.id = i.series_ref
        WHERE se.study_ref = ?
       UNION ALL
       SELECT r.store_path AS p FROM result_objects r WHERE r.study_ref = ?`,
    )
    .all(studyRef, studyRef)
    .map((r) => r.p);
  return {
    series: count("SELECT COUNT(*) AS n FROM series WHERE study_ref = ?"),
    instances: count(
      `SELECT COUNT(*) AS n FROM instances i JOIN series se ON se.id = i.series_ref
        WHERE se.study_ref = ?`,
    ),
    analyses: count("SELECT COUNT(*) AS n FROM analyses WHERE study_ref = ?"),
    files,
  };
}

/**
 * Deletes the study's rows and writes its `study.delete` audit entry, in one IMMEDIATE
 * transaction (the busy check and the delete see the same jobs). Throws UsageError for an
 * unknown study and StudyBusyError while a job works on it; nothing changes then.
 */
export function deleteStudyRecords(db: Db, req: DeletionRequest, nowMs = Date.now()): DeletedStudy {
  return db
    .transaction((): DeletedStudy => {
      const study = studyRow(db, req.studyInstanceUid);
      if (!study) {
        throw new UsageError(
          `No study ${req.studyInstanceUid} in the registry; nothing was deleted.`,
        );
      }
      const blocker = deletionBlocker(db, study.id, nowMs);
      if (blocker !== null) {
        throw new StudyBusyError(`Study ${req.studyInstanceUid} was not deleted: ${blocker}.`);
      }
      const footprint = studyFootprint(db, study.id);
      // Analyses first: their rois reference the study's series without an ON DELETE action.
      db.prepare("DELETE FROM analyses WHERE study_ref = ?").run(study.id);
      db.prepare(
        "DELETE FROM instances WHERE series_ref IN (SELECT id FROM series WHERE study_ref = ?)",
      ).run(study.id);
      db.prepare("DELETE FROM sequence_assignments WHERE study_ref = ?").run(study.id);
      db.prepare("DELETE FROM series WHERE study_ref = ?").run(study.id);
      db.prepare("DELETE FROM studies WHERE id = ?").run(study.id);
      const patientRemoved =
        db
          .prepare(
            `DELETE FROM patients WHERE id = ?
                AND NOT EXISTS (SELECT 1 FROM studies WHERE patient_ref = ?)`,
          )
          .run(study.patient_ref, study.patient_ref).changes > 0;
      // The study row is gone, so study_ref would be NULL anyway: the UID is in the details.
      // No patient name or ID (registry/audit.ts): the UID finds the study in the PACS, and a
      // hash of a short patient ID could be reversed by trying every ID.
      const auditId = appendAudit(db, {
        actor: req.actor,
        action: "study.delete",
        studyRef: null,
        details: {
          studyInstanceUid: req.studyInstanceUid,
          reason: req.reason,
          via: req.via,
          series: footprint.series,
          instances: footprint.instances,
          analyses: footprint.analyses,
          files: footprint.files.length,
          patientRemoved,
        },
      });
      return {
        studyInstanceUid: req.studyInstanceUid,
        series: footprint.series,
        instances: footprint.instances,
        analyses: footprint.analyses,
        files: footprint.files,
        patientRemoved,
        auditId,
      };
    })
    .immediate();
}

export interface RetentionCandidate {
  studyInstanceUid: string;
  /** studies.created_at: when the study was first stored here. */
  arrivedAt: string;
  series: number;
  instances: number;
  /** Why it is kept although older than the limit, or null: it goes. */
  keep: string | null;
}

/**
 * Studies that arrived (studies.created_at) before now minus `days`, oldest first, each with the
 * reason it is kept: an analysis nobody has marked reviewed (the CAD's result was never read), or
 * an analysis or import job working on it. `days` 0 (keep forever) gives none.
 */
export function retentionCandidates(
  db: Db,
  days: number,
  nowMs = Date.now(),
): RetentionCandidate[] {
  if (days <= 0) return [];
  const cutoff = new Date(nowMs - days * 86_400_000).toISOString();
  const rows = db
    .prepare<
      [string],
      { id: number; uid: string; created_at: string; analyses: number; reviewed: number | null }
    >(
      `SELECT s.id, s.study_instance_uid AS uid, s.created_at,
              (SELECT COUNT(*) FROM analyses a WHERE a.study_ref = s.id) AS analyses,
              (SELECT r.reviewed FROM reviews r WHERE r.study_ref = s.id
                ORDER BY r.id DESC LIMIT 1) AS reviewed
         FROM studies s
        WHERE s.created_at < ?
        ORDER BY s.created_at, s.id`,
    )
    .all(cutoff);
  return rows.map((r) => {
    const footprint = studyFootprint(db, r.id);
    let keep = deletionBlocker(db, r.id, nowMs);
    if (keep === null && r.analyses > 0 && r.reviewed !== 1) {
      keep = "its CAD result is not marked reviewed";
    }
    return {
      studyInstanceUid: r.uid,
      arrivedAt: r.created_at,
      series: footprint.series,
      instances: footprint.instances,
      keep,
    };
  });
}

/** Every study's UID: the sweep of a deletion's leftover files skips their store folders. */
export function allStudyUids(db: Db): string[] {
  return db
    .prepare<[], { uid: string }>("SELECT study_instance_uid AS uid FROM studies")
    .all()
    .map((r) => r.uid);
}

/** Whether a store path (relative) is an instance's or a stored result object's file. */
export function storePathChecker(db: Db): (relative: string) => boolean {
  const stmt = db.prepare<[string, string], { n: number }>(
    `SELECT (SELECT COUNT(*) FROM instances WHERE store_path = ?)
          + (SELECT COUNT(*) FROM result_objects WHERE store_path = ?) AS n`,
  );
  return (relative) => (stmt.get(relative, relative)?.n ?? 0) > 0;
}
