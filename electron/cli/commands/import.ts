// `livercad import <path...>`: files, folders and DICOMDIRs into the managed store and registry.
// The progress bar goes to stderr and only to a terminal, so redirected output stays a clean
// summary. Nothing printed here names a patient: study UIDs identify studies.
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../contract/errors";
import {
  importPaths,
  reportDocument,
  type ImportProgress,
  type ImportReport,
} from "../../services/import";
import { assignStudySequences, readInstance } from "../../services/import/defaults";
import { openServices } from "../../services/compose";
import { auditCliImport } from "../../services/site/audit-events";
import { asImportJob } from "../../services/site/cli-import-job";
import { stringOption, type Command } from "../command";

const BAR_WIDTH = 30;

function progressLine(p: ImportProgress): string {
  const fraction = p.total === 0 ? 1 : p.done / p.total;
  const filled = Math.round(fraction * BAR_WIDTH);
  return (
    `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${p.done}/${p.total} files  ` +
    `imported ${p.imported}  skipped ${p.skipped}  duplicates ${p.duplicates}  rejected ${p.rejected}`
  );
}

/** The console summary; rejected files are listed (up to `maxRejected`) with their reasons. */
export function summaryText(report: ImportReport, maxRejected = 20): string {
  const s = report.summary;
  const lines = [
    `Files: ${s.files}  imported ${s.imported}  skipped ${s.skipped}  ` +
      `duplicates ${s.duplicates}  rejected ${s.rejected}  (${s.seconds.toFixed(1)} s)`,
    `Studies: ${s.studies}  complete ${s.complete}  incomplete ${s.incomplete}`,
  ];
  for (const st of report.studies) {
    const state = st.complete ? "complete" : `incomplete: missing ${st.missing.join(", ")}`;
    lines.push(
      `  ${st.studyInstanceUid}  ${st.seriesCount} series, ${st.instanceCount} instances  ${state}` +
        (st.error ? `  (${st.error})` : ""),
    );
  }
  const rejected = report.files.filter((f) => f.outcome === "rejected");
  if (rejected.length > 0) {
    lines.push("Rejected:");
    for (const f of rejected.slice(0, maxRejected)) lines.push(`  ${f.path}: ${f.reason}`);
    if (rejected.length > maxRejected) {
      lines.push(`  ... and ${rejected.length - maxRejected} more (see --json)`);
    }
  }
  return lines.join("\n");
}

export const importCommand: Command = {
  name: "import",
  summary: "Import DICOM files, folders (recursively) and DICOMDIRs into the registry.",
  usage: "<path...> [--db FILE] [--json report.json]",
  help: [
    "Options:",
    "  --db FILE     registry database (default: the data directory's registry.sqlite);",
    "                instances are copied to store/ beside it",
    "  --json FILE   write the per-file and per-study report as JSON",
    "",
    "Bad files are reported and skipped; the exit code is 0 whenever the import ran.",
  ].join("\n"),
  options: { db: { type: "string" }, json: { type: "string" } },
  allowPositionals: true,
  async run(args) {
    if (args.positionals.length === 0) throw new UsageError("Give at least one file or folder.");
    const jsonPath = stringOption(args, "json");
    // Copies a killed import left half-written go first (issue 12 §4).
    const services = openServices({ dbFile: stringOption(args, "db"), sweepTemporaries: true });
    const { registry } = services;
    const tty = process.stderr.isTTY === true;
    let lastDraw = 0;
    try {
      // A jobs row like the app's imports: a deletion waits for it, the app's panel lists it.
      const report = await asImportJob(registry.db, args.positionals, (jobProgress) =>
        importPaths(registry, args.positionals, {
          read: readInstance,
          assign: assignStudySequences,
          onProgress: (p) => {
            jobProgress(p);
            if (!tty) return;
            const now = Date.now();
            // ~10 redraws a second: a redraw per file would cost more than the import.
            if (now - lastDraw < 100 && p.done < p.total) return;
            lastDraw = now;
            process.stderr.write(`\r${progressLine(p)}`);
          },
        }),
      );
      if (tty) process.stderr.write("\n");
      auditCliImport(registry.db, services.actor, "import", args.positionals.length, report);
      if (jsonPath) {
        fs.mkdirSync(path.dirname(path.resolve(jsonPath)), { recursive: true });
        fs.writeFileSync(jsonPath, `${JSON.stringify(reportDocument(report), null, 2)}\n`);
      }
      console.log(summaryText(report));
      return 0;
    } finally {
      await services.close();
    }
  },
};
