// The renderer's one door to the services: `window.api` from the Electron preload, or the same
// typed API over the loopback bridge when the page is served by `npm run dev:web` or the tests.
// Both are derived from the contract (electron/contract/ipc.ts), so calls type-check alike.
import type {
  Api,
  Channel,
  Request,
  Response,
  Result,
  ServiceEvent,
} from "../electron/contract/ipc";
import { CHANNEL_NAMES } from "../electron/contract/ipc";
import { decodeWire } from "../electron/bridge/wire";

declare global {
  interface Window {
    api?: Api;
  }
}

const TOKEN_HEADER = "x-livercad-token";

/** The bridge token: read once from ?token= and removed from the address bar. */
function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl !== null) {
    sessionStorage.setItem("livercad-token", fromUrl);
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem("livercad-token") ?? "";
}

function bridgeApi(): Api {
  const token = takeToken();
  const listeners = new Set<(e: ServiceEvent) => void>();
  let streaming = false;

  async function stream(): Promise<void> {
    streaming = true;
    for (;;) {
      try {
        const res = await fetch("/api/events", { headers: { [TOKEN_HEADER]: token } });
        if (!res.ok || res.body === null) throw new Error(`events: HTTP ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!frame.startsWith("data: ")) continue;
            const event = JSON.parse(frame.slice(6)) as ServiceEvent;
            for (const l of listeners) l(event);
          }
        }
      } catch {
        // The bridge went away or restarted: retry after a pause, as EventSource would.
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  const api = {
    onEvent(listener: (e: ServiceEvent) => void) {
      listeners.add(listener);
      if (!streaming) void stream();
      return () => listeners.delete(listener);
    },
  } as Partial<Api> as Record<string, unknown>;
  for (const channel of CHANNEL_NAMES) {
    api[channel] = async (request: unknown): Promise<Result<unknown>> => {
      try {
        const res = await fetch(`/api/${encodeURIComponent(channel)}`, {
          method: "POST",
          headers: { "content-type": "application/json", [TOKEN_HEADER]: token },
          body: JSON.stringify(request),
        });
        if (!res.ok) {
          return { ok: false, error: { code: `HTTP_${res.status}`, message: await res.text() } };
        }
        return decodeWire(await res.arrayBuffer()) as Result<unknown>;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return { ok: false, error: { code: "BRIDGE", message } };
      }
    };
  }
  return api as unknown as Api;
}

export const api: Api = window.api ?? bridgeApi();

/** A window event: a call was refused for want of a sign-in (see useSession). */
export const SIGN_IN_NEEDED = "livercad:sign-in-needed";

/** Calls a channel and throws its error, for code paths that show errors in one place. */
export async function call<C extends Channel>(
  channel: C,
  request: Request<C>,
): Promise<Response<C>> {
  const fn = api[channel] as (r: Request<C>) => Promise<Result<Response<C>>>;
  const result = await fn(request);
  if (!result.ok) {
    // Issue 13 §6: the service asks for a sign-in (required now, or the account was disabled):
    // the session hook re-reads the session and shows the sign-in screen.
    if (result.error.code === "SIGN_IN" && channel !== "auth:sign-in") {
      window.dispatchEvent(new Event(SIGN_IN_NEEDED));
    }
    throw new ApiError(result.error.code, result.error.message);
  }
  return result.value;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
