// `livercad delete` and `livercad retention` (issue 13 §7): deleting a study with a reason, and
// applying the site's retention limit (`livercad settings retentionDays=N`). Both need the admin
// role when the site requires sign-in (cliAccess), print key=value lines, and audit each deletion
// as study.delete (services/site/deletion.ts).
import { deleteReason } from "../../contract/deletion";
import { UsageError } from "../../contract/errors";
import { openServices } from "../../services/compose";
import { applyRetention, deleteStudy } from "../../services/site/deletion";
import { auditRetentionRun } from "../../services/site/maintenance";
import { cliAccess, osUserName } from "../../services/users/cli-access";
import { stringOption, type Command } from "../command";

export const deleteCommand: Command = {
  name: "delete",
  summary: "Delete a study: its images, analyses, reviews and results (audited, needs a reason).",
  usage: "--study UID --reason TEXT [--db FILE]",
  help: [
    "Options:",
    "  --study UID     the Study Instance UID to delete",
    "  --reason TEXT   why (1-500 characters), kept in the audit log",
    "  --db FILE       registry database (default: the data directory's registry.sqlite)",
    "The registry rows and the audit entry go in one transaction, then the study's files in the",
    "store. Refused while an analysis or an import works on the study. Admin only when the site",
    "requires sign-in. A file that cannot be removed is printed as file_error= (exit status 1).",
  ].join("\n"),
  options: { db: { type: "string" }, study: { type: "string" }, reason: { type: "string" } },
  async run(args) {
    const study = stringOption(args, "study");
    if (!study) throw new UsageError("--study UID is required (the Study Instance UID to delete).");
    const parsed = deleteReason.safeParse(stringOption(args, "reason") ?? "");
    if (!parsed.success) {
      throw new UsageError(`--reason TEXT refused: ${parsed.error.issues[0]?.message ?? "bad"}.`);
    }
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      const access = cliAccess(registry.db, "delete-studies", "delete");
      const r = deleteStudy(registry, {
        studyInstanceUid: study,
        reason: parsed.data,
        actor: access.signInRequired() ? access.actor() : osUserName(),
        via: "cli",
      });
      console.log(`deleted=${r.studyInstanceUid}`);
      console.log(`series=${r.series}`);
      console.log(`instances=${r.instances}`);
      console.log(`analyses=${r.analyses}`);
      console.log(`files_removed=${r.filesRemoved}`);
      console.log(`files_missing=${r.filesMissing}`);
      console.log(`file_errors=${r.fileErrors.length}`);
      for (const e of r.fileErrors) console.log(`file_error=${e.path}: ${e.reason}`);
      return r.fileErrors.length > 0 ? 1 : 0;
    } finally {
      await services.close();
    }
  },
};

export const retentionCommand: Command = {
  name: "retention",
  summary: "Delete studies older than the site's retentionDays (audited); --dry-run lists them.",
  usage: "[--dry-run] [--db FILE]",
  help: [
    "Options:",
    "  --dry-run   list what would be deleted and what is kept, change nothing",
    "  --db FILE   registry database (default: the data directory's registry.sqlite)",
    "Studies that arrived (were first stored here) more than retentionDays days ago are deleted,",
    'each audited as study.delete with the reason "retention". Kept, with why: a study whose',
    "CAD result is not marked reviewed, or that an analysis or an import is working on.",
    "retentionDays=0 (the default) keeps every study: livercad settings retentionDays=N sets it.",
    "Files of deleted studies left behind (the process stopped during a deletion; older than an",
    "hour, registered nowhere) are removed too: orphan_files= (found), orphan_files_removed=.",
    "A real run is audited as retention.run with its counts; the workstation's own daily run",
    "(livercad settings retentionInApp=true) counts its day from the last such entry.",
    "Exit status 1 when a deletion failed or a file could not be removed.",
  ].join("\n"),
  options: { db: { type: "string" }, "dry-run": { type: "boolean" } },
  async run(args) {
    const dryRun = args.values["dry-run"] === true;
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      // Listing is open to every user; deleting needs the admin role when sign-in is required.
      const access = cliAccess(registry.db, dryRun ? undefined : "delete-studies", "retention");
      const actor = access.signInRequired() ? access.actor() : osUserName();
      const report = applyRetention(registry, { actor, dryRun });
      // The run itself (issue 13 §7): the app's daily schedule counts its day from this entry.
      if (!dryRun) auditRetentionRun(registry.db, actor, "cli", report);
      console.log(`retention_days=${report.retentionDays}`);
      console.log(`dry_run=${dryRun}`);
      if (report.retentionDays === 0) {
        console.log("# retentionDays=0 keeps every study (livercad settings retentionDays=N)");
      }
      let fileErrors = 0;
      let filesRemoved = 0;
      for (const s of report.studies) {
        const head = `${s.outcome} ${s.studyInstanceUid} arrived=${s.arrivedAt}`;
        const d = s.deletion;
        if (d !== null) {
          filesRemoved += d.filesRemoved;
          fileErrors += d.fileErrors.length;
          console.log(
            `${head} series=${d.series} instances=${d.instances} files_removed=${d.filesRemoved}`,
          );
          for (const e of d.fileErrors) console.log(`file_error=${e.path}: ${e.reason}`);
        } else if (s.why !== null) console.log(`${head} why=${s.why}`);
        else console.log(`${head} series=${s.series} instances=${s.instances}`);
      }
      const count = (o: string): number => report.studies.filter((s) => s.outcome === o).length;
      console.log(
        `${dryRun ? "would_delete" : "deleted"}=${count(dryRun ? "would-delete" : "deleted")}`,
      );
      console.log(`kept=${count("kept")}`);
      console.log(`failed=${count("failed")}`);
      console.log(`files_removed=${filesRemoved}`);
      for (const e of report.sweep.errors) console.log(`file_error=${e.path}: ${e.reason}`);
      fileErrors += report.sweep.errors.length;
      console.log(`file_errors=${fileErrors}`);
      // Files a deletion interrupted after its commit left behind (services/site/deletion.ts).
      console.log(`orphan_files=${report.sweep.found}`);
      console.log(`orphan_files_removed=${report.sweep.removed}`);
      return count("failed") > 0 || fileErrors > 0 ? 1 : 0;
    } finally {
      await services.close();
    }
  },
};
