// The study's side panel: what the CAD concluded and how sure it was (prediction, probabilities,
// confidence, the Monte-Carlo spread per class, model, provider, timings), the nurse's actions
// (reviewed, urgent, comment, stored with who and when) and the sequence assignment with its
// manual override.
import { useEffect, useState } from "react";
import { LESION_CLASSES, SEQUENCE_LABELS } from "../../electron/contract/domain";
import type { AnalysisView, RoiView, StudyDetail } from "../../electron/contract/ipc";
import { call } from "../api";
import { AssessmentRows } from "../confidence/Assessment";
import { percent, statusLabel } from "../format";
import { forgetSeries } from "./series";
import { AssignmentRow } from "../safety/AssignmentRow";
import { TruthPanel } from "../analytics/TruthPanel";
import { ResultsPanel } from "../export/ResultsPanel";

/** Per class: a line from the lowest to the highest sample, a box of mean ± 1 SD, the mean. */
function McPlot({ a }: { a: AnalysisView }) {
  const W = 240;
  const row = 22;
  const x = (p: number) => 40 + Math.max(0, Math.min(1, p)) * (W - 50);
  const classes = LESION_CLASSES.filter((c) => a.mcSpread[c] !== undefined);
  if (classes.length === 0) return <p className="muted small">No Monte-Carlo statistics stored.</p>;
  return (
    <svg
      width={W}
      height={classes.length * row + 18}
      role="img"
      aria-label={`Monte-Carlo sample spread: ${classes
        .map(
          (c) => `${c} mean ${percent(a.mcSpread[c]!.mean)} SD ${percent(a.mcSpread[c]!.std, 1)}`,
        )
        .join("; ")}`}
      className="mcplot"
    >
      {[0, 0.5, 1].map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={0} y2={classes.length * row} className="grid" />
          <text x={x(t)} y={classes.length * row + 13} textAnchor="middle">
            {t}
          </text>
        </g>
      ))}
      {classes.map((c, i) => {
        const s = a.mcSpread[c]!;
        const y = i * row + row / 2;
        return (
          <g key={c} className={`cls-${c}`}>
            <text x={0} y={y + 4}>
              {c === "metastasis" ? "Meta" : c}
            </text>
            <rect
              x={x(s.mean - s.std)}
              width={Math.max(2, x(s.mean + s.std) - x(s.mean - s.std))}
              y={y - 6}
              height={12}
              className="box"
            />
            <circle cx={x(s.mean)} cy={y} r={3} />
          </g>
        );
      })}
    </svg>
  );
}

