// The image-quality gate in front of the CAD (issue 13 §3): loads a study's five series through
// the usual loader while collecting each frame's header facts, runs dicom/quality/checks on them
// and on the built volumes (and dicom/quality/stated-count on each file's stated acquisition
// count: read here from the stored files, so registries from before it need no migration), and
// decides with the site's policy for incomplete series:
//   refuse findings            -> QualityRefusedError (no CAD run; the message says what to do)
//   incomplete + policy block  -> QualityRefusedError
//   incomplete + policy warn   -> volumes returned with the flag, stored with the result
import { SEQUENCES, type SequenceId } from "../../contract/domain";
import { AppError, SequenceMissingError } from "../../contract/errors";
import type { IncompletePolicy, QualityFinding, QualityFlag } from "../../contract/quality";
import { loadSeries, type LoadedSeries } from "../../dicom/load-series";
import {
  checkHeaders,
  checkIntensities,
  type FrameFacts,
  type SeriesRef,
} from "../../dicom/quality/checks";
import { checkStatedCount, type StatedFileFacts } from "../../dicom/quality/stated-count";
import { readDicomFile } from "../../dicom/read/index";
import { instanceFilesOfSeries, seriesHeading, type Registry } from "../../registry";
import { ManagedStore } from "../import/index";
import type { StudySeries } from "./load";

/** The CAD did not run: a series failed the gate. Carries the verdict to store. */
export class QualityRefusedError extends AppError {
  constructor(readonly flag: QualityFlag) {
    super(
      "QUALITY_REFUSED",
      flag.findings
        .filter((f) => f.severity === "refuse" || flag.policy === "block")
        .map((f) => f.message)
        .join(" "),
    );
  }
}

function seriesLabel(registry: Registry, uid: string): string {
  const row = seriesHeading(registry.db, uid);
  if (!row) return `series ${uid}`;
  const num = row.seriesNumber === null ? "series" : `series ${row.seriesNumber}`;
  return row.description === "" ? num : `${num} '${row.description}'`;
}

export interface GatedVolumes {
  loaded: Record<SequenceId, LoadedSeries>;
  flag: QualityFlag;
}

/**
 * One series through the loader and the checks: its findings, and its volume unless a finding
 * refuses it. A build error is re-thrown only when no header finding explains it.
 */
export async function gateSeries(
  registry: Registry,
  sequence: SequenceId,
  seriesInstanceUid: string,
  bValue: number | null,
): Promise<{ findings: QualityFinding[]; loaded: LoadedSeries | null }> {
  const ref: SeriesRef = {
    sequence,
    seriesInstanceUid,
    label: seriesLabel(registry, seriesInstanceUid),
  };
  const store = new ManagedStore(registry.paths.store);
  const facts: FrameFacts[] = [];
  const stated: StatedFileFacts[] = [];
  let read = 0;
  const files = instanceFilesOfSeries(registry.db, seriesInstanceUid).map((p) => store.absolute(p));
  let built: LoadedSeries | null = null;
  let buildError: unknown = null;
  try {
    built = await loadSeries(files, {
      bValue: sequence === "DWI" ? bValue : null,
      reader: async (path) => {
        const outcome = await readDicomFile(path);
        read += 1;
        if (outcome.kind === "instance") {
          const i = outcome.instance;
          const frameB = i.frames.find((f) => f.diffusionBValue !== null)?.diffusionBValue;
          stated.push({
            framesInFile: i.frames.length,
            imageType: i.series.imageType,
            bValue: i.series.diffusionBValue ?? frameB ?? null,
            acquisition: i.acquisition ?? null,
          });
          for (const f of i.frames) {
            facts.push({
              instanceNumber: i.instanceNumber,
              framesInFile: i.frames.length,
              bitsStored: i.bitsStored,
              rescaleSlope: f.rescaleSlope,
              rescaleIntercept: f.rescaleIntercept,
              pixelSpacing: f.pixelSpacing,
              sliceThickness: f.sliceThickness,
              orientation: f.imageOrientationPatient,
              position: f.imagePositionPatient,
              rows: f.rows,
              columns: f.columns,
            });
          }
        }
        return outcome;
      },
    });
  } catch (err) {
    buildError = err;
  }
  const findings = checkHeaders(ref, facts);
  // The stored count is known only when every file was read (a file that fails to read stops
  // the loader; its error, not a short count, is what to report).
  if (read === files.length) findings.push(...checkStatedCount(ref, stated));
  // A header the gate refuses explains a failed build better than the builder's own message.
  if (findings.some((f) => f.severity === "refuse")) return { findings, loaded: null };
  if (built === null) throw buildError;
  findings.push(...checkIntensities(ref, built.volume.geometry, built.volume.data));
  return { findings, loaded: findings.some((f) => f.severity === "refuse") ? null : built };
}

/** Loads the five series and applies the gate; throws QualityRefusedError when it refuses. */
export async function loadStudyVolumesGated(
  registry: Registry,
  series: StudySeries,
  policy: IncompletePolicy,
): Promise<GatedVolumes> {
  if (series.missing.length > 0) {
    throw new SequenceMissingError(`The study lacks ${series.missing.join(", ")}.`);
  }
  const loaded = {} as Record<SequenceId, LoadedSeries>;
  const findings: QualityFinding[] = [];
  for (const q of SEQUENCES) {
    const one = await gateSeries(registry, q, series.sequences[q]!, series.bValues[q]);
    findings.push(...one.findings);
    if (one.loaded) loaded[q] = one.loaded;
  }
  const refused = findings.some((f) => f.severity === "refuse");
  const incomplete = findings.some((f) => f.severity === "incomplete");
  const flag: QualityFlag = {
    status:
      refused || (incomplete && policy === "block") ? "refused" : incomplete ? "incomplete" : "ok",
    policy,
    findings,
  };
  if (flag.status === "refused") throw new QualityRefusedError(flag);
  return { loaded, flag };
}
