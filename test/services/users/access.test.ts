// Users and roles (issue 13 §6): scrypt hashes with a salt per user, the lockout after repeated
// failures, requireSignIn guarded by an admin account, every role's permissions enforced through
// the workstation service's handler table (the path both transports take), and the audit rows.
import Database from "better-sqlite3";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../db/index";
import { PermissionError, SignInError } from "../../../electron/contract/errors";
import { PERMISSIONS, rolesNeeded } from "../../../electron/contract/users";
import { configure, migrate, type Db } from "../../../electron/registry";
import { readSiteSettings, writeSiteSetting } from "../../../electron/registry/site-settings";
import { MAX_FAILED_SIGN_INS, UserAccess } from "../../../electron/services/users/access";
import {
  addUser,
  listUsers,
  setUserEnabled,
  setUserPassword,
  setUserRole,
} from "../../../electron/services/users/accounts";
import { hashPassword, verifyPassword } from "../../../electron/services/users/password";
import { dispatch } from "../../../electron/services/workstation/dispatch";
import { openWorkstation } from "../../../electron/services/workstation/index";
import { tempDir } from "../../registry/helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function freshDb(): Db {
  const db = new Database(path.join(tempDir("livercad-users-"), "registry.sqlite"));
  configure(db);
  open.push(db);
  migrate(db, MIGRATIONS);
  return db;
}

function audit(db: Db): { actor: string; action: string; details: Record<string, unknown> }[] {
  return db
    .prepare<[], { actor: string; action: string; details_json: string }>(
      "SELECT actor, action, details_json FROM audit_log ORDER BY id",
    )
    .all()
    .map((r) => ({ actor: r.actor, action: r.action, details: JSON.parse(r.details_json) }));
}

const PW = "correct horse battery";

describe("passwords", () => {
  it("stores scrypt with a per-hash salt, verifies only the right password", () => {
    const a = hashPassword(PW);
    const b = hashPassword(PW);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(a).not.toBe(b); // different salts
    expect(a).not.toContain(PW);
    expect(verifyPassword(PW, a)).toBe(true);
    expect(verifyPassword(PW, b)).toBe(true);
    expect(verifyPassword("correct horse battery ", a)).toBe(false);
    expect(verifyPassword(PW, "md5$abc")).toBe(false);
  });
});

describe("accounts", () => {
  it("refuses bad names, short passwords, unknown roles and duplicates, each by name", () => {
    const db = freshDb();
    expect(() =>
      addUser(db, { username: "a b", displayName: "A", role: "nurse", password: PW }, "it"),
    ).toThrow('User name "a b" refused');
    expect(() =>
      addUser(db, { username: "ann", displayName: "Ann", role: "nurse", password: "short" }, "it"),
    ).toThrow("The password is too short: use at least 8 characters.");
    expect(() =>
      addUser(db, { username: "ann", displayName: "Ann", role: "surgeon", password: PW }, "it"),
    ).toThrow('Unknown role "surgeon". Roles: nurse, radiologist, coordinator, admin.');
    addUser(db, { username: "ann", displayName: "Ann Nurse", role: "nurse", password: PW }, "it");
    expect(() =>
      addUser(db, { username: "ANN", displayName: "Ann", role: "admin", password: PW }, "it"),
    ).toThrow('A user account "ANN" already exists; nothing was changed.');
    expect(listUsers(db).map((u) => [u.username, u.role, u.enabled])).toEqual([
      ["ann", "nurse", true],
    ]);
    // The audit holds who and what, never the password or its hash.
    const rows = audit(db);
    expect(rows).toEqual([
      { actor: "it", action: "user.add", details: { username: "ann", role: "nurse" } },
    ]);
    expect(JSON.stringify(rows)).not.toContain("horse");
  });

  it("requireSignIn needs an enabled admin; the last admin cannot be disabled or demoted", () => {
    const db = freshDb();
    expect(() => writeSiteSetting(db, "requireSignIn", true, "it")).toThrow(
      "Site setting requireSignIn=true refused: add an enabled admin account first",
    );
    expect(readSiteSettings(db).requireSignIn).toBe(false);
    addUser(
      db,
      { username: "root-admin", displayName: "Site IT", role: "admin", password: PW },
      "it",
    );
    writeSiteSetting(db, "requireSignIn", true, "it");
    expect(readSiteSettings(db).requireSignIn).toBe(true);
    expect(() => setUserEnabled(db, "root-admin", false, "it")).toThrow(
      '"root-admin" is the only enabled admin account and the site requires a sign-in',
    );
    expect(() => setUserRole(db, "root-admin", "nurse", "it")).toThrow(
      "only enabled admin account",
    );
    addUser(
      db,
      { username: "admin2", displayName: "Backup admin", role: "admin", password: PW },
      "it",
    );
    setUserEnabled(db, "root-admin", false, "it");
    expect(listUsers(db).find((u) => u.username === "root-admin")?.enabled).toBe(false);
  });
});

