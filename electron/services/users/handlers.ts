// The auth:* and users:* channels of the contract (issue 13 §6), spread into the workstation
// service's handler table like the site channels. Access is checked before these run (guard.ts).
import type { Db } from "../../registry";
import type { Handlers } from "../workstation/service";
import type { UserAccess } from "./access";
import {
  addUser,
  getUser,
  listUsers,
  setUserDisplayName,
  setUserEnabled,
  setUserPassword,
  setUserRole,
} from "./accounts";

type UserChannels =
  "auth:session" | "auth:sign-in" | "auth:sign-out" | "users:list" | "users:add" | "users:update";

export function userHandlers(
  context: () => { db: Db; access: UserAccess; changed: () => void },
): Pick<Handlers, UserChannels> {
  return {
    "auth:session": async () => context().access.session(),
    "auth:sign-in": async (req) => {
      const { access, changed } = context();
      const session = access.signIn(req.username, req.password);
      changed();
      return session;
    },
    "auth:sign-out": async () => {
      const { access, changed } = context();
      const session = access.signOut();
      changed();
      return session;
    },
    "users:list": async () => listUsers(context().db),
    "users:add": async (req) => {
      const { db, access } = context();
      return addUser(db, req, access.actor());
    },
    "users:update": async (req) => {
      const { db, access } = context();
      const actor = access.actor();
      if (req.displayName !== undefined)
        setUserDisplayName(db, req.username, req.displayName, actor);
      if (req.role !== undefined) setUserRole(db, req.username, req.role, actor);
      if (req.enabled !== undefined) setUserEnabled(db, req.username, req.enabled, actor);
      if (req.password !== undefined) setUserPassword(db, req.username, req.password, actor);
      return getUser(db, req.username);
    },
  };
}
