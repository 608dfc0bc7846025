// About > Users, the settings screen (issue 13 §6), for administrators: the accounts with role,
// state and last sign-in, adding one, disabling/enabling, a new password (which also lifts a
// lockout), a role change, and the site setting that requires every user to sign in. The service
// checks the admin role on every one of these calls; this panel is only shown to those who hold it.
import { useEffect, useState, type FormEvent } from "react";
import type { SiteSettingsView } from "../../electron/contract/site";
import { ROLES, type Role, type UserView } from "../../electron/contract/users";
import { call, SIGN_IN_NEEDED } from "../api";

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function UsersPanel() {
  const [allowed, setAllowed] = useState(false);
  const [users, setUsers] = useState<UserView[]>([]);
  const [settings, setSettings] = useState<SiteSettingsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [form, setForm] = useState({
    username: "",
    displayName: "",
    role: "nurse" as Role,
    password: "",
  });
  const [passwordFor, setPasswordFor] = useState<{ username: string; password: string } | null>(
    null,
  );

  async function reload() {
    setUsers(await call("users:list", {}));
    setSettings(await call("site:settings", {}));
  }

  useEffect(() => {
    call("auth:session", {}).then(
      (s) => {
        const may = s.permissions.includes("manage-users");
        setAllowed(may);
        if (may) reload().catch((e: unknown) => setError(message(e)));
      },
      () => setAllowed(false),
    );
  }, []);

  async function act(what: () => Promise<unknown>, ok: string) {
    setError(null);
    setDone(null);
    try {
      await what();
      await reload();
      setDone(ok);
    } catch (e) {
      setError(message(e));
    }
  }

  function add(e: FormEvent) {
    e.preventDefault();
    void act(async () => {
      await call("users:add", form);
      setForm({ username: "", displayName: "", role: "nurse", password: "" });
    }, `Account ${form.username} added.`);
  }

  if (!allowed) return null;
  return (
    <section className="users-panel" aria-label="Users" data-testid="users-panel">
      <h3>Users</h3>
      {settings && (
        <label className="inline">
          <input
            type="checkbox"
            checked={settings.requireSignIn}
            onChange={(e) =>
              void act(
                async () => {
                  await call("site:set", { requireSignIn: e.target.checked });
                  // The OS user working without an account must now sign in (useSession).
                  window.dispatchEvent(new Event(SIGN_IN_NEEDED));
                },
                e.target.checked ? "Every user now signs in." : "Sign-in is no longer required.",
              )
            }
          />
          Require every user to sign in with their own account
        </label>
      )}
      {error && (
        <p role="alert" className="error small">
          {error}
        </p>
      )}
      {done && (
        <p role="status" className="small ok">
          {done}
        </p>
      )}
      <table className="users-table">
        <thead>
          <tr>
            <th>User</th>
            <th>Name</th>
            <th>Role</th>
            <th>State</th>
            <th>Last sign-in</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.username} data-user={u.username}>
              <td>
                <code>{u.username}</code>
              </td>
              <td>{u.displayName}</td>
              <td>
                <select
                  aria-label={`Role of ${u.username}`}
                  value={u.role}
                  onChange={(e) =>
                    void act(
                      () =>
                        call("users:update", {
                          username: u.username,
                          role: e.target.value as Role,
                        }),
                      `${u.username} is now ${e.target.value}.`,
                    )
                  }
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                {!u.enabled
                  ? "disabled"
                  : u.lockedUntil
                    ? `locked until ${u.lockedUntil.slice(11, 16)} UTC`
                    : "active"}
              </td>
              <td className="small muted">
                {u.lastSignInAt?.slice(0, 16).replace("T", " ") ?? "never"}
              </td>
              <td>
                <button
                  type="button"
                  className="small"
                  onClick={() =>
                    void act(
                      () => call("users:update", { username: u.username, enabled: !u.enabled }),
                      `${u.username} ${u.enabled ? "disabled" : "enabled"}.`,
                    )
                  }
                >
                  {u.enabled ? "Disable" : "Enable"}
                </button>
                <button
                  type="button"
                  className="small"
                  onClick={() => setPasswordFor({ username: u.username, password: "" })}
                >
                  New password
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {passwordFor && (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            const p = passwordFor;
            setPasswordFor(null);
            void act(
              () => call("users:update", { username: p.username, password: p.password }),
              `New password set for ${p.username}.`,
            );
          }}
        >
          <label>
            New password for {passwordFor.username}
            <input
              type="password"
              autoComplete="new-password"
              value={passwordFor.password}
              onChange={(e) => setPasswordFor({ ...passwordFor, password: e.target.value })}
            />
          </label>
          <button type="submit" disabled={passwordFor.password.length === 0}>
            Set password
          </button>
        </form>
      )}
      <form className="add-user" aria-label="Add a user" onSubmit={add}>
        <h4>Add a user</h4>
        <label>
          User name
          <input
            value={form.username}
            onChange={(e) => setForm({ ...form, username: e.target.value })}
          />
        </label>
        <label>
          Display name
          <input
            value={form.displayName}
            onChange={(e) => setForm({ ...form, displayName: e.target.value })}
          />
        </label>
        <label>
          Role
          <select
            aria-label="Role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </label>
        <button
          type="submit"
          className="primary"
          disabled={!form.username || !form.displayName || !form.password}
        >
          Add user
        </button>
      </form>
      <p className="muted small">
        Passwords are stored as scrypt hashes. Five failed sign-ins lock an account for five
        minutes; a new password lifts the lock. Every change is recorded in the audit log.
      </p>
    </section>
  );
}
