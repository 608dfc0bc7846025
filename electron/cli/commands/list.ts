// `livercad list`: the registry's studies with their status and sequences. The patient column is
// the user's own output on their own workstation; it is never written to logs.
import { SEQUENCES } from "../../contract/domain";
import { listStudies, type StudySummary } from "../../registry";
import { openServices } from "../../services/compose";
import { stringOption, type Command } from "../command";

function formatDate(da: string): string {
  return /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : da;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function studyTable(studies: StudySummary[]): string {
  const header = ["STUDY", "PATIENT", "ID", "DATE", "STATUS", "SEQUENCES", "MISSING"];
  const rows = studies.map((s) => [
    s.studyInstanceUid,
    s.patientName.replace(/\^+/g, " ").trim(),
    s.patientId,
    formatDate(s.studyDate),
    s.status,
    `${SEQUENCES.length - s.missing.length}/${SEQUENCES.length}`,
    s.missing.length > 0 ? s.missing.join(", ") : "-",
  ]);
  return table([header, ...rows]);
}

export const listCommand: Command = {
  name: "list",
  summary: "List the studies in the registry with their status and sequences.",
  usage: "[--db FILE] [--json]",
  help: [
    "Options:",
    "  --db FILE   registry database (default: the data directory's registry.sqlite)",
    '  --json      print {"studies": [...]} instead of a table',
  ].join("\n"),
  options: { db: { type: "string" }, json: { type: "boolean" } },
  async run(args) {
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      const studies = listStudies(registry.db);
      if (args.values.json === true) {
        console.log(JSON.stringify({ studies }, null, 2));
      } else if (studies.length === 0) {
        console.log(`No studies in ${registry.paths.database}.`);
      } else {
        console.log(studyTable(studies));
      }
      return 0;
    } finally {
      await services.close();
    }
  },
};
