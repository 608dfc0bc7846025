// The command line's identity (issue 13 §6): the OS user, as in the app before anyone signs in.
// When the site requires a sign-in, the account with the OS user's name acts, with its role
// (UserAccess.actAsOsAccount explains why no password is asked); without such an enabled account
// every command that reads or changes the registry's people or settings is refused.
import os from "node:os";
import type { Permission } from "../../contract/users";
import type { Db } from "../../registry";
import { UserAccess } from "./access";

export function osUserName(): string {
  try {
    return os.userInfo().username || "cli";
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "cli";
  }
}

/** The CLI's access for one command; throws SignInError / PermissionError when refused. */
export function cliAccess(db: Db, permission?: Permission, what = "command line"): UserAccess {
  const access = new UserAccess(() => db, osUserName());
  if (access.signInRequired()) access.actAsOsAccount();
  if (permission !== undefined) access.require(permission, what);
  return access;
}
