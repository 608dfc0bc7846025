// The shape of one `livercad` sub-command. Commands are thin: they parse arguments, call services
// and print; behaviour lives in the services so the Electron app shares it.
import type { ParseArgsConfig } from "node:util";
import { UsageError } from "../contract/errors";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  /** Usage text after `livercad <name>`, e.g. "--out DIR --studies N [--seed S]". */
  usage: string;
  /** Longer help: option descriptions, examples. */
  help?: string;
  options: OptionSpec;
  allowPositionals?: boolean;
  /** Returns the process exit code. */
  run(args: ParsedArgs): Promise<number>;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

export function intOption(args: ParsedArgs, name: string, fallback: number): number {
  const v = stringOption(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got "${v}"`);
  return n;
}
