// Users and roles (issue 13 §6): the four roles, what each may do, and the views the sign-in
// screen, the user menu and the Users panel show. Pure data, shared by the services (which enforce
// it) and the renderer (which hides what the user may not do). No Node and no DOM (STYLE.md 7).

export const ROLES = ["nurse", "radiologist", "coordinator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Actions that not every role may take. Everything else is open to every signed-in user. */
export const PERMISSIONS = [
  "override-assignment",
  "delete-studies",
  "export-identities",
  "change-site-settings",
  "manage-users",
  "manage-models",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who may do what (issue 13 §6). Admin may do everything. */
export const PERMISSION_ROLES: Readonly<Record<Permission, readonly Role[]>> = {
  "override-assignment": ["radiologist", "admin"],
  "delete-studies": ["admin"],
  "export-identities": ["coordinator", "admin"],
  "change-site-settings": ["admin"],
  "manage-users": ["admin"],
  "manage-models": ["admin"],
};

/** Said in a refusal: "Changing a sequence assignment needs the radiologist or admin role". */
export const PERMISSION_LABELS: Readonly<Record<Permission, string>> = {
  "override-assignment": "Changing a sequence assignment",
  "delete-studies": "Deleting studies",
  "export-identities": "Exporting patient identities (case sheets, SR, tables with names)",
  "change-site-settings": "Changing site settings",
  "manage-users": "Managing user accounts",
  "manage-models": "Adding site models",
};

export function mayDo(role: Role, permission: Permission): boolean {
  return PERMISSION_ROLES[permission].includes(role);
}

/** "the radiologist or admin role" */
export function rolesNeeded(permission: Permission): string {
  const roles = PERMISSION_ROLES[permission];
  return roles.length === 1
    ? `the ${roles[0]} role`
    : `the ${roles.slice(0, -1).join(", ")} or ${roles[roles.length - 1]} role`;
}

/** Usernames: what a site's directory would use (letters, digits, . _ -), 1-64 characters. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** NIST SP 800-63B 5.1.1.2: at least 8 characters, no composition rules; 256 bounds the hashing. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export interface UserView {
  username: string;
  displayName: string;
  role: Role;
  enabled: boolean;
  /** Set while the account is locked after repeated failed sign-ins. */
  lockedUntil: string | null;
  createdAt: string;
  createdBy: string;
  lastSignInAt: string | null;
}

/** Who is at the workstation, as the header and the sign-in screen show it. */
export interface SessionView {
  /** The site setting requireSignIn: every user signs in with a local account. */
  signInRequired: boolean;
  /** The signed-in account, or null (the OS user acts when sign-in is not required). */
  user: { username: string; displayName: string; role: Role } | null;
  /** The operating-system user the app runs as: the default identity (issue 13 §6). */
  osUser: string;
  /** The name written to the audit log for this session's actions. */
  actor: string;
  /** What this session may do (all of them for the OS user when sign-in is not required). */
  permissions: Permission[];
}
