// About / Settings (issue 13 §7): the research notice, the version, who is signed in, where the
// data lives and why, each model's intended use quoted from its card, and the site settings
// (each change audited by the service).
import { useEffect, useState } from "react";
import type { AboutInfo, SiteSettingsView } from "../../electron/contract/site";
import { OVERDUE_HOURS } from "../../electron/contract/site";
import { call } from "../api";
import { UsersPanel } from "../users/UsersPanel";
import { RetentionSetting } from "./RetentionSetting";

const LOCATION: Record<AboutInfo["dataLocation"], string> = {
  "per-machine": "per machine: every user of this workstation shares one worklist",
  "per-user": "per user: this account's own worklist",
  LIVERCAD_HOME: "set by LIVERCAD_HOME",
  "--db": "chosen with --db",
};

export function About(props: { onClose(): void }) {
  const [about, setAbout] = useState<AboutInfo | null>(null);
  const [settings, setSettings] = useState<SiteSettingsView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([call("site:about", {}), call("site:settings", {})]).then(
      ([a, s]) => {
        setAbout(a);
        setSettings(s);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);

  async function setIncomplete(value: SiteSettingsView["incompleteSeries"]) {
    try {
      setSettings(await call("site:set", { incompleteSeries: value }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  /** Issue 13 §4: the overdue limit is saved with its button (each save is one audit entry). */
  const [overdueText, setOverdueText] = useState<string | null>(null);
  async function saveOverdue() {
    const hours = Number(overdueText);
    if (overdueText === null || overdueText.trim() === "" || !Number.isFinite(hours)) {
      setError(`Overdue limit "${overdueText ?? ""}" is not a number of hours.`);
      return;
    }
    try {
      setSettings(await call("site:set", { overdueHours: hours }));
      setOverdueText(null);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <section className="about" aria-label="About and settings" data-testid="about">
      <div className="toolbar">
        <button type="button" onClick={props.onClose}>
          ← Back
        </button>
        <h2>About LiverCAD Workstation</h2>
      </div>
      {error && (
        <div role="alert" className="error">
          {error}
        </div>
      )}
      {about && (
        <>
          <p className="notice-strong" data-testid="about-notice">
            {about.notice}.
          </p>
          <dl className="facts">
            <dt>Version</dt>
            <dd>{about.version}</dd>
            <dt>Signed in</dt>
            <dd>{about.actor}</dd>
            <dt>Data directory</dt>
            <dd data-testid="about-data-dir">
              <code>{about.dataDir}</code> ({LOCATION[about.dataLocation]})
            </dd>
            <dt>Registry</dt>
            <dd>
              <code>{about.database}</code>
            </dd>
            <dt>Models</dt>
            <dd>
              <code>{about.modelsRoot}</code>
            </dd>
          </dl>
          <h3>Intended use of the models (from their model cards)</h3>
          {about.models.length === 0 ? (
            <p className="muted">No trained models are installed.</p>
          ) : (
            <ul className="models-use">
              {about.models.map((m) => (
                <li key={m.id} data-testid={`model-use-${m.id}`}>
                  <strong>
                    {m.id} {m.version}
                  </strong>
                  : {m.intendedUse}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {settings && (
        <>
          <h3>Site settings</h3>
          <label className="inline">
            A series with missing slices
            <select
              aria-label="Incomplete series"
              value={settings.incompleteSeries}
              onChange={(e) =>
                void setIncomplete(e.target.value as SiteSettingsView["incompleteSeries"])
              }
            >
              <option value="block">is not analyzed (block)</option>
              <option value="warn">is analyzed with a visible quality flag (warn)</option>
            </select>
          </label>
          <label className="inline">
            A study unreviewed for more than
            <input
              type="number"
              min={OVERDUE_HOURS.min}
              max={OVERDUE_HOURS.max}
              step={1}
              aria-label="Overdue limit in hours"
              data-testid="overdue-hours"
              value={overdueText ?? String(settings.overdueHours)}
              onChange={(e) => setOverdueText(e.target.value)}
            />
            hours is flagged overdue in the worklist
          </label>
          <button
            type="button"
            data-testid="overdue-save"
            disabled={overdueText === null}
            onClick={() => void saveOverdue()}
          >
            Save limit
          </button>
          <RetentionSetting settings={settings} onSaved={setSettings} onError={setError} />
          <p className="muted small">Every change is recorded in the audit log with your name.</p>
        </>
      )}
      <UsersPanel />
    </section>
  );
}