function Analysis({ a, onJump }: { a: AnalysisView; onJump(r: RoiView): void }) {
  return (
    <section className="panel" aria-label="CAD result">
      <h2>CAD result</h2>
      {a.status !== "analyzed" && (
        <p className={a.status === "error" ? "error" : ""}>
          {a.status === "no-roi" ? "No lesion localized." : (a.error ?? a.status)}
        </p>
      )}
      {a.prediction && (
        <p className="prediction">
          <span className={`pred cls-${a.prediction}`}>{a.prediction}</span>
          <span className="muted"> predicted</span>
        </p>
      )}
      {a.probabilities && (
        <table className="kv probs">
          <tbody>
            {LESION_CLASSES.map((c) => (
              <tr key={c}>
                <th scope="row">{c}</th>
                <td>
                  <span className="bar">
                    <span
                      className={`fill cls-${c}`}
                      style={{ width: percent(a.probabilities![c], 1) }}
                    />
                  </span>
                </td>
                <td className="num">{percent(a.probabilities![c], 1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <table className="kv">
        <tbody>
          {a.assessment && <AssessmentRows a={a.assessment} />}
          <tr>
            <th scope="row" title="The paper's 1 - mean Monte-Carlo variance">
              Confidence
            </th>
            <td className="num" data-testid="study-confidence">
              {a.confidence === null ? "—" : a.confidence.toFixed(4)}
            </td>
          </tr>
          <tr>
            <th scope="row">Uncertainty</th>
            <td className="num">{a.uncertainty === null ? "—" : a.uncertainty.toExponential(2)}</td>
          </tr>
        </tbody>
      </table>
      <h3>Monte-Carlo spread</h3>
      <McPlot a={a} />
      {a.rois.length > 0 && (
        <>
          <h3>ROIs</h3>
          <ol className="rois">
            {a.rois.map((r) => (
              <li key={r.rank}>
                <button type="button" onClick={() => onJump(r)}>
                  #{r.rank} {SEQUENCE_LABELS[r.sequence]} slice {r.sliceIndex + 1} · score{" "}
                  {r.score.toFixed(2)}
                  {r.reject && (
                    <span
                      className="muted"
                      data-testid="roi-reject"
                      title="The classifier's not-a-lesion output for this ROI; a ROI at or above the threshold is left out of the study's probabilities"
                    >
                      {" "}
                      · not a lesion {Math.round(r.reject.probability * 100)}%
                      {r.reject.rejected ? " (left out)" : ""}
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
      <h3>Provenance</h3>
      <table className="kv small">
        <tbody>
          {a.models.map((m) => (
            <tr key={m.id}>
              <th scope="row">{m.id}</th>
              <td title={m.sha256}>
                v{m.version} · {m.sha256.slice(0, 10)}
              </td>
            </tr>
          ))}
          <tr>
            <th scope="row">Provider</th>
            <td>{a.provider}</td>
          </tr>
          {Object.entries(a.timingsMs).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td className="num">{v.toFixed(0)} ms</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Finished</th>
            <td>{a.finishedAt.replace("T", " ").slice(0, 19)}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

function NurseActions({ detail, onChanged }: { detail: StudyDetail; onChanged(): void }) {
  const [reviewed, setReviewed] = useState(detail.review.reviewed);
  const [urgent, setUrgent] = useState(detail.review.urgent);
  const [comment, setComment] = useState(detail.review.comment);
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    setReviewed(detail.review.reviewed);
    setUrgent(detail.review.urgent);
    setComment(detail.review.comment);
  }, [detail.review]);
  async function save(next: { reviewed: boolean; urgent: boolean; comment: string }) {
    try {
      await call("review:set", { studyInstanceUid: detail.studyInstanceUid, ...next });
      setMsg(null);
      onChanged();
    } catch (err) {
      setMsg(err instanceof Error ? err.message : String(err));
    }
  }
  return (
    <section className="panel" aria-label="Nurse actions">
      <h2>Review</h2>
      <label className="check">
        <input
          type="checkbox"
          checked={reviewed}
          onChange={(e) => {
            setReviewed(e.target.checked);
            void save({ reviewed: e.target.checked, urgent, comment });
          }}
        />
        Reviewed
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={urgent}
          onChange={(e) => {
            setUrgent(e.target.checked);
            void save({ reviewed, urgent: e.target.checked, comment });
          }}
        />
        Urgent
      </label>
      <label className="block" htmlFor="review-comment">
        Comment
      </label>
      <textarea
        id="review-comment"
        rows={3}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
      />
      <button
        type="button"
        disabled={comment === detail.review.comment}
        onClick={() => void save({ reviewed, urgent, comment })}
      >
        Save comment
      </button>
      {detail.review.actor && (
        <p className="muted small" data-testid="review-by">
          Last change by {detail.review.actor} at {detail.review.at?.replace("T", " ").slice(0, 19)}
        </p>
      )}
      {msg && (
        <p role="alert" className="error small">
          {msg}
        </p>
      )}
      {detail.audit.length > 0 && (
        <details>
          <summary>History ({detail.audit.length})</summary>
          <ul className="audit small">
            {detail.audit
              .slice(-20)
              .reverse()
              .map((e, i) => (
                <li key={i}>
                  {e.at.replace("T", " ").slice(0, 19)} · {e.actor} · {e.action}{" "}
                  {JSON.stringify(e.details)}
                </li>
              ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function Assignments({ detail, onChanged }: { detail: StudyDetail; onChanged(): void }) {
  async function override(
    sequence: StudyDetail["assignments"][number]["sequence"],
    uid: string | null,
    reason: string,
  ) {
    await call("assignment:override", {
      studyInstanceUid: detail.studyInstanceUid,
      sequence,
      seriesInstanceUid: uid,
      reason,
    });
    forgetSeries();
    onChanged();
  }
  return (
    <section className="panel" aria-label="Sequence assignment">
      <h2>
        Sequences{" "}
        <span className="muted small">(study {statusLabel(detail.status).toLowerCase()})</span>
      </h2>
      <table className="kv assign">
        <tbody>
          {detail.assignments.map((a) => (
            <AssignmentRow
              key={a.sequence}
              a={a}
              series={detail.series}
              onOverride={(uid, reason) => override(a.sequence, uid, reason)}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function NotAnalyzed({ detail }: { detail: StudyDetail }) {
  const [msg, setMsg] = useState<string | null>(null);
  async function analyze() {
    try {
      await call("analysis:enqueue", {
        studyInstanceUids: [detail.studyInstanceUid],
        unanalyzed: false,
      });
      setMsg("Queued for analysis.");
    } catch (err) {
      setMsg(err instanceof Error ? err.message : String(err));
    }
  }
  return (
    <section className="panel" aria-label="CAD result">
      <h2>CAD result</h2>
      <p className="muted">Not analyzed yet.</p>
      <button type="button" onClick={() => void analyze()} disabled={detail.missing.length > 0}>
        Analyze this study
      </button>
      {detail.missing.length > 0 && (
        <p className="small">Missing: {detail.missing.map((q) => SEQUENCE_LABELS[q]).join(", ")}</p>
      )}
      {msg && (
        <p role="status" className="small">
          {msg}
        </p>
      )}
    </section>
  );
}

export function SidePanel(props: {
  detail: StudyDetail;
  onChanged(): void;
  onJump(r: RoiView): void;
}) {
  const { detail } = props;
  return (
    <aside className="side" aria-label="Study details">
      {detail.analysis ? (
        <Analysis a={detail.analysis} onJump={props.onJump} />
      ) : (
        <NotAnalyzed detail={detail} />
      )}
      <NurseActions detail={detail} onChanged={props.onChanged} />
      <TruthPanel uid={detail.studyInstanceUid} onChanged={props.onChanged} />
      {detail.analysis && (
        <ResultsPanel uid={detail.studyInstanceUid} analyzedAt={detail.analysis.finishedAt} />
      )}
      <Assignments detail={detail} onChanged={props.onChanged} />
    </aside>
  );
}
