// `livercad export`: results out of the workstation (issue 15): DICOM SR and GSPS, case sheets
// (CSV, XLSX, PDF) and the de-identified study copy, written to a folder.
import { UsageError } from "../../contract/errors";
import { auditCliExport } from "../../services/site/audit-events";
import { openServices } from "../../services/compose";
import {
  EXPORT_FORMATS,
  ExportCancelledError,
  exportStudies,
  type ExportFormat,
} from "../../services/export/service";
import { cliAccess } from "../../services/users/cli-access";
import { stringOption, type Command } from "../command";

export const exportCommand: Command = {
  name: "export",
  summary: "Export results: DICOM SR / GSPS, case sheets (CSV, XLSX, PDF), de-identified DICOM.",
  usage: "--format csv|xlsx|pdf|sr|gsps|deid --out DIR [--db FILE] [--studies UID,...]",
  help: [
    "Options:",
    "  --format F        csv | xlsx | pdf | sr | gsps | deid",
    "  --out DIR         output folder (created when missing)",
    "  --studies UIDS    comma-separated Study Instance UIDs (default: every analyzed study)",
    "  --key             deid: also write key.csv (pseudonym -> identity); keep it apart",
    "  --json FILE       write the per-file report as JSON",
    "  --db FILE         registry database",
    "Exit code 0 when every file was written, 1 when some failed (each is listed).",
    "Ctrl-C (SIGINT) stops between files and removes what this run wrote; exit code 130.",
  ].join("\n"),
  options: {
    format: { type: "string" },
    out: { type: "string" },
    studies: { type: "string" },
    key: { type: "boolean" },
    json: { type: "string" },
    db: { type: "string" },
  },
  async run(args) {
    const format = stringOption(args, "format");
    if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(", ")}`);
    }
    const out = stringOption(args, "out");
    if (!out) throw new UsageError("--out DIR is required");
    const studiesArg = stringOption(args, "studies");
    const studies = studiesArg
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    // SIGINT stops the export between files instead of killing it mid-file (issue 15).
    const stop = new AbortController();
    const onSigint = (): void => {
      console.error("export: stopping after the current file (SIGINT)…");
      stop.abort();
    };
    process.once("SIGINT", onSigint);
    try {
      // Every format but deid carries names and IDs: coordinator or admin when sign-in is required.
      if (format !== "deid") cliAccess(registry.db, "export-identities", `export ${format}`);
      let report;
      try {
        report = await exportStudies(registry, {
          format: format as ExportFormat,
          out,
          studies,
          writeKey: args.values.key === true,
          signal: stop.signal,
        });
      } catch (e) {
        if (!(e instanceof ExportCancelledError)) throw e;
        console.log(`cancelled=1 removed=${e.removed} format=${format} out=${out}`);
        return 130;
      }
      const failed = report.files.filter((f) => f.outcome === "error");
      auditCliExport(registry.db, services.actor, {
        format: report.format,
        studies: report.studies,
        written: report.files.length - failed.length,
        errors: failed.length,
        key: args.values.key === true,
        selected: studies !== undefined,
      });
      for (const f of failed) {
        console.error(`error: ${f.file || f.studyInstanceUid}: ${f.reason}`);
      }
      const jsonOut = stringOption(args, "json");
      if (jsonOut) {
        const fs = await import("node:fs");
        fs.writeFileSync(jsonOut, JSON.stringify(report, null, 2));
      }
      console.log(
        `format=${report.format} studies=${report.studies} written=${report.files.length - failed.length} errors=${failed.length} out=${report.out}`,
      );
      return failed.length > 0 ? 1 : 0;
    } finally {
      process.removeListener("SIGINT", onSigint);
      await services.close();
    }
  },
};
