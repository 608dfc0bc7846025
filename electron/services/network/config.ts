// Checks of what a site types in: AE titles (PS3.5 Table 6.2-1, VR AE), ports, allow-list entries
// and remote nodes. Each failure names the value and the rule it breaks.
import { UsageError } from "../../contract/errors";
import type { AllowedPeer } from "./receiver";

export const DEFAULT_AE_TITLE = "LIVERCAD";
export const DEFAULT_PORT = 11112;
export const DEFAULT_BIND = "127.0.0.1";
export const DEFAULT_QUIET_SECONDS = 30;

/** AE: 1-16 characters of the default repertoire, no backslash or control characters. */
export function checkAeTitle(value: string, what = "AE title"): string {
  const ae = value.trim();
  if (ae.length === 0) throw new UsageError(`${what} is empty.`);
  if (ae.length > 16) {
    throw new UsageError(
      `${what} "${ae}" is ${ae.length} characters; DICOM allows 16 (PS3.5 6.2).`,
    );
  }

  if (/[\\\x00-\x1f\x7f-\uffff]/.test(ae)) {
    throw new UsageError(
      `${what} "${ae}" has a backslash, a control or a non-ASCII character (PS3.5 6.2).`,
    );
  }
  return ae;
}

/** 0 is allowed where `allowAny` (listen on any free port, printed at start). */
export function checkPort(value: string | number, what = "port", allowAny = false): number {
  const n = typeof value === "number" ? value : Number(value);
  const min = allowAny ? 0 : 1;
  if (!Number.isInteger(n) || n < min || n > 65535) {
    throw new UsageError(`${what} must be an integer from ${min} to 65535, got "${value}".`);
  }
  return n;
}

/** `AE` or `AE@addr1,addr2`: a calling AE title allowed to send, optionally from these addresses. */
export function parseAllowedPeer(value: string): AllowedPeer {
  const at = value.indexOf("@");
  if (at < 0) return { aeTitle: checkAeTitle(value, "allowed calling AE") };
  const aeTitle = checkAeTitle(value.slice(0, at), "allowed calling AE");
  const addresses = value
    .slice(at + 1)
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  if (addresses.length === 0) throw new UsageError(`--allow ${value}: no address after "@".`);
  return { aeTitle, addresses };
}

export interface RemoteNode {
  aeTitle: string;
  host: string;
  port: number;
}

/** `AE@host:port`, the way DICOM peers are usually written down. */
export function parseRemoteNode(value: string): RemoteNode {
  const m = /^([^@]+)@(.+):(\d+)$/.exec(value.trim());
  if (!m)
    throw new UsageError(`Remote node "${value}" is not AE@host:port (e.g. PACS@10.0.0.5:104).`);
  return {
    aeTitle: checkAeTitle(m[1]!, "remote AE title"),
    host: m[2]!.replace(/^\[|\]$/g, ""),
    port: checkPort(m[3]!, "remote port"),
  };
}
