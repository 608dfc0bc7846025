// Ground truth and reader reads in the registry (migration 009, issue 16 §1): storing a validated
// file in one transaction (all its rows or none), the study view's edit of the final diagnosis,
// the cohorts the analytics read, and the lookup that turns a CSV's study column into a study.
import type { LesionClass } from "../contract/domain";
import { UsageError } from "../contract/errors";
import type { ReaderRead, StudyKeyKind, StudyLookup, TruthEntry } from "../evaluation/cohort-files";
import { appendAudit } from "./audit";
import type { Db } from "./open";

export interface EvaluationImport {
  id: number;
  kind: "truth" | "readers";
  fileName: string;
  rowCount: number;
  actor: string;
  at: string;
}

export interface StoredTruth {
  label: LesionClass;
  largestLesionMm: number | null;
  source: "file" | "manual";
  actor: string;
  at: string;
}

/** Resolves a CSV's study column against the registry: unknown and ambiguous keys say so. */
export function registryLookup(db: Db): StudyLookup {
  const column: Record<StudyKeyKind, string> = {
    study_uid: "s.study_instance_uid",
    accession: "s.accession_number",
    patient_id: "p.patient_id",
  };
  return (kind, value) => {
    const rows = db
      .prepare<[string], { uid: string }>(
        `SELECT s.study_instance_uid AS uid FROM studies s
           JOIN patients p ON p.id = s.patient_ref WHERE ${column[kind]} = ? LIMIT 2`,
      )
      .all(value);
    if (rows.length === 0) return { error: `unknown study: no study with ${kind} "${value}"` };
    if (rows.length > 1) {
      return { error: `${kind} "${value}" names several studies: use study_uid or accession` };
    }
    return rows[0]!.uid;
  };
}

function refOf(db: Db, uid: string): number {
  const row = db
    .prepare<[string], { id: number }>("SELECT id FROM studies WHERE study_instance_uid = ?")
    .get(uid);
  if (!row) throw new UsageError(`No study ${uid} in the registry.`);
  return row.id;
}

function newImport(db: Db, kind: EvaluationImport["kind"], file: string, n: number, actor: string) {
  return Number(
    db
      .prepare(
        "INSERT INTO evaluation_imports (kind, file_name, row_count, actor, at) VALUES (?, ?, ?, ?, ?)",
      )
      .run(kind, file, n, actor, new Date().toISOString()).lastInsertRowid,
  );
}

/** Stores a validated truth file: one import row and every entry, or nothing. Returns the import id. */
export function saveTruthImport(
  db: Db,
  fileName: string,
  entries: TruthEntry[],
  actor: string,
): number {
  return db.transaction(() => {
    const id = newImport(db, "truth", fileName, entries.length, actor);
    const at = new Date().toISOString();
    const put = db.prepare(
      `INSERT INTO ground_truth
         (study_ref, label, largest_lesion_mm, lesions_json, source, import_ref, actor, at)
       VALUES (?, ?, ?, ?, 'file', ?, ?, ?)
       ON CONFLICT (study_ref) DO UPDATE SET label = excluded.label,
         largest_lesion_mm = excluded.largest_lesion_mm, lesions_json = excluded.lesions_json,
         source = 'file', import_ref = excluded.import_ref, actor = excluded.actor, at = excluded.at`,
    );
    for (const e of entries) {
      const ref = refOf(db, e.studyInstanceUid);
      const before = truthOfRef(db, ref);
      put.run(
        ref,
        e.label,
        e.largestLesionMm,
        e.lesions ? JSON.stringify(e.lesions) : null,
        id,
        actor,
        at,
      );
      if (before && before.label !== e.label) {
        appendAudit(db, {
          actor,
          action: "truth-replaced",
          studyRef: ref,
          details: { from: before.label, to: e.label, import: id },
        });
      }
    }
    return id;
  })();
}

/** Stores a validated reader file; a reader's earlier read of the same study is replaced. */
export function saveReadersImport(
  db: Db,
  fileName: string,
  reads: ReaderRead[],
  actor: string,
): number {
  return db.transaction(() => {
    const id = newImport(db, "readers", fileName, reads.length, actor);
    const put = db.prepare(
      `INSERT INTO reader_reads (study_ref, reader, diagnosis, confidence, import_ref)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (reader, study_ref) DO UPDATE SET diagnosis = excluded.diagnosis,
         confidence = excluded.confidence, import_ref = excluded.import_ref`,
    );
    for (const r of reads) {
      put.run(refOf(db, r.studyInstanceUid), r.reader, r.diagnosis, r.confidence, id);
    }
    return id;
  })();
}

interface TruthRow {
  uid: string;
  label: LesionClass;
  largest_lesion_mm: number | null;
  lesions_json: string | null;
  source: "file" | "manual";
  actor: string;
  at: string;
}

