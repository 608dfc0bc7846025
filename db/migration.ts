// The shape of one schema migration (STYLE.md 5, after Signal-Desktop's ts/sql/migrations):
// migration N moves a database from user_version N-1 to N, inside one transaction that the
// runner (electron/registry/migrate.ts) opens, so a failed step leaves the previous version intact.
import type { Database } from "better-sqlite3";

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}
