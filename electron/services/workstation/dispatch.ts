// The one validating wrapper every transport calls (STYLE.md 2): the Electron IPC handler and the
// loopback bridge both hand it a channel name and an untrusted payload; it parses the payload with
// the contract's schema before the service sees it and always answers {ok, value} or
// {ok: false, error: {code, message}}. Sender checks belong to each transport (frame URL for IPC,
// token and Host for the bridge) and happen before this is called.
import { AppError, errorMessage } from "../../contract/errors";
import { CHANNELS, isChannel, type Channel, type Result } from "../../contract/ipc";
import type { Handlers } from "./service";

export async function dispatch(
  handlers: Handlers,
  channel: string,
  payload: unknown,
): Promise<Result<unknown>> {
  if (!isChannel(channel)) {
    return { ok: false, error: { code: "UNKNOWN_CHANNEL", message: `No channel "${channel}".` } };
  }
  const parsed = CHANNELS[channel].request.safeParse(payload ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    return {
      ok: false,
      error: {
        code: "INVALID_REQUEST",
        message: `Invalid ${channel} request${where}: ${issue?.message ?? "rejected"}.`,
      },
    };
  }
  try {
    const handler = handlers[channel] as (req: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err.toJSON() };
    // Unexpected errors keep their message (for the log and a support call) but no stack.
    return { ok: false, error: { code: "INTERNAL", message: errorMessage(err) } };
  }
}

export type { Channel };
