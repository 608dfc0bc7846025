// v12: who uses the workstation and which site models an administrator added (issue 13 §6, issue
// 12 §4). Local accounts: a scrypt hash with a per-user salt (never the password), the role that
// decides what the account may do, and the failed-sign-in count behind the lockout. Site models:
// each model folder `livercad models add` accepted, with the sha256 of every file it was accepted
// with; the app and the CLI load a model that is not shipped only when its files match a row
// here. Creates only its own tables: the step works whatever other migrations ran before it.
import type { Migration } from "./migration";

export const migration012: Migration = {
  version: 12,
  name: "user accounts, added site models",
  up(db) {
    db.exec(`
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('nurse', 'radiologist', 'coordinator', 'admin')),
        -- "scrypt$N$r$p$salt-hex$hash-hex" (services/users/password.ts)
        password_hash TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        password_changed_at TEXT NOT NULL,
        last_sign_in_at TEXT
      ) STRICT;

      CREATE TABLE site_models (
        id INTEGER PRIMARY KEY,
        model_id TEXT NOT NULL,
        version TEXT NOT NULL,
        task TEXT NOT NULL,
        folder TEXT NOT NULL,
        -- {"<file path in the folder>": "<sha256>"} of every file the manifest lists
        files_json TEXT NOT NULL CHECK (json_valid(files_json)),
        manifest_sha256 TEXT NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        UNIQUE (model_id, files_json)
      ) STRICT;
    `);
  },
};
