// OAuth 2.0 client credentials (RFC 6749 4.4) for a DICOMweb service behind an identity provider
// (Keycloak, Azure AD, ...): the access token is requested from the provider's token endpoint with
// the client's id and secret, sent as "Authorization: Bearer" (RFC 6750), kept until shortly
// before it expires and renewed then, or at once when the service answers 401 (a token revoked or
// expired early; dicomweb.ts retries that request once). The secret is read from an environment
// variable at each token request, as `authEnv` is: it is never written to network.json, a log or
// an error message.
import { errorMessage } from "../../contract/errors";
import { NetworkError } from "./scu";

export interface OAuthClient {
  /** The provider's token endpoint, e.g. https://idp/realms/site/protocol/openid-connect/token. */
  tokenUrl: string;
  clientId: string;
  /** The environment variable holding the client secret. */
  secretEnv: string;
  /** Space-separated scopes to ask for; absent: the provider's default. */
  scope?: string;
}

interface Token {
  value: string;
  /** ms since the epoch after which it is renewed before use; Infinity: until a 401. */
  renewAt: number;
}

interface Entry {
  token?: Token;
  pending?: Promise<Token>;
}

/** Renewed this long before the provider's expiry (at most a tenth of the token's life). */
const RENEW_MARGIN_MS = 60_000;

const cache = new Map<string, Entry>();

function cacheKey(client: OAuthClient): string {
  return [client.tokenUrl, client.clientId, client.scope ?? ""].join("\n");
}

/** Forgets every token (tests; a settings change keys a different entry anyway). */
export function forgetTokens(): void {
  cache.clear();
}

/**
 * The access token for `client`: the cached one while it is fresh, else a new one (concurrent
 * callers share one token request). `stale` is a token the service just refused: it is dropped
 * and a new one requested unless another caller has already replaced it.
 */
export async function accessToken(
  node: string,
  client: OAuthClient,
  timeoutMs: number,
  stale?: string,
): Promise<string> {
  const key = cacheKey(client);
  let entry = cache.get(key);
  if (!entry) {
    entry = {};
    cache.set(key, entry);
  }
  if (entry.token && (entry.token.value === stale || Date.now() >= entry.token.renewAt)) {
    delete entry.token;
  }
  if (entry.token) return entry.token.value;
  const e = entry;
  const pending =
    e.pending ??
    requestToken(node, client, timeoutMs)
      .then((token) => {
        e.token = token;
        return token;
      })
      .finally(() => {
        delete e.pending;
      });
  e.pending = pending;
  return (await pending).value;
}

function secretOf(node: string, client: OAuthClient): string {
  const secret = process.env[client.secretEnv];
  if (!secret) {
    throw new NetworkError(
      `${node}: its OAuth client secret comes from the environment variable ${client.secretEnv}, which is not set.`,
    );
  }
  return secret;
}

/** RFC 6749 2.3.1: the id and the secret form-urlencoded, then joined for HTTP Basic. */
function basicCredentials(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64");
}

async function requestToken(node: string, client: OAuthClient, timeoutMs: number): Promise<Token> {
  const secret = secretOf(node, client);
  const where = `${node}: token request to ${client.tokenUrl}`;
  const body = new URLSearchParams({ grant_type: "client_credentials" });
  if (client.scope) body.set("scope", client.scope);
  const asked = Date.now();
  let res: Response;
  try {
    res = await fetch(client.tokenUrl, {
      method: "POST",
      headers: {
        Authorization: `Basic ${basicCredentials(client.clientId, secret)}`,
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
      },
      body: body.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new NetworkError(`${where}: ${errorMessage(cause ?? err)}`, { cause: err });
  }
  const text = await res.text().catch(() => "");
  let answer: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) answer = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: judged by the status below.
  }
  if (!res.ok) {
    // RFC 6749 5.2: "error" and an optional "error_description".
    const code = typeof answer.error === "string" ? answer.error : "";
    const description =
      typeof answer.error_description === "string" ? answer.error_description : "";
    const detail = [code, description].filter(Boolean).join(": ");
    const hint =
      code === "invalid_client" || res.status === 401
        ? ` (the client id ${client.clientId} or the secret in ${client.secretEnv} was refused)`
        : code === "invalid_scope"
          ? ` (the scope "${client.scope ?? ""}" was refused)`
          : "";
    throw new NetworkError(
      `${where}: HTTP ${res.status} ${res.statusText}${detail ? `: ${detail}` : ""}${hint}`,
    );
  }
  const value = answer.access_token;
  if (typeof value !== "string" || value === "") {
    throw new NetworkError(`${where}: the answer has no access_token`);
  }
  const type = typeof answer.token_type === "string" ? answer.token_type : "";
  if (type.toLowerCase() !== "bearer") {
    throw new NetworkError(
      `${where}: token type "${type}" is not supported (a Bearer token is, RFC 6750)`,
    );
  }
  const expiresIn = Number(answer.expires_in);
  // Without expires_in (RFC 6749 5.1: RECOMMENDED) the token is used until the service refuses it.
  const lifeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : Infinity;
  const margin = Math.min(RENEW_MARGIN_MS, lifeMs / 10);
  return { value, renewAt: asked + lifeMs - margin };
}
