// The image-quality gate's verdict in the study view (issue 13 §3): why the CAD refused a series,
// or that it ran on an incomplete one because the site allows it. Every finding is listed with
// its series and what to do.
import type { QualityFlag } from "../../electron/contract/quality";

const TITLE: Record<Exclude<QualityFlag["status"], "ok">, string> = {
  refused: "Not analyzed: a series failed the image-quality check",
  incomplete: "Analyzed with a quality flag: a series is incomplete",
};

export function QualityBanner({ flag }: { flag: QualityFlag | null }) {
  if (flag === null || flag.status === "ok") return null;
  return (
    <div
      role="alert"
      className={`quality-banner q-${flag.status}`}
      data-testid="quality-banner"
      data-status={flag.status}
    >
      <strong>{TITLE[flag.status]}</strong>
      <span className="muted small"> (site setting for incomplete series: {flag.policy})</span>
      <ul>
        {flag.findings.map((f, i) => (
          <li key={i} data-code={f.code}>
            {f.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The worklist's compact badge: "Q!" for a refused series, "Q" for an incomplete one. */
export function QualityBadge({ flag }: { flag: QualityFlag | null }) {
  if (flag === null || flag.status === "ok") return null;
  const text = flag.findings.map((f) => f.message).join("\n");
  const label =
    flag.status === "refused" ? "Quality check refused a series" : "Incomplete series (flagged)";
  return (
    <span
      className={`flag quality q-${flag.status}`}
      title={`${label}:\n${text}`}
      aria-label={label}
      data-testid="quality-badge"
    >
      {flag.status === "refused" ? "Q!" : "Q"}
    </span>
  );
}
