// The retention limit in About (issue 13 §7): days after arrival before `livercad retention`
// deletes a study, 0 = keep forever. Saved with its button (one audit entry per save); only an
// admin may change it when sign-in is required (the service refuses others by role). The box
// `retentionInApp` lets the running workstation apply it once a day (services/site/maintenance).
import { useState } from "react";
import { RETENTION_DAYS } from "../../electron/contract/deletion";
import type { SiteSettingsView } from "../../electron/contract/site";
import { call } from "../api";

export function RetentionSetting(props: {
  settings: SiteSettingsView;
  onSaved(s: SiteSettingsView): void;
  onError(message: string | null): void;
}) {
  const [text, setText] = useState<string | null>(null);
  // The box shows the user's choice at once while it is saved (a controlled box would otherwise
  // spring back until the answer comes), and the stored value again once it is answered.
  const [pendingInApp, setPendingInApp] = useState<boolean | null>(null);

  async function save() {
    const days = Number(text);
    if (text === null || text.trim() === "" || !Number.isInteger(days)) {
      props.onError(`Retention "${text ?? ""}" is not a whole number of days.`);
      return;
    }
    try {
      props.onSaved(await call("site:set", { retentionDays: days }));
      setText(null);
      props.onError(null);
    } catch (e) {
      props.onError(e instanceof Error ? e.message : String(e));
    }
  }

  async function setInApp(on: boolean) {
    setPendingInApp(on);
    try {
      props.onSaved(await call("site:set", { retentionInApp: on }));
      props.onError(null);
    } catch (e) {
      props.onError(e instanceof Error ? e.message : String(e));
    } finally {
      setPendingInApp(null);
    }
  }

  return (
    <>
      <label className="inline">
        Studies are deleted by <code>livercad retention</code>
        <input
          type="number"
          min={RETENTION_DAYS.min}
          max={RETENTION_DAYS.max}
          step={1}
          aria-label="Retention in days"
          data-testid="retention-days"
          value={text ?? String(props.settings.retentionDays)}
          onChange={(e) => setText(e.target.value)}
        />
        days after they arrived (0 keeps every study)
      </label>
      <button
        type="button"
        data-testid="retention-save"
        disabled={text === null}
        onClick={() => void save()}
      >
        Save retention
      </button>
      <label className="inline">
        <input
          type="checkbox"
          data-testid="retention-in-app"
          checked={pendingInApp ?? props.settings.retentionInApp}
          disabled={pendingInApp !== null}
          onChange={(e) => void setInApp(e.target.checked)}
        />
        The running workstation applies it once a day (audited; nothing is deleted at 0 days)
      </label>
    </>
  );
}
