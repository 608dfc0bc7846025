// Site models an administrator added (migration 012, issue 12 §4): one row per accepted model
// folder with the sha256 of every file its manifest lists. The SQL only; validation and the
// audit live in services/models.
import type { Db } from "./open";

export interface SiteModelRecord {
  modelId: string;
  version: string;
  task: string;
  folder: string;
  /** File path inside the folder -> sha256. */
  files: Record<string, string>;
  manifestSha256: string;
  addedAt: string;
  addedBy: string;
}

interface Row {
  model_id: string;
  version: string;
  task: string;
  folder: string;
  files_json: string;
  manifest_sha256: string;
  added_at: string;
  added_by: string;
}

/** Files as stored: keys sorted, so the same files always give the same text. */
export function filesKey(files: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))),
  );
}

export function listSiteModels(db: Db): SiteModelRecord[] {
  return db
    .prepare<[], Row>("SELECT * FROM site_models ORDER BY model_id, id")
    .all()
    .map((r) => ({
      modelId: r.model_id,
      version: r.version,
      task: r.task,
      folder: r.folder,
      files: JSON.parse(r.files_json) as Record<string, string>,
      manifestSha256: r.manifest_sha256,
      addedAt: r.added_at,
      addedBy: r.added_by,
    }));
}

/** Inserts a model; false when the same model id with the same files is already there. */
export function insertSiteModel(db: Db, m: Omit<SiteModelRecord, "addedAt">): boolean {
  const r = db
    .prepare(
      `INSERT INTO site_models (model_id, version, task, folder, files_json, manifest_sha256,
         added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model_id, files_json) DO NOTHING`,
    )
    .run(
      m.modelId,
      m.version,
      m.task,
      m.folder,
      filesKey(m.files),
      m.manifestSha256,
      new Date().toISOString(),
      m.addedBy,
    );
  return r.changes === 1;
}
