// Who is at the workstation and what they may do (issue 13 §6). The OS user is the default
// identity: without the site setting requireSignIn the workstation behaves as a single-user one
// (every action allowed, the OS user in the audit log) unless someone signs in with a local
// account, whose role then applies. With requireSignIn nothing but signing in is possible until
// an account signs in. The checks run in the services (guard.ts wraps every handler), so a hidden
// button is a convenience, never the control. Refusals and every sign-in/out are audited.
import { PermissionError, SignInError } from "../../contract/errors";
import {
  mayDo,
  PERMISSION_LABELS,
  PERMISSIONS,
  rolesNeeded,
  type Permission,
  type Role,
  type SessionView,
} from "../../contract/users";
import { appendAudit, type Db } from "../../registry";
import { readSiteSettings } from "../../registry";
import { recordSignIn, recordSignInFailure, userByName } from "../../registry";
import { DECOY_HASH, verifyPassword } from "./password";

/** Failed sign-ins before an account locks, and for how long (OWASP Authentication Cheat Sheet:
 * lock after a few failures for a limited time rather than for good, to bound guessing without
 * letting anyone lock a colleague out for the day). */
export const MAX_FAILED_SIGN_INS = 5;
export const LOCKOUT_MS = 5 * 60_000;

interface SignedIn {
  username: string;
  displayName: string;
  role: Role;
}

export class UserAccess {
  private signedIn: SignedIn | null = null;

  constructor(
    private readonly db: () => Db,
    readonly osUser: string,
  ) {}

  signInRequired(): boolean {
    return readSiteSettings(this.db()).requireSignIn;
  }

  /** The signed-in account, re-read so a disabled account or a changed role applies at once. */
  private current(): SignedIn | null {
    if (this.signedIn === null) return null;
    const row = userByName(this.db(), this.signedIn.username);
    if (!row || row.enabled !== 1) {
      this.signedIn = null;
      return null;
    }
    this.signedIn = { username: row.username, displayName: row.display_name, role: row.role };
    return this.signedIn;
  }

  /** The name every audit entry of this session carries. */
  actor(): string {
    return this.current()?.username ?? this.osUser;
  }

  /** null: the OS user with no account signed in (allowed everything unless sign-in is required). */
  role(): Role | null {
    return this.current()?.role ?? null;
  }

  permissions(): Permission[] {
    const user = this.current();
    if (user) return PERMISSIONS.filter((p) => mayDo(user.role, p));
    return this.signInRequired() ? [] : [...PERMISSIONS];
  }

  session(): SessionView {
    const user = this.current();
    return {
      signInRequired: this.signInRequired(),
      user: user ? { ...user } : null,
      osUser: this.osUser,
      actor: this.actor(),
      permissions: this.permissions(),
    };
  }

  /** Throws SignInError when the site requires a sign-in and nobody is signed in. */
  requireSignedIn(): void {
    if (this.current() === null && this.signInRequired()) {
      throw new SignInError(
        "Sign in first: this workstation requires each user to sign in with their own account.",
      );
    }
  }

  /**
   * Throws PermissionError naming the role needed when this session may not do it; the refusal
   * is audited with the user, their role and what was asked.
   */
  require(permission: Permission, what: string): void {
    this.requireSignedIn();
    const user = this.current();
    if (user === null || mayDo(user.role, permission)) return;
    appendAudit(this.db(), {
      actor: user.username,
      action: "access.refused",
      studyRef: null,
      details: { permission, role: user.role, request: what },
    });
    throw new PermissionError(
      `${PERMISSION_LABELS[permission]} needs ${rolesNeeded(permission)}; ${user.username} is signed in as ${user.role}.`,
    );
  }

  /**
   * The CLI's identity when the site requires a sign-in: the account named like the OS user, with
   * no password. The OS login is the authentication there: whoever runs `livercad` on this machine
   * can read and write the registry file itself, so a password would protect nothing more.
   */
  actAsOsAccount(): void {
    const row = userByName(this.db(), this.osUser);
    if (!row || row.enabled !== 1) {
      throw new SignInError(
        `This workstation requires a sign-in, and the command line acts as the OS user "${this.osUser}", who has no enabled account of that name. An administrator can add one in the app (About > Users, user name "${this.osUser}").`,
      );
    }
    this.signedIn = { username: row.username, displayName: row.display_name, role: row.role };
  }

  signIn(username: string, password: string): SessionView {
    const db = this.db();
    const row = userByName(db, username);
    const now = Date.now();
    // Hash even for an unknown name, so the time taken does not tell which names exist.
    const ok = verifyPassword(password, row?.password_hash ?? DECOY_HASH);
    const wrong = "Wrong user name or password.";
    if (!row || row.enabled !== 1) {
      appendAudit(db, {
        actor: username.slice(0, 64),
        action: "user.sign-in-failed",
        studyRef: null,
        details: { reason: row ? "disabled" : "unknown user" },
      });
      throw new SignInError(wrong);
    }
    if (row.locked_until !== null && Date.parse(row.locked_until) > now) {
      appendAudit(db, {
        actor: row.username,
        action: "user.sign-in-failed",
        studyRef: null,
        details: { reason: "locked", lockedUntil: row.locked_until },
      });
      throw new SignInError(
        `Account ${row.username} is locked after ${MAX_FAILED_SIGN_INS} failed sign-ins until ${row.locked_until.slice(11, 16)} UTC; try again then, or ask an administrator to set a new password.`,
      );
    }
    if (!ok) {
      const lock =
        row.failed_attempts + 1 >= MAX_FAILED_SIGN_INS
          ? new Date(now + LOCKOUT_MS).toISOString()
          : null;
      const attempts = recordSignInFailure(db, row.username, lock);
      appendAudit(db, {
        actor: row.username,
        action: lock ? "user.locked" : "user.sign-in-failed",
        studyRef: null,
        details: lock ? { attempts, lockedUntil: lock } : { reason: "wrong password", attempts },
      });
      throw new SignInError(
        lock
          ? `${wrong} Account ${row.username} is now locked for ${LOCKOUT_MS / 60_000} minutes after ${MAX_FAILED_SIGN_INS} failed sign-ins.`
          : wrong,
      );
    }
    const previous = this.current();
    if (previous && previous.username !== row.username) this.signOut();
    recordSignIn(db, row.username);
    this.signedIn = { username: row.username, displayName: row.display_name, role: row.role };
    appendAudit(db, {
      actor: row.username,
      action: "user.sign-in",
      studyRef: null,
      details: { role: row.role, osUser: this.osUser },
    });
    return this.session();
  }

  signOut(): SessionView {
    const user = this.current();
    if (user) {
      appendAudit(this.db(), {
        actor: user.username,
        action: "user.sign-out",
        studyRef: null,
        details: {},
      });
    }
    this.signedIn = null;
    return this.session();
  }
}
