// The Network settings editor's as-you-type checks, the same rules the main process applies on
// save (electron/services/network/config.ts and settings-edit.ts). Pure: no DOM, no Node.

/** PS3.5 Table 6.2-1, VR AE: 1-16 characters, no backslash, no control or non-ASCII characters. */
export function aeTitleProblem(value: string): string | null {
  const ae = value.trim();
  if (ae === "") return "required";
  if (ae.length > 16) return `${ae.length} characters; at most 16`;
  if (/[\\\x00-\x1f\x7f-\uffff]/.test(ae)) return "no backslash, control or non-ASCII character";
  return null;
}

export function portProblem(value: number): string | null {
  return Number.isInteger(value) && value >= 1 && value <= 65535 ? null : "1 to 65535";
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function ipProblem(value: string): string | null {
  const v = value.trim();
  return IPV4.test(v) || (v.includes(":") && /^[0-9a-fA-F:.]+$/.test(v)) ? null : "an IP address";
}

export function hostProblem(value: string): string | null {
  const v = value.trim();
  if (v === "") return "required";
  if (ipProblem(v) === null) return null;
  return /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
    v,
  )
    ? null
    : "an IP address or host name";
}

/** A DICOMweb base URL: http:// or https:// (settings.ts checkWebUrl). */
export function webUrlProblem(value: string): string | null {
  const v = value.trim();
  if (v === "") return "required";
  try {
    const url = new URL(v);
    return url.protocol === "http:" || url.protocol === "https:" ? null : "http:// or https://";
  } catch {
    return "a URL, e.g. http://pacs:8042/dicom-web";
  }
}

/** Empty (no login) or an environment variable's name (settings.ts ENV_NAME). */
export function envNameProblem(value: string): string | null {
  const v = value.trim();
  return v === "" || /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? null : "a variable name, e.g. PACS_AUTH";
}

/** A DICOMweb service's OAuth fields as typed (all empty: no OAuth). */
export interface OAuthEdit {
  tokenUrl?: string;
  clientId?: string;
  secretEnv?: string;
  scope?: string;
}

/**
 * The OAuth fields' problems (settings.ts checkOAuth): none when all are empty; else the token URL,
 * the client id and the secret's variable are needed, and the authorization variable must be empty.
 */
export function oauthProblems(
  o: OAuthEdit,
  authEnv: string,
): { tokenUrl: string | null; clientId: string | null; secretEnv: string | null } {
  const used = [o.tokenUrl, o.clientId, o.secretEnv, o.scope].some((v) => (v ?? "").trim() !== "");
  if (!used) return { tokenUrl: null, clientId: null, secretEnv: null };
  const secret = (o.secretEnv ?? "").trim();
  return {
    tokenUrl:
      authEnv.trim() !== ""
        ? "OAuth or an authorization variable, not both"
        : webUrlProblem(o.tokenUrl ?? ""),
    clientId: (o.clientId ?? "").trim() === "" ? "required" : null,
    secretEnv: secret === "" ? "required" : envNameProblem(secret),
  };
}
