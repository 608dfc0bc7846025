// `livercad assign`: a person's override of the sequence rules for one study, stored and audited
// (issue 3 §2); or, with only a study, the rules run again over its stored series.
import os from "node:os";
import { SEQUENCES } from "../../contract/domain";
import { UsageError } from "../../contract/errors";
import { getStudy } from "../../registry";
import { overrideSequence, runAssignment } from "../../services/import";
import { assignStudySequences } from "../../services/import/defaults";
import { openServices } from "../../services/compose";
import { stringOption, type Command } from "../command";
import { cliAccess } from "../../services/users/cli-access";

function actor(): string {
  try {
    return os.userInfo().username || "cli";
  } catch {
    return "cli";
  }
}

export const assignCommand: Command = {
  name: "assign",
  summary: "Override which series is a study's T1_pre / T2 / T1_arterial / T1_venous / DWI.",
  usage: "<study> [<sequence> (<series> | --clear)] [--reason TEXT] [--db FILE]",
  help: [
    `Sequences: ${SEQUENCES.join(", ")}`,
    "",
    "  livercad assign <study> <sequence> <series>   use <series> for <sequence> (audited)",
    "  livercad assign <study> <sequence> --clear    drop the override; the rules decide again",
    "  livercad assign <study>                       run the rules again and show the result",
    "",
    "Options:",
    "  --reason TEXT   why, stored in the audit log with the override",
    "  --db FILE       registry database (default: the data directory's registry.sqlite)",
  ].join("\n"),
  options: {
    db: { type: "string" },
    clear: { type: "boolean" },
    reason: { type: "string" },
  },
  allowPositionals: true,
  async run(args) {
    const [study, sequence, series, ...extra] = args.positionals;
    const clear = args.values.clear === true;
    if (study === undefined || extra.length > 0)
      throw new UsageError("Expected <study> [<sequence> <series>].");
    if (sequence !== undefined && (series === undefined) === !clear) {
      throw new UsageError("Give either a <series> or --clear after the sequence.");
    }
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      if (!getStudy(registry.db, study)) throw new UsageError(`No study ${study} in the registry.`);
      if (sequence === undefined) {
        runAssignment(registry, study, assignStudySequences);
      } else {
        // With a required sign-in the OS user's account must be a radiologist or admin (§6).
        const access = cliAccess(registry.db, "override-assignment", "assign");
        overrideSequence(registry, {
          studyInstanceUid: study,
          sequence,
          seriesInstanceUid: clear ? null : series!,
          actor: access.signInRequired() ? access.actor() : actor(),
          reason: stringOption(args, "reason"),
        });
      }
      const s = getStudy(registry.db, study)!;
      for (const q of SEQUENCES) {
        const a = s.sequences[q];
        console.log(
          `${q.padEnd(12)} ${a ? `${a.seriesInstanceUid}  (${a.source}: ${a.rule})` : "missing"}`,
        );
      }
      console.log(`Status: ${s.status}`);
      return 0;
    } finally {
      await services.close();
    }
  },
};
