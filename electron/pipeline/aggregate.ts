// Stage 6, aggregate. In: the ROIs' Monte-Carlo summaries, the classifier's class order and its
// manifest's calibration. Out: the study's probabilities, prediction, uncertainty, confidence,
// candidate scores and assessment, or "no-roi".
import { assess, confidenceScores, type Calibration } from "../contract/calibration";
import { LESION_CLASSES, type LesionClass } from "../contract/domain";
import type { RoiClassification, StudyOutcome } from "./types";

/**
 * Paper, "Lesion Characterization": ROI pseudo-probabilities "are then averaged to produce the
 * study-wise pseudo-probability"; the prediction is the class with the highest one; "the variance
 * of the predictions" over the 100 dropout passes is the ROI's uncertainty, the study's is "the
 * average variance across all ROI-wise uncertainties", and confidence = 1 - uncertainty.
 *
 * Which variance: for each class, the variance across the T samples of that class's softmax
 * probability, averaged over the classes (classify.ts summarizeSamples). It uses every class
 * rather than only the predicted one, whose identity can change from sample to sample, and it is a
 * plain variance of a probability, so u lies in [0, 0.25] and confidence in [0.75, 1] whatever
 * the number of classes. With a dropout-only head it is tiny (0.999x for every study, issue 11), so
 * the worklist ranks by the calibrated assessment's score when the classifier has a calibration
 * (issue 11 §3); this confidence stays for the paper's evaluation.
 *
 * The study's mutual information is the mean of its ROIs', like the paper's uncertainty. Without a
 * calibration block in the classifier's manifest there is no assessment (null), never a guessed one.
 */
export function aggregate(
  rois: RoiClassification[],
  classOrder: readonly string[],
  calibration: Calibration | null = null,
): StudyOutcome {
  if (rois.length === 0) return { status: "no-roi" };
  const index = classIndex(classOrder);
  const probabilities = {} as Record<LesionClass, number>;
  for (const cls of LESION_CLASSES) {
    const c = index[cls];
    probabilities[cls] = rois.reduce((s, r) => s + r.meanProbabilities[c]!, 0) / rois.length;
  }
  let prediction: LesionClass = LESION_CLASSES[0];
  for (const cls of LESION_CLASSES)
    if (probabilities[cls] > probabilities[prediction]) prediction = cls;
  const uncertainty = rois.reduce((s, r) => s + r.variance, 0) / rois.length;
  const confidence = 1 - uncertainty;
  const mi = rois.reduce((s, r) => s + r.mutualInformation, 0) / rois.length;
  const scores = confidenceScores(probabilities, confidence, mi);
  return {
    status: "analyzed",
    probabilities,
    prediction,
    uncertainty,
    confidence,
    scores,
    assessment: calibration ? assess(probabilities, scores, calibration) : null,
  };
}

/** Position of each lesion class in a model's output: the model declares its order (STYLE.md 9). */
export function classIndex(classOrder: readonly string[]): Record<LesionClass, number> {
  const index = {} as Record<LesionClass, number>;
  for (const cls of LESION_CLASSES) {
    const c = classOrder.indexOf(cls);
    if (c < 0) throw new Error(`Classifier classes [${classOrder}] lack ${cls}.`);
    index[cls] = c;
  }
  if (classOrder.length !== LESION_CLASSES.length) {
    throw new Error(
      `Classifier classes [${classOrder}] are not exactly ${LESION_CLASSES.join(", ")}.`,
    );
  }
  return index;
}
