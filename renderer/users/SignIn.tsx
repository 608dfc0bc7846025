// The sign-in form (issue 13 §6): a full screen when the site requires a sign-in, a dialog from
// the user menu otherwise. The service answers one message for an unknown name and a wrong
// password, and says when an account is locked.
import { useState, type FormEvent } from "react";
import { RESEARCH_NOTICE } from "../../electron/contract/site";
import type { Auth } from "./useSession";

export function SignInForm(props: { auth: Auth; onDone?: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const refused = await props.auth.signIn(username.trim(), password);
    setBusy(false);
    setPassword("");
    setError(refused);
    if (refused === null) props.onDone?.();
  }

  return (
    <form className="sign-in-form" aria-label="Sign in" onSubmit={(e) => void submit(e)}>
      <label>
        User name
        <input
          autoFocus
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </label>
      <label>
        Password
        <input
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {error && (
        <p role="alert" className="error small" data-testid="sign-in-error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !username || !password}>
          Sign in
        </button>
        {props.onDone && (
          <button type="button" onClick={props.onDone}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

/** What the workstation shows before anyone has signed in, when the site requires a sign-in. */
export function SignInScreen(props: { auth: Auth }) {
  return (
    <div className="app sign-in-screen" data-testid="sign-in-screen">
      <header className="appbar">
        <span className="brand">
          Liver<b>CAD</b>
        </span>
        <span className="muted small">Workstation</span>
      </header>
      <main>
        <section className="sign-in-card">
          <h2>Sign in</h2>
          <p className="muted small">
            This workstation requires each user to sign in with their own account. Ask your site
            administrator if you have none or are locked out.
          </p>
          <SignInForm auth={props.auth} />
          <p className="muted small">
            Computer account: <code>{props.auth.session?.osUser}</code>
          </p>
        </section>
      </main>
      <footer className="notice" data-testid="research-notice">
        {RESEARCH_NOTICE}.
      </footer>
    </div>
  );
}
