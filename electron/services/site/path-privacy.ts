// Source paths out of the event stream (issue 12 §4). A folder picked for import is often named
// after the patient ("/media/cdrom/SMITH_JOHN"), so the import job's label, error and per-file
// errors carry identities. The import panel and the CLI report need them (the nurse must find the
// bad file) and get them from `jobs:list` / the report; the event stream (every subscriber of the
// bridge's /api/events, anything that records it) carries the job without them unless site IT
// turns verbose paths on with LIVERCAD_VERBOSE_PATHS=1 (for a support session).
import type { JobView } from "../../contract/ipc";

export const VERBOSE_PATHS_ENV = "LIVERCAD_VERBOSE_PATHS";

export function verbosePaths(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[VERBOSE_PATHS_ENV] === "1";
}

/** What stands for a path in a job event. */
export const HIDDEN_PATH = "[path]";

/**
 * The job as the event stream carries it: every input path and every rejected file's path
 * replaced in label, stage and error; per-file errors left out (the panel reads them with
 * jobs:list when the job ends). Analysis jobs carry no paths and pass unchanged.
 */
export function withoutPaths(job: JobView, inputs: string[]): JobView {
  if (job.kind !== "import") return job;
  // Longest first, so "/a/b/c.dcm" is hidden whole before "/a/b" would split it.
  const paths = [...new Set([...inputs, ...job.fileErrors.map((f) => f.path)])]
    .filter((p) => p.length > 0)
    .sort((a, b) => b.length - a.length);
  const hide = (text: string | null): string | null => {
    if (text === null) return null;
    let out = text;
    for (const p of paths) out = out.split(p).join(HIDDEN_PATH);
    return out;
  };
  return {
    ...job,
    label: inputs.length === 1 ? "1 folder or file" : `${inputs.length} folders or files`,
    stage: hide(job.stage),
    error: hide(job.error),
    fileErrors: [],
    pathsHidden: true,
  };
}
