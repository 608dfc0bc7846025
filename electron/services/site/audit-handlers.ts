// The Audit screen's channels (issue 13 §6): a filtered page of the log and its CSV export. The
// CSV is the one `livercad audit --csv` writes (registry/audit-query.ts: BOM, csv-stringify with
// formula escaping), and exporting it is itself audited. Spread into the workstation's handlers.
import fs from "node:fs";
import path from "node:path";
import type { AuditFilterRequest } from "../../contract/audit";
import { UsageError } from "../../contract/errors";
import { ExportError } from "../export/service";
import { appendAudit, type Registry } from "../../registry";
import { auditChoices, auditCsv, countAudit, queryAudit, type AuditFilter } from "../../registry";
import type { Handlers } from "../workstation/service";

export interface AuditContext {
  registry: Registry;
  actor: () => string;
}

/** The page the screen shows when it asks for no limit. */
const PAGE = 500;

/** An ISO time with an offset becomes UTC (the log's `at` is compared as text); a date stays. */
function instant(s: string | undefined): string | undefined {
  if (s === undefined || /^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  return new Date(s).toISOString();
}

export function toAuditFilter(req: AuditFilterRequest): AuditFilter {
  const since = instant(req.since);
  const until = instant(req.until);
  // A bare "until" date takes the whole day (registry/audit-query.ts).
  const end = until !== undefined && until.length === 10 ? `${until}T23:59:59.999Z` : until;
  if (since !== undefined && end !== undefined && since > end) {
    throw new UsageError(
      `The date range is empty: "from" (${req.since}) is after "to" (${req.until}).`,
    );
  }
  return {
    since,
    until,
    actor: req.user,
    action: req.action,
    studyInstanceUid: req.studyInstanceUid,
  };
}

/** `audit-20261205-101500.csv` in local time: sorts by when it was made. */
function csvName(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return (
    `audit-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-` +
    `${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.csv`
  );
}

export function auditHandlers(
  context: () => AuditContext,
): Pick<Handlers, "audit:query" | "audit:export"> {
  return {
    "audit:query": async (req) => {
      const { registry } = context();
      const { limit, ...filter } = req;
      const f = toAuditFilter(filter);
      return {
        rows: queryAudit(registry.db, { ...f, limit: limit ?? PAGE }),
        total: countAudit(registry.db, f),
        ...auditChoices(registry.db),
      };
    },
    "audit:export": async (req) => {
      const { registry, actor } = context();
      const { outDir: raw, ...filter } = req;
      const outDir = raw.trim();
      if (!path.isAbsolute(outDir)) {
        throw new UsageError(
          `The output folder must be an absolute path (for example /home/me/audit), not "${outDir}".`,
        );
      }
      const f = toAuditFilter(filter);
      const rows = queryAudit(registry.db, f);
      const file = path.join(outDir, csvName(new Date()));
      try {
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(file, auditCsv(rows), { mode: 0o600, flag: "wx" });
      } catch (e) {
        throw new ExportError(`Cannot write the audit CSV in ${outDir}: ${(e as Error).message}`);
      }
      appendAudit(registry.db, {
        actor: actor(),
        action: "audit.export",
        studyRef: null,
        // The filter, not the folder: a folder name can carry a name too.
        details: { rows: rows.length, filter: { ...filter } },
      });
      return { file, rows: rows.length };
    },
  };
}
