// What a nurse reads next to a verdict (issue 11 §3): the calibrated chance that the call is
// right as a percentage, its band with the band's meaning on hover, the close-call flag and the
// conformal prediction set. Used by the worklist rows and the study side panel.
import { DEFAULT_BANDS, bandExplanation } from "../../electron/contract/calibration";
import type { Assessment } from "../../electron/contract/confidence";

const CLASS_LABEL: Record<string, string> = {
  HCC: "HCC",
  ICC: "ICC",
  metastasis: "metastasis",
};

/** "HCC" or "HCC or ICC": the set the true class lies in with the stated coverage. */
export function predictionSetText(a: Assessment): string {
  return a.predictionSet.map((c) => CLASS_LABEL[c] ?? c).join(" or ");
}

const CLOSE_CALL =
  "Close call: the two most likely classes are within the calibrated margin; the call could " +
  "easily have gone the other way. Needs a radiologist's review whatever its rank.";

/** The percentage + band chip, with the band's explanation as its tooltip. */
export function BandChip({ a }: { a: Assessment }) {
  // The thresholds are the band rule's (contract/calibration.ts); calibrate records how
  // accurate each band was on its cohort in the classifier manifest.
  const title = bandExplanation(a.band, DEFAULT_BANDS);
  return (
    <span
      className={`band band-${a.band}`}
      title={title}
      aria-label={`${Math.round(a.probCorrect * 100)} percent likely right, ${a.band} band. ${title}`}
      data-testid="band-chip"
      data-band={a.band}
    >
      {Math.round(a.probCorrect * 100)}% {a.band}
    </span>
  );
}

export function CloseCallFlag() {
  return (
    <span className="flag close-call" title={CLOSE_CALL} aria-label="Close call">
      ≈
    </span>
  );
}

/** The worklist cell: chip, close-call flag, set. */
export function AssessmentCell({ a }: { a: Assessment | null | undefined }) {
  if (!a) return <span className="muted">—</span>;
  return (
    <span className="assessment-cell">
      <BandChip a={a} />
      {a.closeCall && <CloseCallFlag />}
      <span
        className="pset small"
        title={`Prediction set at ${Math.round(a.coverage * 100)}% coverage`}
        data-testid="prediction-set"
      >
        {predictionSetText(a)}
      </span>
    </span>
  );
}

/** The side panel's rows (the paper's confidence stays in its own row beside them). */
export function AssessmentRows({ a }: { a: Assessment }) {
  return (
    <>
      <tr>
        <th scope="row">Chance the call is right</th>
        <td className="num" data-testid="study-prob-correct">
          <BandChip a={a} />
          {a.closeCall && <CloseCallFlag />}
        </td>
      </tr>
      <tr>
        <th scope="row">Prediction set ({Math.round(a.coverage * 100)}%)</th>
        <td data-testid="study-prediction-set">{predictionSetText(a)}</td>
      </tr>
    </>
  );
}
