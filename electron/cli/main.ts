// `livercad`: the command-line shell over the same services the Electron app uses.
import { parseArgs } from "node:util";
import { AppError, errorMessage } from "../contract/errors";
import type { Command } from "./command";
import { COMMANDS } from "./commands/index";

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "LiverCAD Workstation: multi-phase liver MRI lesion localization and characterization.",
    "",
    "Usage: livercad <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `livercad <command> --help` for a command's options.",
    "Data directory: $LIVERCAD_HOME, else the per-user application data folder.",
  ].join("\n");
}

function commandHelp(cmd: Command): string {
  return [
    `Usage: livercad ${cmd.name} ${cmd.usage}`,
    "",
    cmd.summary,
    cmd.help ? `\n${cmd.help}` : "",
  ]
    .join("\n")
    .trimEnd();
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    console.log(process.env.npm_package_version ?? "0.1.0");
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`livercad: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(commandHelp(cmd));
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: cmd.options,
      allowPositionals: cmd.allowPositionals ?? false,
      strict: true,
    });
  } catch (err) {
    console.error(`livercad ${cmd.name}: ${errorMessage(err)}\n\n${commandHelp(cmd)}`);
    return 2;
  }
  try {
    return await cmd.run(parsed);
  } catch (err) {
    const code = err instanceof AppError ? ` [${err.code}]` : "";
    console.error(`livercad ${cmd.name}: error${code}: ${errorMessage(err)}`);
    if (process.env.LIVERCAD_DEBUG && err instanceof Error) console.error(err.stack);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
