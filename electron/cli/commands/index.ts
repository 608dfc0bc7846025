// Every `livercad` sub-command, in the order `--help` lists them. Add a command by adding a file
// beside this one and one line here.
import type { Command } from "../command";
import { demoCommand } from "./demo";
import { phantomCommand } from "./phantom";

export const COMMANDS: Command[] = [demoCommand, phantomCommand];
