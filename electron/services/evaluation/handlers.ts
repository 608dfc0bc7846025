// What the Analytics channels of the IPC contract do (issue 16): import a truth or reader file into
// the registry (all rows or none), list the imports, compute a cohort's analytics, write its report
// and export one figure as SVG + PNG. The workstation service spreads these into its handlers.
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../contract/errors";
import type { Channel, CohortQuery, Request, Response } from "../../contract/ipc";
import { cohortAnalytics, type CohortAnalytics } from "../../evaluation/analytics";
import { validateReadersCsv, validateTruthFile } from "../../evaluation/cohort-files";
import {
  cohortReads,
  cohortTruth,
  evaluationImports,
  registryLookup,
  saveReadersImport,
  saveTruthImport,
  setTruth,
  truthOf,
  type Registry,
} from "../../registry/index";
import { modelsOf, svgToPng, writeReport } from "../../report/report";
import { APP_VERSION } from "../../contract/version";
import { patientIdOfStudy, studyResults } from "../../registry";

type EvaluationChannel =
  | "evaluation:import"
  | "evaluation:imports"
  | "evaluation:analytics"
  | "evaluation:report"
  | "evaluation:export-figure"
  | "truth:get"
  | "truth:set";

export type EvaluationHandlers = {
  [C in EvaluationChannel & Channel]: (req: Request<C>) => Promise<Response<C>>;
};

function readFileText(file: string): string {
  if (!fs.existsSync(file)) throw new UsageError(`File ${file} does not exist.`);
  if (!fs.statSync(file).isFile()) throw new UsageError(`${file} is not a file.`);
  return fs.readFileSync(file, "utf8");
}

/** The cohort a query names and its analytics (CAD from the registry's latest analyses). */
export function registryAnalytics(registry: Registry, q: CohortQuery): CohortAnalytics {
  const db = registry.db;
  const truth = cohortTruth(db, { importId: q.importId, search: q.search });
  const uids = truth.map((t) => t.studyInstanceUid);
  const a = cohortAnalytics(truth, { studies: studyResults(db, uids) }, cohortReads(db, uids), {
    topPercent: q.topPercent,
  });
  // A study never analyzed has no result to name its patient: the registry does.
  for (const w of a.wrong) w.patientId ??= patientIdOfStudy(db, w.studyInstanceUid);
  return a;
}

export interface EvaluationContext {
  registry: Registry;
  actor: string;
  /** Tells the worklist and the renderer which studies changed. */
  changed(studyInstanceUids: string[] | null): void;
}

/** `context` is read on each call: the service builds its handlers before its own fields. */
export function evaluationHandlers(context: () => EvaluationContext): EvaluationHandlers {
  const ctx = (): EvaluationContext & { db: Registry["db"] } => {
    const c = context();
    return Object.assign(c, { db: c.registry.db });
  };
  return {
    "evaluation:import": async (req) => {
      const { db, actor, changed } = ctx();
      const file = path.resolve(req.path);
      const text = readFileText(file);
      const lookup = registryLookup(db);
      const fileName = path.basename(file);
      if (req.kind === "truth") {
        const v = validateTruthFile(file, text, lookup);
        if (v.errors.length > 0) return { fileName, importId: null, stored: 0, errors: v.errors };
        const entries = v.entries;
        const importId = saveTruthImport(db, fileName, entries, actor);
        changed(entries.map((e) => e.studyInstanceUid));
        return { fileName, importId, stored: entries.length, errors: [] };
      }
      const v = validateReadersCsv(text, lookup);
      if (v.errors.length > 0) return { fileName, importId: null, stored: 0, errors: v.errors };
      const importId = saveReadersImport(db, fileName, v.entries, actor);
      return { fileName, importId, stored: v.entries.length, errors: [] };
    },
    "evaluation:imports": async () => evaluationImports(ctx().db),
    "evaluation:analytics": async (req) => registryAnalytics(ctx().registry, req),
    "evaluation:report": async (req) => {
      const { db, registry } = ctx();
      const { dir, ...q } = req;
      const a = registryAnalytics(registry, q);
      if (a.composition.n === 0) {
        throw new UsageError("No study of this cohort has a final diagnosis: nothing to report.");
      }
      const batch =
        q.importId === null ? null : evaluationImports(db).find((i) => i.id === q.importId);
      const uids = cohortTruth(db, q).map((t) => t.studyInstanceUid);
      const files = writeReport(path.resolve(dir), a, {
        title: "LiverCAD evaluation report",
        generatedAt: new Date().toISOString(),
        sources: [
          { label: "Registry", value: registry.paths.database },
          {
            label: "Cohort",
            value:
              (batch
                ? `truth import #${batch.id} (${batch.fileName})`
                : "every study with a final diagnosis") +
              (q.search.trim() ? `, matching "${q.search.trim()}"` : ""),
          },
        ],
        models: modelsOf({ studies: studyResults(db, uids) }),
        appVersion: APP_VERSION,
      });
      return { files };
    },
    "evaluation:export-figure": async (req) => {
      const dir = path.resolve(req.dir);
      fs.mkdirSync(dir, { recursive: true });
      const svgFile = path.join(dir, `${req.id}.svg`);
      const pngFile = path.join(dir, `${req.id}.png`);
      fs.writeFileSync(svgFile, req.svg);
      fs.writeFileSync(pngFile, svgToPng(req.svg));
      return { files: [svgFile, pngFile] };
    },
    "truth:get": async (req) => truthOf(ctx().db, req.studyInstanceUid),
    "truth:set": async (req) => {
      const { db, actor, changed } = ctx();
      const v = setTruth(
        db,
        req.studyInstanceUid,
        { label: req.label, largestLesionMm: req.largestLesionMm },
        actor,
      );
      changed([req.studyInstanceUid]);
      return v;
    },
  };
}
