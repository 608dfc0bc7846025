// The access check in front of every service call (issue 13 §6): wraps the handler table so each
// channel is checked before its handler runs, whichever transport (Electron IPC, the loopback
// bridge) delivered it. A refusal is a client error (SIGN_IN or FORBIDDEN) naming what is needed.
import type { Channel, Request } from "../../contract/ipc";
import type { Permission } from "../../contract/users";
import type { Handlers } from "../workstation/service";
import type { UserAccess } from "./access";

/** What the sign-in screen needs before anyone is signed in. */
const OPEN_CHANNELS: ReadonlySet<Channel> = new Set<Channel>([
  "app:info",
  "auth:session",
  "auth:sign-in",
  "auth:sign-out",
]);

/** The permission a request needs, or null when every signed-in user may make it. */
export function channelPermission(channel: Channel, req: unknown): Permission | null {
  switch (channel) {
    case "assignment:override":
      return "override-assignment";
    case "site:set":
    case "network:save-settings":
      return "change-site-settings";
    case "users:list":
    case "users:add":
    case "users:update":
      return "manage-users";
    case "export:start":
      // Every format but the de-identified one carries the patient's name and ID (issue 15).
      return (req as Request<"export:start">).format === "deid" ? null : "export-identities";
    case "results:export":
    case "results:send":
      // The SR and GSPS carry the patient's name and ID (issue 15 §1).
      return "export-identities";
    case "study:delete":
      return "delete-studies";
    default:
      return null;
  }
}

export function checkAccess(access: UserAccess, channel: Channel, req: unknown): void {
  if (OPEN_CHANNELS.has(channel)) return;
  access.requireSignedIn();
  const permission = channelPermission(channel, req);
  if (permission !== null) access.require(permission, channel);
}

export function guardHandlers(handlers: Handlers, access: UserAccess): Handlers {
  const guarded: Record<string, (req: unknown) => Promise<unknown>> = {};
  for (const [channel, handler] of Object.entries(handlers) as [
    Channel,
    (req: unknown) => Promise<unknown>,
  ][]) {
    guarded[channel] = async (req) => {
      checkAccess(access, channel, req);
      return handler(req);
    };
  }
  return guarded as Handlers;
}