describe("sign-in and roles", () => {
  function site(): { db: Db; access: UserAccess } {
    const db = freshDb();
    addUser(db, { username: "admin", displayName: "Site IT", role: "admin", password: PW }, "os");
    addUser(db, { username: "nina", displayName: "Nina Nurse", role: "nurse", password: PW }, "os");
    addUser(
      db,
      { username: "rad", displayName: "Dr Rad", role: "radiologist", password: PW },
      "os",
    );
    addUser(db, { username: "cora", displayName: "Cora", role: "coordinator", password: PW }, "os");
    return { db, access: new UserAccess(() => db, "osuser") };
  }

  it("without requireSignIn the OS user acts with every permission; signing in applies the role", () => {
    const { db, access } = site();
    expect(access.session()).toMatchObject({ signInRequired: false, user: null, actor: "osuser" });
    expect(access.permissions()).toEqual([...PERMISSIONS]);
    access.signIn("nina", PW);
    expect(access.session()).toMatchObject({
      actor: "nina",
      user: { role: "nurse" },
      permissions: [],
    });
    expect(() => access.require("override-assignment", "assignment:override")).toThrow(
      PermissionError,
    );
    access.signOut();
    expect(access.actor()).toBe("osuser");
    expect(
      audit(db)
        .slice(-3)
        .map((r) => `${r.actor} ${r.action}`),
    ).toEqual(["nina user.sign-in", "nina access.refused", "nina user.sign-out"]);
  });

  it("with requireSignIn nothing is allowed before a sign-in; each role gets exactly its table", () => {
    const { db, access } = site();
    writeSiteSetting(db, "requireSignIn", true, "admin");
    expect(() => access.requireSignedIn()).toThrow(SignInError);
    expect(() => access.require("manage-users", "users:list")).toThrow(
      "Sign in first: this workstation requires each user to sign in with their own account.",
    );
    const table: Record<string, string[]> = {};
    for (const u of ["nina", "rad", "cora", "admin"]) {
      access.signIn(u, PW);
      table[u] = access.permissions();
    }
    expect(table).toEqual({
      nina: [],
      rad: ["override-assignment"],
      cora: ["export-identities"],
      admin: [...PERMISSIONS],
    });
    access.signIn("nina", PW);
    expect(() => access.require("override-assignment", "assignment:override")).toThrow(
      "Changing a sequence assignment needs the radiologist or admin role; nina is signed in as nurse.",
    );
    expect(rolesNeeded("delete-studies")).toBe("the admin role");
    const refused = audit(db).filter((r) => r.action === "access.refused");
    expect(refused.at(-1)).toEqual({
      actor: "nina",
      action: "access.refused",
      details: { permission: "override-assignment", role: "nurse", request: "assignment:override" },
    });
    // A disabled account is signed out at its next request.
    setUserEnabled(db, "nina", false, "admin");
    expect(access.session().user).toBeNull();
  });

  it("locks an account after repeated failures; an unknown name answers like a wrong password", () => {
    const { db, access } = site();
    expect(() => access.signIn("nobody", PW)).toThrow("Wrong user name or password.");
    for (let k = 1; k < MAX_FAILED_SIGN_INS; k++) {
      expect(() => access.signIn("rad", "wrong password")).toThrow(
        /^Wrong user name or password\.$/,
      );
    }
    expect(() => access.signIn("rad", "wrong password")).toThrow(
      "Account rad is now locked for 5 minutes after 5 failed sign-ins.",
    );
    // The right password does not open a locked account.
    expect(() => access.signIn("rad", PW)).toThrow(
      /Account rad is locked after 5 failed sign-ins until \d\d:\d\d UTC/,
    );
    expect(access.session().user).toBeNull();
    expect(listUsers(db).find((u) => u.username === "rad")?.lockedUntil).not.toBeNull();
    // An administrator's new password lifts the lockout.
    setUserPassword(db, "rad", "a new long password", "admin");
    expect(access.signIn("rad", "a new long password").user?.username).toBe("rad");
    const actions = audit(db).map((r) => `${r.actor} ${r.action}`);
    expect(actions).toContain("nobody user.sign-in-failed");
    expect(actions.filter((a) => a === "rad user.sign-in-failed")).toHaveLength(5);
    expect(actions).toContain("rad user.locked");
    expect(actions.slice(-2)).toEqual(["admin user.passwd", "rad user.sign-in"]);
  });
});

