// Checks the invariants a crash must never break: every registered instance has its file in the
// store, no series without instances, no study without series, no patient without studies.
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";

export interface Consistency {
  instances: number;
  series: number;
  studies: number;
  missingFiles: string[];
  emptySeries: number;
  emptyStudies: number;
  orphanPatients: number;
}

export function checkConsistency(dbFile: string): Consistency {
  const db = new Database(dbFile, { readonly: true });
  try {
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const storeRoot = path.join(path.dirname(dbFile), "store");
    const paths = db.prepare("SELECT store_path FROM instances").all() as { store_path: string }[];
    return {
      instances: paths.length,
      series: n("SELECT COUNT(*) AS n FROM series"),
      studies: n("SELECT COUNT(*) AS n FROM studies"),
      missingFiles: paths
        .map((p) => p.store_path)
        .filter((p) => !fs.existsSync(path.join(storeRoot, p))),
      emptySeries: n(
        "SELECT COUNT(*) AS n FROM series s WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.series_ref = s.id)",
      ),
      emptyStudies: n(
        "SELECT COUNT(*) AS n FROM studies s WHERE NOT EXISTS (SELECT 1 FROM series x WHERE x.study_ref = s.id)",
      ),
      orphanPatients: n(
        "SELECT COUNT(*) AS n FROM patients p WHERE NOT EXISTS (SELECT 1 FROM studies s WHERE s.patient_ref = p.id)",
      ),
    };
  } finally {
    db.close();
  }
}
