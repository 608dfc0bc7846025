// `livercad audit`: the audit log, filtered, as a table or CSV (issue 13 §6). The app's Audit
// screen reads the same query (registry/audit-query.ts) and writes the same CSV.
import fs from "node:fs";
import { auditCsv, queryAudit } from "../../registry";
import { openServices } from "../../services/compose";
import { intOption, stringOption, type Command } from "../command";

export const auditCommand: Command = {
  name: "audit",
  summary: "Show or export the audit log (who did what, when).",
  usage:
    "[--since DATE] [--until DATE] [--user NAME] [--action A] [--study UID] [--csv FILE] [--db FILE]",
  help: [
    "Options:",
    "  --since/--until DATE  ISO date or time bounds (a bare date includes the whole day)",
    "  --user NAME           one user's actions",
    "  --action A            one action (study.open, import, analysis.request, analysis.result,",
    "                        assignment.override, review.update, worklist.threshold, export,",
    "                        audit.export, site-setting, backup, restore ...) or a prefix with '.'",
    "  --study UID           one study",
    "  --limit N             newest N rows (default all)",
    "  --csv FILE            write CSV (UTF-8 with BOM, formulas escaped) instead of a table",
  ].join("\n"),
  options: {
    db: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    user: { type: "string" },
    action: { type: "string" },
    study: { type: "string" },
    limit: { type: "string" },
    csv: { type: "string" },
  },
  async run(args) {
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      const rows = queryAudit(registry.db, {
        since: stringOption(args, "since"),
        until: stringOption(args, "until"),
        actor: stringOption(args, "user"),
        action: stringOption(args, "action"),
        studyInstanceUid: stringOption(args, "study"),
        limit: intOption(args, "limit", 100_000),
      });
      const csv = stringOption(args, "csv");
      if (csv) {
        fs.writeFileSync(csv, auditCsv(rows));
        console.log(`${rows.length} audit rows written to ${csv}`);
      } else {
        for (const r of rows) {
          console.log(
            [r.at, r.actor, r.action, r.studyInstanceUid ?? "-", JSON.stringify(r.details)].join(
              "  ",
            ),
          );
        }
        console.log(`${rows.length} audit rows`);
      }
      return 0;
    } finally {
      await services.close();
    }
  },
};
