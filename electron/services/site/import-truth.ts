// An import that always tells the truth (issue 13 §5): the app refuses relative paths (they would
// resolve against wherever the app happened to start), and every import job ends with a summary
// and, when nothing could be imported, a final "failed" state that says why: a missing path, an
// empty folder, a folder of non-DICOM files. Never an endless "reading files".
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../contract/errors";
import type { ImportJobSummary } from "../../contract/ipc";
import type { ImportReport } from "../import/report";

export function checkImportPaths(paths: string[]): void {
  for (const p of paths) {
    if (!path.isAbsolute(p)) {
      throw new UsageError(
        `"${p}" is a relative path: give the full path of the folder or file to import ` +
          `(for example ${process.platform === "win32" ? "D:\\DICOM" : "/media/cdrom/DICOM"}).`,
      );
    }
  }
}

/** The job's summary; `failure` is set when the import added nothing and the user must act. */
export function importSummary(
  inputs: string[],
  report: ImportReport,
): { summary: ImportJobSummary; failure: string | null } {
  const s = report.summary;
  const rejected = report.files.filter((f) => f.outcome === "rejected");
  const summary: ImportJobSummary = {
    files: s.files,
    imported: s.imported,
    duplicates: s.duplicates,
    skipped: s.skipped,
    rejected: s.rejected,
    studies: s.studies,
    complete: s.complete,
    incomplete: s.incomplete,
  };
  let failure: string | null = null;
  if (s.imported === 0 && s.duplicates === 0) {
    const what = inputs.length === 1 ? inputs[0]! : `${inputs.length} items`;
    const missing = inputs.filter((p) => !fs.existsSync(p));
    if (missing.length === inputs.length) {
      failure =
        `Nothing imported: ${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not ` +
        "exist (check that the disc or drive is mounted and the path is spelled right).";
    } else if (rejected.length === 0 && s.skipped === 0) {
      failure = `Nothing imported: no files found in ${what}.`;
    } else if (rejected.length > 0) {
      failure =
        `Nothing imported from ${what}: ${rejected.length} file(s) rejected ` +
        `(first: ${path.basename(rejected[0]!.path)}: ${rejected[0]!.reason}).`;
    } else {
      failure = `Nothing imported from ${what}: no MR images among ${s.files} file(s) (${s.skipped} skipped).`;
    }
  }
  return { summary, failure };
}
