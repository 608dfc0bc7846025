// After a sequence override the stored CAD result no longer belongs to the images on screen
// (issue 13 §2): a visible banner says which sequences changed, with a Re-analyze button. The
// button is also offered on every analyzed study (models updated, a quality flag resolved).
import { useState } from "react";
import { SEQUENCE_LABELS } from "../../electron/contract/domain";
import type { StudyDetail } from "../../electron/contract/ipc";
import { call } from "../api";

export function ReanalyzeBar({ detail }: { detail: StudyDetail }) {
  const [msg, setMsg] = useState<string | null>(null);
  if (detail.analysis === null) return null;
  const stale = detail.staleSequences;
  async function reanalyze() {
    try {
      const r = await call("analysis:enqueue", {
        studyInstanceUids: [detail.studyInstanceUid],
        unanalyzed: false,
      });
      setMsg(r.queued > 0 ? "Queued for analysis." : "Already queued.");
    } catch (err) {
      setMsg(err instanceof Error ? err.message : String(err));
    }
  }
  return (
    <div
      className={stale.length > 0 ? "stale-banner" : "reanalyze-bar"}
      role={stale.length > 0 ? "alert" : undefined}
      data-testid={stale.length > 0 ? "stale-banner" : "reanalyze-bar"}
    >
      {stale.length > 0 && (
        <span>
          <strong>CAD result out of date:</strong> {stale.map((q) => SEQUENCE_LABELS[q]).join(", ")}{" "}
          {stale.length === 1 ? "was" : "were"} reassigned after this analysis. The result shown was
          computed on other images.{" "}
        </span>
      )}
      <button type="button" onClick={() => void reanalyze()}>
        Re-analyze
      </button>
      {msg && (
        <span role="status" className="small">
          {" "}
          {msg}
        </span>
      )}
    </div>
  );
}
