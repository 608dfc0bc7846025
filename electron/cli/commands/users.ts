// `livercad users add|list|disable|enable|passwd|role` (issue 13 §6): site IT's account tasks.
// Passwords come from standard input (first line) or a prompt that does not echo, never from the
// command line (argv is visible to every user of the machine in the process list).
import { UsageError } from "../../contract/errors";
import { ROLES } from "../../contract/users";
import { openServices } from "../../services/compose";
import {
  addUser,
  listUsers,
  setUserEnabled,
  setUserPassword,
  setUserRole,
} from "../../services/users/accounts";
import { cliAccess } from "../../services/users/cli-access";
import { stringOption, type Command } from "../command";

/** Reads a line from a terminal without echoing it. */
async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  let text = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === "\r" || ch === "\n") {
            stdin.off("data", onData);
            resolve(text);
            return;
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            reject(new UsageError("Cancelled."));
            return;
          }
          if (ch === "\u007f" || ch === "\b") text = text.slice(0, -1);
          else text += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

/** The new password: typed twice at a terminal, or the first line of piped standard input. */
export async function readPassword(username: string): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden(`New password for ${username}: `);
    const again = await promptHidden(`Again: `);
    if (first !== again) throw new UsageError("The two passwords differ; nothing was changed.");
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
  if (line.length === 0) {
    throw new UsageError(
      `No password on standard input for ${username}: pipe it in (first line) or run at a terminal to be asked.`,
    );
  }
  return line;
}

const SUBCOMMANDS = ["add", "list", "disable", "enable", "passwd", "role"] as const;

export const usersCommand: Command = {
  name: "users",
  summary: "Manage local user accounts (admin): add, list, disable, enable, passwd, role.",
  usage:
    "add NAME --role ROLE [--name DISPLAY] | list | disable NAME | enable NAME | passwd NAME | role NAME ROLE [--db FILE]",
  help: [
    `Roles: ${ROLES.join(", ")}.`,
    '  add NAME --role ROLE [--name "Display Name"]   new account; password from stdin or a prompt',
    "  list                                            every account: role, enabled, locked, last sign-in",
    "  disable NAME | enable NAME                      an account that may (not) sign in",
    "  passwd NAME                                     new password (stdin or prompt); lifts a lockout",
    "  role NAME ROLE                                  change an account's role",
    "Passwords are never taken from the command line. Every change is audited.",
    "When the site requires a sign-in (livercad settings requireSignIn=true) the command line",
    "acts as the account named like the OS user, which must be an enabled admin for these tasks.",
  ].join("\n"),
  options: {
    db: { type: "string" },
    role: { type: "string" },
    name: { type: "string" },
  },
  allowPositionals: true,
  async run(args) {
    const [sub, name, extra] = args.positionals;
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(`livercad users: give one of ${SUBCOMMANDS.join(", ")}.`);
    }
    if (sub !== "list" && !name) throw new UsageError(`livercad users ${sub}: give the user name.`);
    const services = openServices({ dbFile: stringOption(args, "db") });
    const { registry } = services;
    try {
      const db = registry.db;
      const actor = cliAccess(db, "manage-users", `users ${sub}`).actor();
      switch (sub) {
        case "list": {
          for (const u of listUsers(db)) {
            console.log(
              [
                `user=${u.username}`,
                `role=${u.role}`,
                `enabled=${u.enabled}`,
                `locked_until=${u.lockedUntil ?? ""}`,
                `last_sign_in=${u.lastSignInAt ?? ""}`,
                `name=${JSON.stringify(u.displayName)}`,
              ].join(" "),
            );
          }
          return 0;
        }
        case "add": {
          const role = stringOption(args, "role");
          if (!role)
            throw new UsageError(`livercad users add ${name}: give --role (${ROLES.join(", ")}).`);
          const password = await readPassword(name!);
          const u = addUser(
            db,
            { username: name!, displayName: stringOption(args, "name") ?? name!, role, password },
            actor,
          );
          console.log(`added user=${u.username} role=${u.role}`);
          return 0;
        }
        case "disable":
        case "enable": {
          const u = setUserEnabled(db, name!, sub === "enable", actor);
          console.log(`${sub}d user=${u.username} enabled=${u.enabled}`);
          return 0;
        }
        case "passwd": {
          const password = await readPassword(name!);
          const u = setUserPassword(db, name!, password, actor);
          console.log(`password changed user=${u.username}`);
          return 0;
        }
        case "role": {
          if (!extra)
            throw new UsageError(
              `livercad users role ${name}: give the role (${ROLES.join(", ")}).`,
            );
          const u = setUserRole(db, name!, extra, actor);
          console.log(`role user=${u.username} role=${u.role}`);
          return 0;
        }
        default:
          throw new UsageError(`livercad users: unknown sub-command ${sub}.`);
      }
    } finally {
      await services.close();
    }
  },
};
