// Every `livercad` sub-command, in the order `--help` lists them. Add a command by adding a file
// beside this one and one line here.
import type { Command } from "../command";
import { analyzeCommand } from "./analyze";
import { assignCommand } from "./assign";
import { demoCommand } from "./demo";
import { evaluateCommand } from "./evaluate";
import { exportCommand } from "./export";
import { exportTrainingCommand } from "./export-training";
import { importCommand } from "./import";
import { listCommand } from "./list";
import { listenCommand } from "./listen";
import { echoCommand, nodesCommand, queryCommand, sendCommand } from "./network";
import { retrieveCommand } from "./retrieve";
import { phantomCommand } from "./phantom";
import { worklistCommand } from "./worklist";
import { calibrateCommand } from "./calibrate";
import { settingsCommand } from "./settings";
import { auditCommand } from "./audit";
import { backupCommand, restoreCommand } from "./backup";
import { usersCommand } from "./users";
import { modelsCommand } from "./models";
import { deleteCommand, retentionCommand } from "./delete";

export const COMMANDS: Command[] = [
  demoCommand,
  phantomCommand,
  importCommand,
  listCommand,
  assignCommand,
  analyzeCommand,
  worklistCommand,
  evaluateCommand,
  exportTrainingCommand,
  calibrateCommand,
  settingsCommand,
  auditCommand,
  backupCommand,
  restoreCommand,
  listenCommand,
  nodesCommand,
  echoCommand,
  queryCommand,
  retrieveCommand,
  sendCommand,
  exportCommand,
  usersCommand,
  modelsCommand,
  deleteCommand,
  retentionCommand,
];
