// The application shell: a header with who is working, the worklist (home) and the study view.
// The worklist query lives here so that next / previous study in the viewer follow the list the
// user came from, and the confidence cut is restored from the persisted setting at start.
import { useEffect, useState } from "react";
import type { AppInfo } from "../electron/contract/ipc";
import { call } from "./api";
import { NetworkPanel } from "./network/NetworkPanel";
import { QueryPacs } from "./network/QueryPacs";
import { StudyView } from "./viewer/StudyView";
import { About } from "./safety/About";
import { RESEARCH_NOTICE } from "../electron/contract/site";
import { Analytics } from "./analytics/Analytics";
import { AuditScreen } from "./audit/AuditScreen";
import { Worklist } from "./worklist/Worklist";
import type { QueryState } from "./worklist/useWorklist";
import { useSession } from "./users/useSession";
import { SignInScreen } from "./users/SignIn";
import { UserMenu } from "./users/UserMenu";

const INITIAL: QueryState = {
  queue: "confident",
  topPercent: 70,
  sort: "confidence",
  descending: true,
  search: "",
  status: "",
};

export function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [query, setQuery] = useState<QueryState | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [open, setOpen] = useState<{ uid: string; at: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showAbout, setShowAbout] = useState(false);
  const [network, setNetwork] = useState(false);
  const [pacs, setPacs] = useState(false);
  const [screen, setScreen] = useState<"worklist" | "analytics" | "audit">("worklist");
  const [endOfList, setEndOfList] = useState<string | null>(null);
  // Issue 13 §6: who is signed in; nothing loads before a required sign-in.
  const auth = useSession();
  const actor = auth.session?.actor;

  useEffect(() => {
    document.title = `LiverCAD Workstation: ${RESEARCH_NOTICE}`;
  }, []);

  useEffect(() => {
    if (!auth.ready || auth.needsSignIn) return;
    Promise.all([call("app:info", {}), call("settings:get", {})]).then(
      ([i, s]) => {
        setInfo(i);
        setQuery({
          ...INITIAL,
          topPercent: s.topPercent,
          minProbCorrect: s.minProbCorrect ?? null,
        });
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, [auth.ready, auth.needsSignIn, actor]);

  // Another user at the screen starts from the worklist, not from the previous user's study.
  useEffect(() => {
    setOpen(null);
    setShowAbout(false);
  }, [actor]);

  function openStudy(uid: string) {
    setSelected(uid);
    setOpen({ uid, at: performance.now() });
  }

  async function neighbour(direction: "next" | "previous") {
    if (!open || !query) return;
    const r = await call("worklist:neighbour", {
      studyInstanceUid: open.uid,
      direction,
      query: { ...query, offset: 0, limit: 1 },
    });
    if (r.studyInstanceUid) {
      setEndOfList(null);
      openStudy(r.studyInstanceUid);
    } else {
      // Issue 13 §4: a key press that goes nowhere says so instead of doing nothing.
      setEndOfList(
        direction === "next"
          ? "This is the last study in the list."
          : "This is the first study in the list.",
      );
    }
  }

  /** Once a study is on screen, the next one in the list is decoded in the background. */
  async function prefetchNext() {
    if (!open || !query) return;
    const r = await call("worklist:neighbour", {
      studyInstanceUid: open.uid,
      direction: "next",
      query: { ...query, offset: 0, limit: 1 },
    }).catch(() => null);
    if (r?.studyInstanceUid) {
      await call("study:prefetch", { studyInstanceUid: r.studyInstanceUid }).catch(() => undefined);
    }
  }

  if (auth.needsSignIn) return <SignInScreen auth={auth} />;

  return (
    <div className="app">
      <header className="appbar">
        <span className="brand">
          Liver<b>CAD</b>
        </span>
        <span className="muted small">Workstation {info?.version ?? ""}</span>
        <nav className="screens" aria-label="Screens">
          <button
            type="button"
            className={screen === "worklist" ? "tab active" : "tab"}
            onClick={() => setScreen("worklist")}
          >
            Worklist
          </button>
          <button
            type="button"
            className={screen === "analytics" ? "tab active" : "tab"}
            onClick={() => setScreen("analytics")}
          >
            Analytics
          </button>
          <button
            type="button"
            className={screen === "audit" ? "tab active" : "tab"}
            onClick={() => setScreen("audit")}
          >
            Audit
          </button>
        </nav>
        <span className="spacer" />
        <UserMenu auth={auth} fallback={info?.actor} />
        <button className="small" onClick={() => setNetwork((v) => !v)} aria-pressed={network}>
          Network
        </button>
        <button className="small" onClick={() => setPacs((v) => !v)} aria-pressed={pacs}>
          Query PACS
        </button>
        <span className="badge small" title={info?.dataDir}>
          {info?.transport === "bridge" ? "browser bridge" : "desktop"}
        </span>
        <button type="button" className="small" onClick={() => setShowAbout((v) => !v)}>
          About
        </button>
      </header>
      <main>
        {error && (
          <div role="alert" className="error">
            Cannot reach the workstation services: {error}
          </div>
        )}
        {showAbout && <About onClose={() => setShowAbout(false)} />}
        {network && <NetworkPanel onClose={() => setNetwork(false)} />}
        {pacs && !network && <QueryPacs onClose={() => setPacs(false)} />}
        {open && endOfList && (
          <p role="status" className="end-of-list" data-testid="end-of-list">
            {endOfList}
          </p>
        )}
        {screen === "analytics" && info && !open && !showAbout && !network && !pacs && (
          <Analytics dataDir={info.dataDir} onOpen={openStudy} />
        )}
        {screen === "audit" && !open && !showAbout && !network && !pacs && (
          <AuditScreen onOpen={openStudy} />
        )}
        {query && !open && !showAbout && !network && !pacs && screen === "worklist" && (
          <Worklist
            query={query}
            setQuery={setQuery}
            selected={selected}
            setSelected={(uid) => {
              setSelected(uid);
              // Decoding starts while the user decides: the open is then served from memory.
              void call("study:prefetch", { studyInstanceUid: uid }).catch(() => undefined);
            }}
            onOpen={openStudy}
          />
        )}
        {open && !showAbout && (
          <StudyView
            uid={open.uid}
            openedAt={open.at}
            onClose={() => {
              setEndOfList(null);
              setOpen(null);
            }}
            onNeighbour={(d) => void neighbour(d)}
            onPanesDrawn={() => void prefetchNext()}
          />
        )}
      </main>
      <footer className="notice" data-testid="research-notice">
        {RESEARCH_NOTICE}.
      </footer>
    </div>
  );
}
