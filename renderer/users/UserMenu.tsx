// The header's user menu (issue 13 §6): who is working (an account's name and role, or the OS
// user), with Sign out, or Sign in when the site lets the OS user work without one.
import { useState } from "react";
import { SignInForm } from "./SignIn";
import type { Auth } from "./useSession";

export function UserMenu(props: { auth: Auth; fallback: string | undefined }) {
  const [open, setOpen] = useState(false);
  const s = props.auth.session;
  const who = s?.user
    ? `${s.user.displayName} (${s.user.role})`
    : (s?.osUser ?? props.fallback ?? "");
  return (
    <span className="user-menu">
      <button
        type="button"
        className="small link"
        aria-label="Signed in user"
        aria-expanded={open}
        data-testid="user-menu"
        onClick={() => setOpen((v) => !v)}
      >
        {who ? `User: ${who}` : ""}
      </button>
      {open && s && (
        <div className="user-menu-pop" role="menu">
          {s.user ? (
            <>
              <p className="small muted">
                Signed in as <b>{s.user.username}</b>, role {s.user.role}.
              </p>
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  setOpen(false);
                  void props.auth.signOut();
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <>
              <p className="small muted">
                Working as the computer account <b>{s.osUser}</b>. Sign in to act with your own
                account and role.
              </p>
              <SignInForm auth={props.auth} onDone={() => setOpen(false)} />
            </>
          )}
        </div>
      )}
    </span>
  );
}
