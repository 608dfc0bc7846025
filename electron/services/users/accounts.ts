// Managing local accounts (issue 13 §6): add, change role or display name, disable/enable, set a
// password. Shared by the Users panel (users:* channels) and `livercad users`; every change is
// audited with who made it, and no password or hash ever reaches the audit log.
import { UsageError } from "../../contract/errors";
import {
  PASSWORD_MAX,
  PASSWORD_MIN,
  ROLES,
  USERNAME_PATTERN,
  type Role,
  type UserView,
} from "../../contract/users";
import { appendAudit, type Db } from "../../registry";
import { readSiteSettings } from "../../registry";
import {
  enabledAdmins,
  insertUser,
  listUserRows,
  updateUser,
  userByName,
  userView,
} from "../../registry";
import { hashPassword } from "./password";

export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN) {
    throw new UsageError(`The password is too short: use at least ${PASSWORD_MIN} characters.`);
  }
  if (password.length > PASSWORD_MAX) {
    throw new UsageError(`The password is too long: use at most ${PASSWORD_MAX} characters.`);
  }
}

export function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new UsageError(`Unknown role "${role}". Roles: ${ROLES.join(", ")}.`);
  }
  return role as Role;
}

function existing(db: Db, username: string): NonNullable<ReturnType<typeof userByName>> {
  const row = userByName(db, username);
  if (!row) throw new UsageError(`No user account "${username}". See the list of accounts.`);
  return row;
}

export function getUser(db: Db, username: string): UserView {
  return userView(existing(db, username));
}

export function listUsers(db: Db): UserView[] {
  const now = Date.now();
  return listUserRows(db).map((r) => userView(r, now));
}

export function addUser(
  db: Db,
  u: { username: string; displayName: string; role: string; password: string },
  actor: string,
): UserView {
  if (!USERNAME_PATTERN.test(u.username)) {
    throw new UsageError(
      `User name "${u.username}" refused: use 1-64 letters, digits, dots, hyphens or underscores, starting with a letter or digit.`,
    );
  }
  const role = checkRole(u.role);
  const displayName = u.displayName.trim();
  if (displayName.length === 0 || displayName.length > 128) {
    throw new UsageError(`Give a display name (1-128 characters) for "${u.username}".`);
  }
  checkPassword(u.password);
  const hash = hashPassword(u.password);
  db.transaction(() => {
    if (userByName(db, u.username)) {
      throw new UsageError(`A user account "${u.username}" already exists; nothing was changed.`);
    }
    insertUser(db, { username: u.username, displayName, role, passwordHash: hash, by: actor });
    appendAudit(db, {
      actor,
      action: "user.add",
      studyRef: null,
      details: { username: u.username, role },
    });
  }).immediate();
  return userView(existing(db, u.username));
}

/**
 * While the site requires a sign-in, the last enabled administrator cannot be disabled or given
 * another role: nobody could then change the setting or manage accounts from the app.
 */
function keepAnAdmin(db: Db, username: string, what: string): void {
  const admins = enabledAdmins(db);
  if (readSiteSettings(db).requireSignIn && admins.length === 1 && admins[0] === username) {
    throw new UsageError(
      `"${username}" is the only enabled admin account and the site requires a sign-in: ${what} would leave nobody able to manage accounts. Add another admin first.`,
    );
  }
}

export function setUserEnabled(
  db: Db,
  username: string,
  enabled: boolean,
  actor: string,
): UserView {
  db.transaction(() => {
    const row = existing(db, username);
    if (!enabled && row.role === "admin") keepAnAdmin(db, row.username, "disabling it");
    updateUser(db, row.username, { enabled });
    appendAudit(db, {
      actor,
      action: enabled ? "user.enable" : "user.disable",
      studyRef: null,
      details: { username: row.username },
    });
  }).immediate();
  return userView(existing(db, username));
}

export function setUserRole(db: Db, username: string, roleText: string, actor: string): UserView {
  const role = checkRole(roleText);
  db.transaction(() => {
    const row = existing(db, username);
    if (row.role === role) return;
    if (row.role === "admin") keepAnAdmin(db, row.username, `making it ${role}`);
    updateUser(db, row.username, { role });
    appendAudit(db, {
      actor,
      action: "user.role",
      studyRef: null,
      details: { username: row.username, from: row.role, to: role },
    });
  }).immediate();
  return userView(existing(db, username));
}

export function setUserDisplayName(
  db: Db,
  username: string,
  displayName: string,
  actor: string,
): UserView {
  const name = displayName.trim();
  if (name.length === 0 || name.length > 128) {
    throw new UsageError(`Give a display name (1-128 characters) for "${username}".`);
  }
  db.transaction(() => {
    const row = existing(db, username);
    updateUser(db, row.username, { displayName: name });
    appendAudit(db, {
      actor,
      action: "user.rename",
      studyRef: null,
      details: { username: row.username },
    });
  }).immediate();
  return userView(existing(db, username));
}

/** Sets a new password; also lifts a lockout (the administrator's way out of one). */
export function setUserPassword(
  db: Db,
  username: string,
  password: string,
  actor: string,
): UserView {
  checkPassword(password);
  const hash = hashPassword(password);
  db.transaction(() => {
    const row = existing(db, username);
    updateUser(db, row.username, { passwordHash: hash });
    appendAudit(db, {
      actor,
      action: "user.passwd",
      studyRef: null,
      details: { username: row.username },
    });
  }).immediate();
  return userView(existing(db, username));
}