function truthOfRef(db: Db, ref: number): StoredTruth | null {
  const r = db
    .prepare<[number], TruthRow>(
      `SELECT '' AS uid, label, largest_lesion_mm, lesions_json, source, actor, at
         FROM ground_truth WHERE study_ref = ?`,
    )
    .get(ref);
  return r
    ? {
        label: r.label,
        largestLesionMm: r.largest_lesion_mm,
        source: r.source,
        actor: r.actor,
        at: r.at,
      }
    : null;
}

export function truthOf(db: Db, studyInstanceUid: string): StoredTruth | null {
  return truthOfRef(db, refOf(db, studyInstanceUid));
}

/**
 * The study view's edit of the final (pathology) diagnosis: label null clears it. The previous
 * value goes to the audit log, so an edit never loses what a file or a colleague entered.
 */
export function setTruth(
  db: Db,
  studyInstanceUid: string,
  value: { label: LesionClass | null; largestLesionMm: number | null },
  actor: string,
): StoredTruth | null {
  return db.transaction(() => {
    const ref = refOf(db, studyInstanceUid);
    const before = truthOfRef(db, ref);
    if (value.label === null) {
      db.prepare("DELETE FROM ground_truth WHERE study_ref = ?").run(ref);
    } else {
      db.prepare(
        `INSERT INTO ground_truth (study_ref, label, largest_lesion_mm, lesions_json, source,
           import_ref, actor, at) VALUES (?, ?, ?, NULL, 'manual', NULL, ?, ?)
         ON CONFLICT (study_ref) DO UPDATE SET label = excluded.label,
           largest_lesion_mm = excluded.largest_lesion_mm, source = 'manual',
           actor = excluded.actor, at = excluded.at`,
      ).run(ref, value.label, value.largestLesionMm, actor, new Date().toISOString());
    }
    appendAudit(db, {
      actor,
      action: "truth-set",
      studyRef: ref,
      details: {
        from: before ? { label: before.label, largestLesionMm: before.largestLesionMm } : null,
        to: value.label === null ? null : value,
      },
    });
    return truthOfRef(db, ref);
  })();
}

export function evaluationImports(db: Db): EvaluationImport[] {
  return db
    .prepare<
      [],
      {
        id: number;
        kind: "truth" | "readers";
        file_name: string;
        row_count: number;
        actor: string;
        at: string;
      }
    >("SELECT id, kind, file_name, row_count, actor, at FROM evaluation_imports ORDER BY id")
    .all()
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      fileName: r.file_name,
      rowCount: r.row_count,
      actor: r.actor,
      at: r.at,
    }));
}

export interface CohortFilter {
  /** Only the studies whose truth came with this truth import. */
  importId?: number | null;
  /** Patient ID, name, accession or description contains this (case-insensitive). */
  search?: string;
}

/** Every study with a final diagnosis that passes the filter, as truth entries. */
export function cohortTruth(db: Db, filter: CohortFilter = {}): TruthEntry[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.importId !== undefined && filter.importId !== null) {
    where.push("g.import_ref = ?");
    params.push(filter.importId);
  }
  const q = filter.search?.trim().toLowerCase() ?? "";
  if (q !== "") {
    where.push(
      `(instr(lower(p.patient_id), ?) > 0 OR instr(lower(p.patient_name), ?) > 0
        OR instr(lower(s.accession_number), ?) > 0 OR instr(lower(s.description), ?) > 0)`,
    );
    params.push(q, q, q, q);
  }
  const rows = db
    .prepare<(string | number)[], TruthRow>(
      `SELECT s.study_instance_uid AS uid, g.label, g.largest_lesion_mm, g.lesions_json, g.source,
              g.actor, g.at
         FROM ground_truth g JOIN studies s ON s.id = g.study_ref
         JOIN patients p ON p.id = s.patient_ref
        ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY s.id`,
    )
    .all(...params);
  return rows.map((r) => ({
    studyInstanceUid: r.uid,
    label: r.label,
    largestLesionMm: r.largest_lesion_mm,
    lesions: r.lesions_json ? (JSON.parse(r.lesions_json) as TruthEntry["lesions"]) : null,
  }));
}

/** Every stored read of the given studies (all readers). */
export function cohortReads(db: Db, studyInstanceUids: string[]): ReaderRead[] {
  const wanted = new Set(studyInstanceUids);
  return db
    .prepare<[], ReaderRead>(
      `SELECT r.reader, s.study_instance_uid AS studyInstanceUid, r.diagnosis, r.confidence
         FROM reader_reads r JOIN studies s ON s.id = r.study_ref ORDER BY r.id`,
    )
    .all()
    .filter((r) => wanted.has(r.studyInstanceUid));
}
