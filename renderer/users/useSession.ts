// Who is signed in (issue 13 §6), for the header, the sign-in screen and the Users panel. The
// service decides and enforces; this only mirrors its session so the screens can follow it.
import { useCallback, useEffect, useState } from "react";
import type { SessionView } from "../../electron/contract/users";
import { call, SIGN_IN_NEEDED } from "../api";

export interface Auth {
  session: SessionView | null;
  /** The first answer (or failure) of auth:session has come: the screens may load. */
  ready: boolean;
  /** The site requires a sign-in and nobody is signed in: only the sign-in screen is shown. */
  needsSignIn: boolean;
  /** Signs in; resolves to the service's refusal message, or null when signed in. */
  signIn(username: string, password: string): Promise<string | null>;
  signOut(): Promise<void>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function useSession(): Auth {
  const [session, setSession] = useState<SessionView | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const refresh = () => {
      call("auth:session", {})
        .then(setSession, () => setSession(null))
        .finally(() => setReady(true));
    };
    refresh();
    window.addEventListener(SIGN_IN_NEEDED, refresh);
    return () => window.removeEventListener(SIGN_IN_NEEDED, refresh);
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    try {
      setSession(await call("auth:sign-in", { username, password }));
      return null;
    } catch (e) {
      return message(e);
    }
  }, []);

  const signOut = useCallback(async () => {
    setSession(await call("auth:sign-out", {}));
  }, []);

  return {
    session,
    ready,
    needsSignIn: session !== null && session.signInRequired && session.user === null,
    signIn,
    signOut,
  };
}