describe("the service enforces roles for every transport (dispatch)", () => {
  const dir = tempDir("livercad-users-ws-");
  const ws = openWorkstation({
    dbFile: path.join(dir, "db", "r.sqlite"),
    transport: "bridge",
    actor: "osuser",
    modelsRoot: path.join(dir, "no-models"),
  });
  afterAll(() => ws.close());
  const call = (channel: string, payload: unknown = {}) =>
    dispatch(ws.service.handlers, channel, payload);

  it("signs in, refuses a nurse's override and site change by role, lets the admin manage users", async () => {
    const db = ws.registry.db;
    addUser(
      db,
      { username: "admin", displayName: "Site IT", role: "admin", password: PW },
      "osuser",
    );
    // Without requireSignIn the OS user acts (and may change the setting).
    expect(await call("app:info")).toMatchObject({ ok: true, value: { actor: "osuser" } });
    expect(await call("site:set", { requireSignIn: true })).toMatchObject({
      ok: true,
      value: { requireSignIn: true },
    });
    expect(
      await call("worklist:page", {
        queue: "all",
        topPercent: 70,
        sort: "confidence",
        descending: true,
        search: "",
        status: "",
        offset: 0,
        limit: 10,
      }),
    ).toEqual({
      ok: false,
      error: {
        code: "SIGN_IN",
        message:
          "Sign in first: this workstation requires each user to sign in with their own account.",
      },
    });
    expect(await call("auth:session")).toMatchObject({
      ok: true,
      value: { signInRequired: true, user: null },
    });
    expect(await call("auth:sign-in", { username: "admin", password: "nope" })).toEqual({
      ok: false,
      error: { code: "SIGN_IN", message: "Wrong user name or password." },
    });
    expect(await call("auth:sign-in", { username: "admin", password: PW })).toMatchObject({
      ok: true,
      value: { actor: "admin", user: { role: "admin" } },
    });
    expect(
      await call("users:add", {
        username: "nina",
        displayName: "Nina Nurse",
        role: "nurse",
        password: PW,
      }),
    ).toMatchObject({
      ok: true,
      value: { username: "nina", role: "nurse", enabled: true },
    });
    expect(await call("auth:sign-in", { username: "nina", password: PW })).toMatchObject({
      ok: true,
    });
    expect(await call("app:info")).toMatchObject({ ok: true, value: { actor: "nina" } });
    expect(
      await call("assignment:override", {
        studyInstanceUid: "1.2.3",
        sequence: "T1_arterial",
        seriesInstanceUid: "1.2.3.4",
        reason: "wrong phase",
      }),
    ).toEqual({
      ok: false,
      error: {
        code: "FORBIDDEN",
        message:
          "Changing a sequence assignment needs the radiologist or admin role; nina is signed in as nurse.",
      },
    });
    expect(await call("site:set", { incompleteSeries: "warn" })).toMatchObject({
      ok: false,
      error: { code: "FORBIDDEN", message: expect.stringContaining("needs the admin role") },
    });
    expect(await call("users:list")).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(
      await call("export:start", { format: "pdf", outDir: dir, studyInstanceUids: [] }),
    ).toMatchObject({
      ok: false,
      error: { code: "FORBIDDEN", message: expect.stringContaining("coordinator or admin role") },
    });
    expect(await call("auth:sign-out")).toMatchObject({
      ok: true,
      value: { user: null, actor: "osuser" },
    });
    const rows = audit(db).map((r) => `${r.actor} ${r.action}`);
    expect(rows).toEqual([
      "osuser user.add",
      "osuser site-setting",
      "admin user.sign-in-failed",
      "admin user.sign-in",
      "admin user.add",
      "admin user.sign-out",
      "nina user.sign-in",
      "nina access.refused",
      "nina access.refused",
      "nina access.refused",
      "nina access.refused",
      "nina user.sign-out",
    ]);
  });
});
