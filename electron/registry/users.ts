// Local user accounts (migration 012, issue 13 §6): the SQL of the users table. Hashing and the
// sign-in rules live in services/users; this file stores and reads rows.
import type { Role, UserView } from "../contract/users";
import type { Db } from "./open";

export interface UserRow {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  password_hash: string;
  enabled: number;
  failed_attempts: number;
  locked_until: string | null;
  created_at: string;
  created_by: string;
  password_changed_at: string;
  last_sign_in_at: string | null;
}

export function userByName(db: Db, username: string): UserRow | undefined {
  return db.prepare<[string], UserRow>("SELECT * FROM users WHERE username = ?").get(username);
}

export function listUserRows(db: Db): UserRow[] {
  return db.prepare<[], UserRow>("SELECT * FROM users ORDER BY username COLLATE NOCASE").all();
}

export function userView(row: UserRow, now = Date.now()): UserView {
  const locked = row.locked_until !== null && Date.parse(row.locked_until) > now;
  return {
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    enabled: row.enabled === 1,
    lockedUntil: locked ? row.locked_until : null,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastSignInAt: row.last_sign_in_at,
  };
}

export function insertUser(
  db: Db,
  u: { username: string; displayName: string; role: Role; passwordHash: string; by: string },
): void {
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO users (username, display_name, role, password_hash, created_at, created_by,
       password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(u.username, u.displayName, u.role, u.passwordHash, now, u.by, now);
}

export function updateUser(
  db: Db,
  username: string,
  change: {
    displayName?: string;
    role?: Role;
    enabled?: boolean;
    passwordHash?: string;
  },
): void {
  const sets: string[] = [];
  const values: (string | number)[] = [];
  const set = (column: string, value: string | number): void => {
    sets.push(`${column} = ?`);
    values.push(value);
  };
  if (change.displayName !== undefined) set("display_name", change.displayName);
  if (change.role !== undefined) set("role", change.role);
  if (change.enabled !== undefined) set("enabled", change.enabled ? 1 : 0);
  if (change.passwordHash !== undefined) {
    // A new password also clears the lockout: the administrator's reset is the way out of one.
    sets.push("password_hash = ?", "password_changed_at = ?", "failed_attempts = 0");
    sets.push("locked_until = NULL");
    values.push(change.passwordHash, new Date().toISOString());
  }
  if (sets.length === 0) return;
  db.prepare(`UPDATE users SET ${sets.join(", ")} WHERE username = ?`).run(...values, username);
}

export function recordSignInFailure(db: Db, username: string, lockedUntil: string | null): number {
  db.prepare(
    `UPDATE users SET failed_attempts = failed_attempts + 1,
       locked_until = COALESCE(?, locked_until) WHERE username = ?`,
  ).run(lockedUntil, username);
  return userByName(db, username)?.failed_attempts ?? 0;
}

export function recordSignIn(db: Db, username: string): void {
  db.prepare(
    `UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ?
      WHERE username = ?`,
  ).run(new Date().toISOString(), username);
}

/** Enabled administrators: the site cannot require a sign-in, or lose its last admin, without one. */
export function enabledAdmins(db: Db): string[] {
  return db
    .prepare<[], { username: string }>(
      "SELECT username FROM users WHERE role = 'admin' AND enabled = 1 ORDER BY username",
    )
    .all()
    .map((r) => r.username);
}
